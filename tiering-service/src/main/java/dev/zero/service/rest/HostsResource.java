package dev.zero.service.rest;

import dev.zero.api.Checks;
import dev.zero.api.HostReport;
import dev.zero.api.HostCredential;
import dev.zero.api.HostView;
import dev.zero.service.auth.HostCredentials;
import dev.zero.api.HostsApi;
import dev.zero.api.TaskProgress;
import dev.zero.api.TaskResult;
import dev.zero.api.TaskView;
import dev.zero.service.catalogue.Hosts;
import dev.zero.service.catalogue.Tasks;
import io.smallrye.common.annotation.RunOnVirtualThread;
import java.util.List;

public class HostsResource implements HostsApi {
    private final Hosts hosts;
    private final Tasks tasks;

    private final HostCredentials credentials;

    HostsResource(Hosts hosts, Tasks tasks, HostCredentials credentials) {
        this.credentials = credentials;
        this.hosts = hosts;
        this.tasks = tasks;
    }

    @Override
    public HostCredential enrol(String host) {
        return new HostCredential(host, credentials.enrol(Checks.name("host", host)));
    }

    @Override
    public HostView heartbeat(String host, HostReport report) {
        return hosts.heartbeat(Checks.name("host", host), Checks.present("request body", report));
    }

    /** A long poll waits on a virtual thread, so many waiting agents hold no worker threads. */
    @Override
    @RunOnVirtualThread
    public List<TaskView> pollTasks(String host, int max, int waitSeconds) {
        return tasks.poll(Checks.name("host", host), max, waitSeconds);
    }

    @Override
    public void taskProgress(String host, long task, TaskProgress progress) {
        tasks.progress(Checks.name("host", host), task, Checks.present("request body", progress).bytes());
    }

    @Override
    public void completeTask(String host, long task, TaskResult result) {
        tasks.complete(Checks.name("host", host), task, Checks.present("request body", result));
    }
}
