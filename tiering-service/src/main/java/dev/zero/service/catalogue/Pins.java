package dev.zero.service.catalogue;

import dev.zero.api.CommandRequest;
import dev.zero.api.CommandView;
import dev.zero.api.PathRule;
import dev.zero.api.TaskKind;
import dev.zero.api.VolumePolicy;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Pinning a path: a PIN rule for it, first in the policy (so no other rule overrides it), and a
 * restore of whatever of it is evicted now; unpinning removes that rule. A directory is pinned
 * with everything below it.
 */
@ApplicationScoped
public class Pins {
    private final Db db;
    private final Policies policies;
    private final Commands commands;

    Pins(Db db, Policies policies, Commands commands) {
        this.db = db;
        this.policies = policies;
        this.commands = commands;
    }

    /** Pins {@code path}; answers the restore that brings it back. */
    public CommandView pin(String volume, String path) {
        long commandId = db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            String glob = globOf(c, volumeId, path);
            policies.update(c, volumeId, p -> Policies.withRule(p, new PathRule(glob, PathRule.Action.PIN, null), 0), false);
            return commands.insert(c, volumeId, new CommandRequest(TaskKind.RESTORE, List.of(path)));
        });
        return commands.progress(commandId);
    }

    /** Removes the pin of {@code path}; its files are ranked like any other again. */
    public VolumePolicy unpin(String volume, String path) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            List<String> globs = path.isEmpty() ? List.of("**") : List.of(escape(path), escape(path) + "/**");
            return policies.update(c, volumeId, p -> {
                for (String glob : globs) {
                    if (p.rules().stream().anyMatch(r -> r.glob().equals(glob) && r.action() == PathRule.Action.PIN)) {
                        return Policies.withoutRule(p, glob);
                    }
                }
                throw ApiException.notFound("'" + path + "' is not pinned (pinned: " + String.join(", ", p.rules().stream()
                        .filter(r -> r.action() == PathRule.Action.PIN).map(PathRule::glob).toList()) + ")");
            }, false);
        });
    }

    /** The glob naming exactly this path: a file, or a directory and everything below it. */
    private static String globOf(java.sql.Connection c, long volumeId, String path) throws java.sql.SQLException {
        if (path.isEmpty()) {
            return "**";
        }
        long fileId = Paths.resolve(c, volumeId, path).orElseThrow(() -> ApiException.notFound("no file or directory at '" + path + "'"));
        try (var s = Db.bind(c.prepareStatement("select type from file where volume_id = ? and id = ?"), volumeId, fileId);
                var rs = s.executeQuery()) {
            boolean directory = rs.next() && "DIRECTORY".equals(rs.getString(1));
            return directory ? escape(path) + "/**" : escape(path);
        }
    }

    /** {@code path} as a glob that matches only it: the glob's special characters escaped. */
    static String escape(String path) {
        StringBuilder b = new StringBuilder(path.length() + 8);
        for (char ch : path.toCharArray()) {
            if ("*?[]{}\\".indexOf(ch) >= 0) {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.toString();
    }
}
