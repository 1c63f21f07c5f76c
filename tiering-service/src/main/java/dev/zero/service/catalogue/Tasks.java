package dev.zero.service.catalogue;

import dev.zero.api.TaskKind;
import dev.zero.api.TaskResult;
import dev.zero.api.TaskView;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue of work handed to agents. Polling claims tasks with FOR UPDATE SKIP LOCKED, so
 * any number of service replicas can serve polls without handing one task out twice; a
 * claimed task is leased and goes back to the queue if its lease runs out unfinished.
 */
@ApplicationScoped
public class Tasks {
    public static final int MAX_POLL = 256;

    private final Db db;
    private final ServiceConfig config;

    Tasks(Db db, ServiceConfig config) {
        this.db = db;
        this.config = config;
    }

    public List<TaskView> poll(String host, int max) {
        if (max < 1 || max > MAX_POLL) {
            throw ApiException.badRequest("max must be between 1 and " + MAX_POLL + ", got " + max);
        }
        return db.inTransaction(c -> {
            long hostId = Hosts.idOf(c, host).orElseThrow(() -> ApiException.notFound("host " + host + " is not registered"));
            try (var s = Db.bind(c.prepareStatement("""
                    with claimed as (
                        select id from task
                        where host_id = ? and (state = 'PENDING' or (state = 'LEASED' and lease_until < now()))
                        order by id limit ? for update skip locked)
                    update task t set state = 'LEASED', attempts = attempts + 1,
                        lease_until = now() + make_interval(secs => ?)
                    from claimed, volume v
                    where t.id = claimed.id and v.id = t.volume_id
                    returning t.id, t.kind, v.name, t.file_id, t.content_version, t.lease_until"""),
                    hostId, max, (double) config.tasks().lease().toMillis() / 1000.0); var rs = s.executeQuery()) {
                List<TaskView> tasks = new ArrayList<>();
                while (rs.next()) {
                    tasks.add(new TaskView(rs.getLong(1), TaskKind.valueOf(rs.getString(2)), rs.getString(3), rs.getLong(4),
                            rs.getLong(5), Db.instant(rs.getTimestamp(6))));
                }
                tasks.sort((a, b) -> Long.compare(a.id(), b.id()));
                return tasks;
            }
        });
    }

    /** Records the outcome of a task the host holds the lease of. */
    public void complete(String host, long taskId, TaskResult result) {
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    update task t set state = ?, message = ?, finished_at = now(), lease_until = null
                    from host h where h.id = t.host_id and h.name = ? and t.id = ? and t.state = 'LEASED'"""),
                    result.succeeded() ? "DONE" : "FAILED", result.message(), host, taskId)) {
                if (s.executeUpdate() == 0) {
                    throw ApiException.conflict("task " + taskId + " is not leased to host " + host);
                }
            }
            return null;
        });
    }

    /** Queues a task for the host serving the volume (used by the planner). */
    public long enqueue(String volume, long fileId, TaskKind kind, long contentVersion) {
        return db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    insert into task (host_id, volume_id, file_id, kind, content_version)
                    select host_id, id, ?, ?, ? from volume where name = ? returning id"""), fileId, kind, contentVersion, volume);
                    var rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("no volume named " + volume);
                }
                return rs.getLong(1);
            }
        });
    }
}
