package dev.zero.service.rest;

import dev.zero.api.AdminApi;
import dev.zero.api.CatalogueEntry;
import dev.zero.api.Checks;
import dev.zero.api.CommandRequest;
import dev.zero.api.CommandView;
import dev.zero.api.FileView;
import dev.zero.api.HostView;
import dev.zero.api.VolumePath;
import dev.zero.api.VolumePolicy;
import dev.zero.api.VolumeView;
import dev.zero.service.catalogue.Commands;
import dev.zero.service.catalogue.FileViews;
import dev.zero.service.catalogue.Hosts;
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

    AdminResource(Hosts hosts, Volumes volumes, Tree tree, Policies policies, Commands commands, FileViews files) {
        this.hosts = hosts;
        this.volumes = volumes;
        this.tree = tree;
        this.policies = policies;
        this.commands = commands;
        this.files = files;
    }

    @Override
    public List<HostView> hosts() {
        return hosts.list();
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
    public CommandView command(String volume, CommandRequest request) {
        return commands.create(Checks.name("volume", volume), Checks.present("request body", request));
    }

    @Override
    public CommandView commandProgress(long id) {
        return commands.progress(id);
    }
}
