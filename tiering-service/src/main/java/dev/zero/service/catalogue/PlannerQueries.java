package dev.zero.service.catalogue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.PlannerRound;
import dev.zero.api.TaskKind;
import dev.zero.api.VolumePolicy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The catalogue's answers to the planner's questions, each one walk of a partial index in
 * order, stopped after {@code limit} rows, and the writes that record a round: the moves it
 * queues and what it decided. Files with a move already queued are never candidates again.
 */
@ApplicationScoped
public class PlannerQueries {
    /** A volume as the planner sees it: its host's reported disk use, what restores wait for, and its policy. */
    public record PlanningVolume(long id, String name, long hostId, long cacheBytes, long neededBytes, VolumePolicy policy,
            boolean rulesChanged) {
    }

    /** A file that could move. */
    public record Candidate(long fileId, long contentVersion, long size, double score) {
    }

    /** A move to queue. */
    public record Move(TaskKind kind, long fileId, long contentVersion, long size, double score) {
    }

    private static final String NOT_QUEUED = " and not exists (select 1 from task t where t.volume_id = f.volume_id and t.file_id = f.id"
            + " and t.state in ('PENDING', 'LEASED'))";

    private final ObjectMapper json;

    PlannerQueries(ObjectMapper json) {
        this.json = json;
    }

    public List<PlanningVolume> planningVolumes(Connection c) throws SQLException {
        return volumes(c, "");
    }

    public PlanningVolume planningVolume(Connection c, String name) throws SQLException {
        List<PlanningVolume> found = volumes(c, " where v.name = ?", name);
        if (found.isEmpty()) {
            throw dev.zero.service.rest.ApiException.notFound("no volume named " + name);
        }
        return found.get(0);
    }

    private List<PlanningVolume> volumes(Connection c, String where, Object... values) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                select v.id, v.name, v.host_id, h.cache_bytes, h.needed_bytes, p.policy::text,
                       p.updated_at is not null and (ps.policy_seen_at is null or p.updated_at > ps.policy_seen_at)
                from volume v join host h on h.id = v.host_id
                left join volume_policy p on p.volume_id = v.id
                left join planner_state ps on ps.volume_id = v.id""" + where + " order by v.id"), values); var rs = s.executeQuery()) {
            List<PlanningVolume> out = new ArrayList<>();
            while (rs.next()) {
                String policy = rs.getString(6);
                out.add(new PlanningVolume(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        policy == null ? VolumePolicy.DEFAULT : read(policy), rs.getBoolean(7)));
            }
            return out;
        }
    }

    /** Bytes of the files with a move of this kind queued and not finished. */
    public long pendingBytes(Connection c, long volumeId, TaskKind kind) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                select coalesce(sum(f.size), 0) from task t join file f on f.volume_id = t.volume_id and f.id = t.file_id
                where t.volume_id = ? and t.kind = ? and t.state in ('PENDING', 'LEASED')"""), volumeId, kind); var rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Bytes evictions freed after the host last reported its disk use: the report does not show
     * them yet, and counting them again would evict more than needed.
     */
    public long freedSinceReport(Connection c, long volumeId) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                select coalesce(sum(t.bytes), 0) from task t join volume v on v.id = t.volume_id join host h on h.id = v.host_id
                where t.volume_id = ? and t.kind = 'EVICT' and t.state = 'DONE' and t.finished_at > h.last_heartbeat"""), volumeId);
                var rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static final String CANDIDATE = "select f.id, f.content_version, f.size, f.score from file f where f.volume_id = ?"
            + " and f.type = 'FILE'";
    /** The candidate queries; each walks one partial index in order (PlannerScaleTest checks their plans). */
    static final String SYNCED_BY_SCORE = CANDIDATE + " and f.state = 'SYNCED' and f.last_access < ?" + NOT_QUEUED
            + " order by f.score, f.id limit ?";
    static final String SYNCED_BY_ACCESS = CANDIDATE + " and f.state = 'SYNCED' and f.last_access < ?" + NOT_QUEUED
            + " order by f.last_access, f.id limit ?";
    static final String LOCAL_BY_SCORE = CANDIDATE + " and f.state = 'LOCAL' and f.last_access < ?" + NOT_QUEUED
            + " order by f.score, f.id limit ?";
    static final String LOCAL_BY_MTIME = CANDIDATE + " and f.state = 'LOCAL' and f.mtime < ?" + NOT_QUEUED
            + " order by f.mtime, f.id limit ?";
    static final String OFF_HOST = CANDIDATE + " and f.state in ('EVICTED', 'RESTORING')" + NOT_QUEUED + " order by f.id limit ?";

    /** SYNCED files last accessed before {@code accessedBefore}, lowest score first (or least recently used first). */
    public List<Candidate> synced(Connection c, long volumeId, Instant accessedBefore, boolean lru, int limit) throws SQLException {
        return candidates(c, lru ? SYNCED_BY_ACCESS : SYNCED_BY_SCORE, volumeId, accessedBefore, limit);
    }

    /** LOCAL files in the order they would be evicted once uploaded. */
    public List<Candidate> localByRank(Connection c, long volumeId, Instant accessedBefore, int limit) throws SQLException {
        return candidates(c, LOCAL_BY_SCORE, volumeId, accessedBefore, limit);
    }

    /** LOCAL files not modified since {@code modifiedBefore}, oldest change first. */
    public List<Candidate> quietLocal(Connection c, long volumeId, Instant modifiedBefore, int limit) throws SQLException {
        return candidates(c, LOCAL_BY_MTIME, volumeId, modifiedBefore, limit);
    }

    /** Files whose content is (partly) only in the store. */
    public List<Candidate> offHost(Connection c, long volumeId, int limit) throws SQLException {
        return candidates(c, OFF_HOST, volumeId, limit);
    }

    private static List<Candidate> candidates(Connection c, String sql, Object... values) throws SQLException {
        try (var s = Db.bind(c.prepareStatement(sql), values); ResultSet rs = s.executeQuery()) {
            List<Candidate> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Candidate(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4)));
            }
            return out;
        }
    }

    /** One path of each candidate (rules match paths). */
    public Map<Long, String> paths(Connection c, long volumeId, Collection<Candidate> files) throws SQLException {
        return Paths.pathsOf(c, volumeId, files.stream().map(Candidate::fileId).toList());
    }

    /** Queues the moves for the volume's host, inside the round's transaction. */
    public void queueMoves(Connection c, PlanningVolume v, List<Move> moves) throws SQLException {
        if (moves.isEmpty()) {
            return;
        }
        String[] kinds = moves.stream().map(m -> m.kind().name()).toArray(String[]::new);
        Long[] files = moves.stream().map(Move::fileId).toArray(Long[]::new);
        Long[] versions = moves.stream().map(Move::contentVersion).toArray(Long[]::new);
        try (var s = Db.bind(c.prepareStatement("""
                insert into task (host_id, volume_id, file_id, kind, content_version)
                select ?, ?, m.file_id, m.kind, m.version from unnest(?::text[], ?::bigint[], ?::bigint[]) as m(kind, file_id, version)"""),
                v.hostId(), v.id(), c.createArrayOf("text", kinds), c.createArrayOf("bigint", files), c.createArrayOf("bigint", versions))) {
            s.executeUpdate();
        }
        TaskSignals.notifyHost(c, v.hostId());
    }

    /**
     * Records what a round decided for the volume, and moves the ranking's clock on by the bytes
     * it chose to evict; {@code tau} is the ranking's memory, in evicted bytes.
     */
    public void recordRound(Connection c, PlanningVolume v, PlannerRound round, String roundJson, long evictedBytes, double tau)
            throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                insert into planner_state (volume_id, clock, tau, round_at, round_millis, round, policy_seen_at)
                values (?, ?, ?, ?, ?, ?::jsonb, now())
                on conflict (volume_id) do update set
                    clock = planner_state.clock + excluded.clock, tau = excluded.tau,
                    round_at = excluded.round_at, round_millis = excluded.round_millis, round = excluded.round,
                    policy_seen_at = excluded.policy_seen_at"""),
                v.id(), (double) evictedBytes, tau, round.at(), round.millis(), roundJson)) {
            s.executeUpdate();
        }
    }

    /** The last round recorded for the volume, or null. */
    public PlannerRound lastRound(Connection c, long volumeId) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select round::text from planner_state where volume_id = ?"), volumeId);
                var rs = s.executeQuery()) {
            if (!rs.next() || rs.getString(1) == null) {
                return null;
            }
            try {
                return json.readValue(rs.getString(1), PlannerRound.class);
            } catch (JsonProcessingException e) {
                return null;
            }
        }
    }

    /** When any replica last planned any volume (liveness), or null. */
    public Instant lastPlanned(Connection c) throws SQLException {
        try (var s = c.prepareStatement("select max(round_at) from planner_state"); var rs = s.executeQuery()) {
            rs.next();
            return Db.instant(rs.getTimestamp(1));
        }
    }

    private VolumePolicy read(String policy) {
        try {
            return json.readValue(policy, VolumePolicy.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored policy does not parse: " + e.getMessage(), e);
        }
    }
}
