package dev.zero.service.catalogue;

import dev.zero.api.PathRule;
import dev.zero.api.PlannerRound;
import dev.zero.api.TaskKind;
import dev.zero.api.TaskOutcome;
import dev.zero.api.TierState;
import dev.zero.api.VolumePolicy;
import dev.zero.api.VolumeStatus;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/** A volume at a glance, for {@code ./zero status}. */
@ApplicationScoped
public class VolumeStatuses {
    static final int FAILURES = 10;

    private final Db db;
    private final PlannerQueries planner;

    VolumeStatuses(Db db, PlannerQueries planner) {
        this.db = db;
        this.planner = planner;
    }

    public VolumeStatus status(String volume) {
        return db.inTransaction(c -> {
            PlannerQueries.PlanningVolume v = planner.planningVolume(c, volume);
            VolumePolicy p = v.policy();
            String host;
            java.time.Instant heartbeat;
            try (var s = Db.bind(c.prepareStatement("select name, last_heartbeat from host where id = ?"), v.hostId()); var rs = s.executeQuery()) {
                rs.next();
                host = rs.getString(1);
                heartbeat = Db.instant(rs.getTimestamp(2));
            }
            List<VolumeStatus.StateTotal> states = new ArrayList<>();
            try (var s = Db.bind(c.prepareStatement("""
                    select state, count(*), coalesce(sum(size), 0) from file where volume_id = ? and type = 'FILE'
                    group by state order by state"""), v.id()); var rs = s.executeQuery()) {
                while (rs.next()) {
                    states.add(new VolumeStatus.StateTotal(TierState.valueOf(rs.getString(1)), rs.getLong(2), rs.getLong(3)));
                }
            }
            List<VolumeStatus.Pending> pending = new ArrayList<>();
            try (var s = Db.bind(c.prepareStatement("""
                    select t.kind, count(*), coalesce(sum(f.size), 0) from task t
                    left join file f on f.volume_id = t.volume_id and f.id = t.file_id
                    where t.volume_id = ? and t.state in ('PENDING', 'LEASED') group by t.kind order by t.kind"""), v.id());
                    var rs = s.executeQuery()) {
                while (rs.next()) {
                    pending.add(new VolumeStatus.Pending(TaskKind.valueOf(rs.getString(1)), rs.getLong(2), rs.getLong(3)));
                }
            }
            List<VolumeStatus.Failure> failures = new ArrayList<>();
            try (var s = Db.bind(c.prepareStatement("""
                    select finished_at, kind, file_id, state, message from task
                    where volume_id = ? and state in ('REFUSED', 'FAILED') order by finished_at desc limit ?"""), v.id(), FAILURES);
                    var rs = s.executeQuery()) {
                while (rs.next()) {
                    failures.add(new VolumeStatus.Failure(Db.instant(rs.getTimestamp(1)), TaskKind.valueOf(rs.getString(2)),
                            Paths.pathOf(c, v.id(), rs.getLong(3)).orElse("(file " + rs.getLong(3) + ")"), TaskOutcome.valueOf(rs.getString(4)),
                            rs.getString(5)));
                }
            }
            PlannerRound round = planner.lastRound(c, v.id());
            Long target = p.targetBytes();
            return new VolumeStatus(volume, host, target, target == null ? null : (long) (target * p.highWatermark()),
                    target == null ? null : (long) (target * p.lowWatermark()), p.maxBytes(), v.cacheBytes(), v.neededBytes(), heartbeat,
                    states, pending, round, neverUploadBytes(c, v.id(), p), failures, null);
        });
    }

    /**
     * Bytes that never-upload rules keep on the host (they count against the target). Walks only
     * the local files, and only when such a rule exists.
     */
    private static long neverUploadBytes(java.sql.Connection c, long volumeId, VolumePolicy p) throws java.sql.SQLException {
        if (p.rules().stream().noneMatch(r -> r.action() == PathRule.Action.NEVER_UPLOAD)) {
            return 0;
        }
        List<Long> ids = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        try (var s = Db.bind(c.prepareStatement("select id, size from file where volume_id = ? and state = 'LOCAL' and type = 'FILE'"), volumeId);
                var rs = s.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
                sizes.add(rs.getLong(2));
            }
        }
        var paths = Paths.pathsOf(c, volumeId, ids);
        long bytes = 0;
        for (int i = 0; i < ids.size(); i++) {
            String path = paths.get(ids.get(i));
            PathRule rule = path == null ? null : p.ruleFor(path);
            if (rule != null && rule.action() == PathRule.Action.NEVER_UPLOAD) {
                bytes += sizes.get(i);
            }
        }
        return bytes;
    }
}
