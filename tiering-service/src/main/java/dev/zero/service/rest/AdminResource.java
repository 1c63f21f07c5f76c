package dev.zero.service.rest;

import dev.zero.api.AdminApi;
import dev.zero.api.CatalogueEntry;
import dev.zero.api.Checks;
import dev.zero.api.CommandRequest;
import dev.zero.api.CommandView;
import dev.zero.api.FileView;
import dev.zero.api.HostCredential;
import dev.zero.api.HostView;
import dev.zero.api.VolumePath;
import dev.zero.api.VolumePolicy;
import dev.zero.api.VolumeView;
import dev.zero.api.PathRule;
import dev.zero.api.PlanPreview;
import dev.zero.api.PolicyChange;
import dev.zero.api.PolicyUpdate;
import dev.zero.api.UndeleteRequest;
import dev.zero.api.VersionView;
import dev.zero.api.VolumeStatus;
import dev.zero.service.auth.HostCredentials;
import dev.zero.service.catalogue.Commands;
import dev.zero.service.catalogue.Versions;
import dev.zero.service.catalogue.VolumeStatuses;
import dev.zero.service.cost.StoreCosts;
import dev.zero.service.planner.Planner;
import dev.zero.service.catalogue.FileViews;
import dev.zero.service.catalogue.Hosts;
import dev.zero.service.catalogue.Pins;
import dev.zero.service.catalogue.Policies;
import dev.zero.service.catalogue.Tree;
import dev.zero.service.catalogue.Volumes;
import java.util.List;

public class AdminResource implements AdminApi {
    private final Hosts hosts;
    private final Volumes volumes;
    private final Tree tree;
    private final Policies policies;
    private final Commands commands;
    private final FileViews files;
    private final VolumeStatuses statuses;
    private final Versions versions;
    private final Planner planner;
    private final Pins pins;
    private final StoreCosts costs;
    private final HostCredentials credentials;

    AdminResource(Hosts hosts, Volumes volumes, Tree tree, Policies policies, Commands commands, FileViews files, VolumeStatuses statuses,
            Versions versions, Planner planner, Pins pins, StoreCosts costs,
            HostCredentials credentials) {
        this.credentials = credentials;
        this.pins = pins;
        this.costs = costs;
        this.hosts = hosts;
        this.volumes = volumes;
        this.tree = tree;
        this.policies = policies;
        this.commands = commands;
        this.files = files;
        this.statuses = statuses;
        this.versions = versions;
        this.planner = planner;
    }

    @Override
    public VolumeStatus status(String volume) {
        String name = Checks.name("volume", volume);
        return statuses.status(name).withStore(costs.usage(name));
    }

    @Override
    public PlanPreview preview(String volume, VolumePolicy policy) {
        return planner.preview(Checks.name("volume", volume), Checks.present("request body", policy), java.time.Instant.now());
    }

    @Override
    public List<VersionView> versions(String volume, String path) {
        return versions.list(Checks.name("volume", volume), VolumePath.normalise("query parameter path", path));
    }

    @Override
    public CommandView undelete(String volume, UndeleteRequest request) {
        return versions.undelete(Checks.name("volume", volume), Checks.present("request body", request));
    }

    @Override
    public List<HostView> hosts() {
        return hosts.list();
    }

    @Override
    public HostCredential issueCredential(String host) {
        return new HostCredential(host, credentials.issue(Checks.name("host", host)));
    }

    @Override
    public void revokeCredential(String host) {
        credentials.revoke(Checks.name("host", host));
    }

    @Override
    public List<VolumeView> volumes() {
        return volumes.list();
    }

    @Override
    public List<CatalogueEntry> tree(String volume) {
        return tree.list(Checks.name("volume", volume));
    }

    @Override
    public FileView file(String volume, String path) {
        return files.byPath(Checks.name("volume", volume), VolumePath.normalise("query parameter path", path));
    }

    @Override
    public VolumePolicy policy(String volume) {
        return policies.get(Checks.name("volume", volume));
    }

    @Override
    public VolumePolicy setPolicy(String volume, VolumePolicy policy) {
        return policies.set(Checks.name("volume", volume), Checks.present("request body", policy));
    }

    @Override
    public PolicyUpdate changePolicy(String volume, boolean dryRun, PolicyChange change) {
        String name = Checks.name("volume", volume);
        PolicyChange checked = Checks.present("request body", change);
        VolumePolicy next = policies.update(name, checked::applyTo, dryRun);
        return new PolicyUpdate(next, !dryRun, planner.preview(name, next, java.time.Instant.now()));
    }

    @Override
    public VolumePolicy addRule(String volume, Integer position, PathRule rule) {
        return policies.addRule(Checks.name("volume", volume), Checks.present("request body", rule), position);
    }

    @Override
    public VolumePolicy removeRule(String volume, String glob) {
        return policies.removeRule(Checks.name("volume", volume), Checks.text("query parameter glob", Checks.present("query parameter glob", glob)));
    }

    @Override
    public CommandView pin(String volume, String path) {
        return pins.pin(Checks.name("volume", volume), VolumePath.normalise("query parameter path", path));
    }

    @Override
    public VolumePolicy unpin(String volume, String path) {
        return pins.unpin(Checks.name("volume", volume), VolumePath.normalise("query parameter path", path));
    }

    @Override
    public CommandView command(String volume, CommandRequest request) {
        return commands.create(Checks.name("volume", volume), Checks.present("request body", request));
    }

    @Override
    public CommandView commandProgress(long id) {
        return commands.progress(id);
    }
}
