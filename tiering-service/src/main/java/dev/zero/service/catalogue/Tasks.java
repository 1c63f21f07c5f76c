package dev.zero.service.catalogue;

import dev.zero.api.HostsApi;
import dev.zero.api.TaskKind;
import dev.zero.api.TaskResult;
import dev.zero.api.TaskView;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue of work handed to agents. Polling claims tasks with FOR UPDATE SKIP LOCKED, so
 * any number of service replicas can serve polls without handing one task out twice; a
 * claimed task is leased and goes back to the queue if its lease runs out unfinished. A poll
 * may wait for work (long poll): queueing wakes it through {@link TaskSignals}.
 */
@ApplicationScoped
public class Tasks {
    public static final int MAX_POLL = 256;

    private final Db db;
    private final ServiceConfig config;
    private final TaskSignals signals;

    Tasks(Db db, ServiceConfig config, TaskSignals signals) {
        this.db = db;
        this.config = config;
        this.signals = signals;
    }

    /** Claims up to {@code max} tasks for the host, waiting up to {@code waitSeconds} for one to be queued if there is none. */
    public List<TaskView> poll(String host, int max, int waitSeconds) {
        if (max < 1 || max > MAX_POLL) {
            throw ApiException.badRequest("max must be between 1 and " + MAX_POLL + ", got " + max);
        }
        if (waitSeconds < 0 || waitSeconds > HostsApi.MAX_WAIT_SECONDS) {
            throw ApiException.badRequest("wait must be between 0 and " + HostsApi.MAX_WAIT_SECONDS + " seconds, got " + waitSeconds);
        }
        long hostId = db.inTransaction(c -> Hosts.idOf(c, host)).orElseThrow(() -> ApiException.notFound("host " + host + " is not registered"));
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        while (true) {
            long generation = signals.generation(hostId);
            List<TaskView> tasks = claim(hostId, max);
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (!tasks.isEmpty() || left <= 0) {
                return tasks;
            }
            try {
                signals.await(hostId, generation, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return tasks;
            }
        }
    }

    private List<TaskView> claim(long hostId, int max) {
        return db.inTransaction(c -> {
            List<TaskView> tasks = new ArrayList<>();
            try (var s = Db.bind(c.prepareStatement("""
                    with claimed as (
                        select id from task
                        where host_id = ? and (state = 'PENDING' or (state = 'LEASED' and lease_until < now()))
                        order by id limit ? for update skip locked),
                    leased as (
                        update task t set state = 'LEASED', attempts = attempts + 1,
                            lease_until = now() + make_interval(secs => ?)
                        from claimed where t.id = claimed.id
                        returning t.*)
                    select l.id, l.kind, v.name, l.file_id, l.content_version, l.lease_until, l.volume_id, l.nonce, l.dest_path,
                        d.mode, d.uid, d.gid, d.mtime
                    from leased l join volume v on v.id = l.volume_id left join deleted_file d on d.id = l.deleted_id"""),
                    hostId, max, (double) config.tasks().lease().toMillis() / 1000.0); var rs = s.executeQuery()) {
                List<long[]> where = new ArrayList<>();
                while (rs.next()) {
                    // an undelete names where the file comes back; other tasks get the file's path below
                    TaskView.Recreate recreate = null;
                    if (rs.getString(8) != null) {
                        Integer mode = (Integer) rs.getObject(10); // null once retention collected the deleted file's record
                        recreate = new TaskView.Recreate(rs.getString(8), mode == null ? 0100644 : mode, rs.getInt(11), rs.getInt(12),
                                Db.instant(rs.getTimestamp(13)));
                    }
                    tasks.add(new TaskView(rs.getLong(1), TaskKind.valueOf(rs.getString(2)), rs.getString(3), rs.getLong(4),
                            rs.getLong(5), rs.getString(9), Db.instant(rs.getTimestamp(6)), recreate));
                    where.add(new long[] {rs.getLong(7), rs.getLong(4)});
                }
                for (int i = 0; i < tasks.size(); i++) {
                    TaskView t = tasks.get(i);
                    if (t.kind() == TaskKind.UNDELETE) {
                        continue;
                    }
                    String path = Paths.pathOf(c, where.get(i)[0], where.get(i)[1]).orElse(null);
                    tasks.set(i, new TaskView(t.id(), t.kind(), t.volume(), t.fileId(), t.contentVersion(), path, t.leaseUntil(), null));
                }
            }
            tasks.sort((a, b) -> Long.compare(a.id(), b.id()));
            return tasks;
        });
    }

    /** Records how far a task the host holds has come and extends its lease. */
    public void progress(String host, long taskId, long bytes) {
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    update task t set bytes = ?, lease_until = now() + make_interval(secs => ?)
                    from host h where h.id = t.host_id and h.name = ? and t.id = ? and t.state = 'LEASED'"""),
                    bytes, (double) config.tasks().lease().toMillis() / 1000.0, host, taskId)) {
                if (s.executeUpdate() == 0) {
                    throw ApiException.conflict("task " + taskId + " is not leased to host " + host);
                }
            }
            return null;
        });
    }

    /** Records the outcome of a task the host holds the lease of. */
    public void complete(String host, long taskId, TaskResult result) {
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    update task t set state = ?, message = ?, bytes = ?, finished_at = now(), lease_until = null
                    from host h where h.id = t.host_id and h.name = ? and t.id = ? and t.state = 'LEASED'"""),
                    result.outcome().name(), result.message(), result.bytes(), host, taskId)) {
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
            long id;
            long hostId;
            try (var s = Db.bind(c.prepareStatement("""
                    insert into task (host_id, volume_id, file_id, kind, content_version)
                    select host_id, id, ?, ?, ? from volume where name = ? returning id, host_id"""), fileId, kind, contentVersion, volume);
                    var rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("no volume named " + volume);
                }
                id = rs.getLong(1);
                hostId = rs.getLong(2);
            }
            TaskSignals.notifyHost(c, hostId);
            return id;
        });
    }

    /** Queues one task per file of a command, inside the caller's transaction; returns how many. */
    static int enqueueAll(Connection c, long volumeId, long commandId, TaskKind kind, long[] fileIds) throws SQLException {
        int queued;
        long hostId;
        try (var s = Db.bind(c.prepareStatement("""
                insert into task (host_id, volume_id, file_id, kind, content_version, command_id)
                select v.host_id, v.id, f.id, ?, f.content_version, ?
                from volume v join file f on f.volume_id = v.id and f.id = any(?)
                where v.id = ?"""), kind, commandId, c.createArrayOf("bigint", box(fileIds)), volumeId)) {
            queued = s.executeUpdate();
        }
        try (var s = Db.bind(c.prepareStatement("select host_id from volume where id = ?"), volumeId); var rs = s.executeQuery()) {
            rs.next();
            hostId = rs.getLong(1);
        }
        if (queued > 0) {
            TaskSignals.notifyHost(c, hostId);
        }
        return queued;
    }

    private static Long[] box(long[] values) {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }
}
