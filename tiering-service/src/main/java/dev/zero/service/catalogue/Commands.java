package dev.zero.service.catalogue;

import dev.zero.api.CommandRequest;
import dev.zero.api.CommandView;
import dev.zero.api.TaskKind;
import dev.zero.api.TaskOutcome;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Operators' commands: "upload / evict / restore these paths now". A command resolves its paths
 * to the regular files under them (a directory stands for its whole subtree; a file with several
 * names counts once) and queues one task per file for the volume's host; its progress is the sum
 * of its tasks.
 */
@ApplicationScoped
public class Commands {
    /** Refused and failed files listed with a command's progress, at most. */
    static final int MAX_PROBLEMS = 100;

    private final Db db;

    Commands(Db db) {
        this.db = db;
    }

    public CommandView create(String volume, CommandRequest request) {
        long id = db.inTransaction(c -> insert(c, Volumes.idOf(c, volume), request));
        return progress(id);
    }

    /** Inserts the command and its tasks in the caller's transaction; returns its id. */
    long insert(Connection c, long volumeId, CommandRequest request) throws SQLException {
        Set<Long> files = new LinkedHashSet<>();
        List<String> notFound = new ArrayList<>();
        for (String path : request.paths()) {
            Optional<Long> found = Paths.resolve(c, volumeId, path);
            if (found.isEmpty()) {
                notFound.add(path);
                continue;
            }
            files.addAll(regularFilesUnder(c, volumeId, found.get()));
        }
        long[] ids = files.stream().mapToLong(Long::longValue).toArray();
        long commandId;
        try (var s = Db.bind(c.prepareStatement("""
                insert into command (volume_id, action, paths, not_found, files, bytes)
                values (?, ?, ?, ?, ?, (select coalesce(sum(size), 0) from file where volume_id = ? and id = any(?)))
                returning id"""), volumeId, request.action(), c.createArrayOf("text", request.paths().toArray()),
                c.createArrayOf("text", notFound.toArray()), ids.length, volumeId, longs(c, ids)); var rs = s.executeQuery()) {
            rs.next();
            commandId = rs.getLong(1);
        }
        Tasks.enqueueAll(c, volumeId, commandId, request.action(), ids);
        return commandId;
    }

    /** An undelete: a command of one task that recreates a file at {@code request.to()} from a stored object. */
    long insertUndelete(Connection c, long volumeId, dev.zero.api.UndeleteRequest request, long deletedId, long fileId, long version,
            String nonce, long size) throws SQLException {
        long commandId;
        try (var s = Db.bind(c.prepareStatement("""
                insert into command (volume_id, action, paths, files, bytes) values (?, 'UNDELETE', ?, 1, ?) returning id"""),
                volumeId, c.createArrayOf("text", new Object[] {request.path()}), size); var rs = s.executeQuery()) {
            rs.next();
            commandId = rs.getLong(1);
        }
        long hostId;
        try (var s = Db.bind(c.prepareStatement("""
                insert into task (host_id, volume_id, file_id, kind, content_version, command_id, nonce, dest_path, deleted_id)
                select host_id, id, ?, 'UNDELETE', ?, ?, ?, ?, ? from volume where id = ? returning host_id"""),
                fileId, version, commandId, nonce, request.to(), deletedId, volumeId); var rs = s.executeQuery()) {
            rs.next();
            hostId = rs.getLong(1);
        }
        TaskSignals.notifyHost(c, hostId);
        return commandId;
    }

    /** The regular files at or below {@code fileId} (itself, if it is one). */
    private static List<Long> regularFilesUnder(Connection c, long volumeId, long fileId) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                with recursive sub(id, type, depth) as (
                    select f.id, f.type, 0 from file f where f.volume_id = ? and f.id = ?
                    union
                    select f.id, f.type, sub.depth + 1 from sub
                    join entry e on e.volume_id = ? and e.parent_id = sub.id
                    join file f on f.volume_id = e.volume_id and f.id = e.file_id
                    where sub.type = 'DIRECTORY' and sub.depth < ?)
                select distinct id from sub where type = 'FILE' order by id"""), volumeId, fileId, volumeId, Paths.MAX_DEPTH);
                var rs = s.executeQuery()) {
            List<Long> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
            return ids;
        }
    }

    public CommandView progress(long id) {
        return db.inTransaction(c -> {
            CommandView base;
            long volumeId;
            try (var s = Db.bind(c.prepareStatement("""
                    select c.volume_id, v.name, c.action, c.created_at, c.files, c.bytes, c.not_found,
                           count(t.id) filter (where t.state = 'DONE'),
                           count(t.id) filter (where t.state = 'REFUSED'),
                           count(t.id) filter (where t.state = 'FAILED'),
                           coalesce(sum(t.bytes), 0),
                           count(t.id) filter (where t.state in ('PENDING', 'LEASED')),
                           max(t.finished_at)
                    from command c join volume v on v.id = c.volume_id left join task t on t.command_id = c.id
                    where c.id = ? group by c.id, v.name"""), id); var rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("no command " + id);
                }
                volumeId = rs.getLong(1);
                boolean finished = rs.getLong(12) == 0;
                base = new CommandView(id, rs.getString(2), TaskKind.valueOf(rs.getString(3)), Db.instant(rs.getTimestamp(4)),
                        rs.getLong(5), rs.getLong(6), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), finished,
                        finished ? Db.instant(rs.getTimestamp(13)) : null, List.of((String[]) rs.getArray(7).getArray()), List.of());
            }
            List<CommandView.Problem> problems = new ArrayList<>();
            try (var s = Db.bind(c.prepareStatement("""
                    select file_id, state, message from task where command_id = ? and state in ('REFUSED', 'FAILED')
                    order by id limit ?"""), id, MAX_PROBLEMS); var rs = s.executeQuery()) {
                while (rs.next()) {
                    problems.add(new CommandView.Problem(Paths.pathOf(c, volumeId, rs.getLong(1)).orElse("(file " + rs.getLong(1) + ", deleted)"),
                            TaskOutcome.valueOf(rs.getString(2)), rs.getString(3)));
                }
            }
            return new CommandView(base.id(), base.volume(), base.action(), base.createdAt(), base.files(), base.bytes(), base.done(),
                    base.refused(), base.failed(), base.bytesDone(), base.finished(), base.finishedAt(), base.notFound(), problems);
        });
    }

    private static Array longs(Connection c, long[] ids) throws SQLException {
        return c.createArrayOf("bigint", Arrays.stream(ids).boxed().toArray());
    }
}
