package dev.zero.service.planner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.PathRule;
import dev.zero.api.PlanPreview;
import dev.zero.api.PlannerRound;
import dev.zero.api.TaskKind;
import dev.zero.api.VolumePolicy;
import dev.zero.service.catalogue.PlannerQueries;
import dev.zero.service.catalogue.PlannerQueries.Move;
import dev.zero.service.catalogue.Db;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.store.ObjectStore;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Decides, round by round, what moves: per volume, uploads files that have been LOCAL and
 * unchanged for the upload delay; when the host's disk passes the high watermark of its target,
 * evicts SYNCED files in the ranking's order (lowest score first: see the ranking in V3__planner.sql) until the
 * projected usage is under the low watermark — uploading first, in the same order, when there is
 * not enough synced data; evicts files idle past an {@code evict-after} rule; brings pinned files
 * back. Pinned files and files within the minimum residency are never evicted; never-upload files
 * are never uploaded. Every candidate query walks one of the catalogue's partial indexes in order
 * and stops after a bounded number of rows: a round costs O(k log n), not a scan of every file.
 * <p>
 * {@link #planOnce} takes the time it plans for, so it is tested without a timer; exactly one
 * service replica plans at a time, under a PostgreSQL advisory lock.
 */
@ApplicationScoped
public class Planner {
    private static final Logger LOG = Logger.getLogger(Planner.class);
    /** The advisory lock every replica tries before it plans. */
    static final long LOCK = 0x5a65726f504c414eL;

    private final AgroalDataSource dataSource;
    private final PlannerQueries catalogue;
    private final ServiceConfig config;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final ObjectStore store;
    private volatile Instant lastRound;

    Planner(AgroalDataSource dataSource, PlannerQueries catalogue, ServiceConfig config, ObjectMapper json, MeterRegistry meters,
            ObjectStore store) {
        this.store = store;
        this.dataSource = dataSource;
        this.catalogue = catalogue;
        this.config = config;
        this.json = json;
        this.meters = meters;
    }

    /** What a round decided for one volume. */
    record Plan(List<Move> moves, String note) {
        long count(TaskKind kind) {
            return moves.stream().filter(m -> m.kind() == kind).count();
        }

        long bytes(TaskKind kind) {
            return moves.stream().filter(m -> m.kind() == kind).mapToLong(Move::size).sum();
        }
    }

    /** The outcome of one round over every volume: how many it planned, or why it did not. */
    public record Outcome(boolean planned, int volumes, long moves, String note) {
    }

    /** When a round last ran on this replica (for liveness), or null. */
    public Instant lastRound() {
        return lastRound;
    }

    /**
     * Plans every volume with a policy, as of {@code now}, unless another replica holds the
     * planner's lock (then nothing is done, and the answer says so).
     */
    public Outcome planOnce(Instant now) {
        long started = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            if (!tryLock(c)) {
                return new Outcome(false, 0, 0, "another replica is planning");
            }
            try {
                int volumes = 0;
                long moves = 0;
                for (PlannerQueries.PlanningVolume v : catalogue.planningVolumes(c)) {
                    long volumeStarted = System.nanoTime();
                    c.setAutoCommit(false);
                    try {
                        Plan plan = decide(c, v, v.policy(), now);
                        catalogue.queueMoves(c, v, plan.moves());
                        PlannerRound round = round(plan, v, now, volumeStarted);
                        catalogue.recordRound(c, v, round, json.writeValueAsString(round), plan.bytes(TaskKind.EVICT), tau(v));
                        c.commit();
                        volumes++;
                        moves += plan.moves().size();
                        count(plan);
                        gauge(v);
                    } catch (SQLException | JsonProcessingException | RuntimeException e) {
                        c.rollback();
                        LOG.errorf("planning volume %s failed: %s", v.name(), e.toString());
                    } finally {
                        c.setAutoCommit(true);
                    }
                }
                lastRound = now;
                return new Outcome(true, volumes, moves, null);
            } finally {
                unlock(c);
                Timer.builder("zero.planner.round").description("Time one planning round took").register(meters)
                        .record(Duration.ofNanos(System.nanoTime() - started));
            }
        } catch (SQLException e) {
            throw new Db.CatalogueException(e);
        }
    }

    /** What the planner would do for the volume now under {@code policy}; computed in a transaction that is rolled back. */
    public PlanPreview preview(String volume, VolumePolicy policy, Instant now) {
        long started = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                PlannerQueries.PlanningVolume stored = catalogue.planningVolume(c, volume);
                // new rules are looked at in full, as the first round after they are saved does
                PlannerQueries.PlanningVolume v = new PlannerQueries.PlanningVolume(stored.id(), stored.name(), stored.hostId(),
                        stored.cacheBytes(), stored.neededBytes(), policy, stored.rulesChanged() || !policy.rules().equals(stored.policy().rules()));
                Plan plan = decide(c, v, policy, now);
                PlannerRound round = round(plan, v, now, started);
                long range = config.transfer().chunkSize().asLongValue();
                long uploadCalls = 0;
                long downloadCalls = 0;
                for (Move m : plan.moves()) {
                    switch (m.kind()) {
                        case UPLOAD -> uploadCalls += store.putCalls(m.size()) + 1; // and its manifest
                        case RESTORE -> downloadCalls += store.getCalls(m.size(), range);
                        default -> { }
                    }
                }
                return new PlanPreview(round, uploadCalls, downloadCalls, plan.bytes(TaskKind.UPLOAD), plan.bytes(TaskKind.RESTORE));
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new Db.CatalogueException(e);
        }
    }

    /** The decisions for one volume; reads only. */
    Plan decide(Connection c, PlannerQueries.PlanningVolume v, VolumePolicy policy, Instant now) throws SQLException {
        int limit = config.planner().maxTasksPerRound();
        boolean lru = config.planner().ranking() == ServiceConfig.Planner.Ranking.LRU;
        List<Move> moves = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        boolean hasRules = !policy.rules().isEmpty();

        // files brought back because a rule pins them (looked at when the rules changed)
        if (hasRules && policy.rules().stream().anyMatch(r -> r.action() == PathRule.Action.PIN) && v.rulesChanged()) {
            List<PlannerQueries.Candidate> off = catalogue.offHost(c, v.id(), limit * 10);
            Map<Long, String> paths = catalogue.paths(c, v.id(), off);
            for (PlannerQueries.Candidate f : off) {
                if (moves.size() >= limit) {
                    break;
                }
                if (action(policy, paths.get(f.fileId())) == PathRule.Action.PIN) {
                    moves.add(new Move(TaskKind.RESTORE, f.fileId(), f.contentVersion(), f.size(), f.score()));
                }
            }
        }

        // disk pressure: evict in ranking order down to the low watermark, uploading first if need be
        long pendingEvictions = catalogue.pendingBytes(c, v.id(), TaskKind.EVICT) + catalogue.freedSinceReport(c, v.id());
        long projected = Math.max(0, v.cacheBytes() - pendingEvictions);
        if (policy.targetBytes() != null) {
            long high = (long) (policy.targetBytes() * policy.highWatermark());
            long low = (long) (policy.targetBytes() * policy.lowWatermark());
            if (projected + v.neededBytes() > high) {
                long want = projected + v.neededBytes() - low;
                long freed = 0;
                Instant residentSince = now.minusSeconds(policy.minResidencySeconds());
                List<PlannerQueries.Candidate> synced = catalogue.synced(c, v.id(), residentSince, lru, limit);
                Map<Long, String> paths = hasRules ? catalogue.paths(c, v.id(), synced) : Map.of();
                for (PlannerQueries.Candidate f : synced) {
                    if (freed >= want || moves.size() >= limit) {
                        break;
                    }
                    if (hasRules && action(policy, paths.get(f.fileId())) == PathRule.Action.PIN) {
                        continue;
                    }
                    moves.add(new Move(TaskKind.EVICT, f.fileId(), f.contentVersion(), f.size(), f.score()));
                    freed += f.size();
                }
                if (freed < want) {
                    long queued = catalogue.pendingBytes(c, v.id(), TaskKind.UPLOAD);
                    long uploading = 0;
                    List<PlannerQueries.Candidate> local = catalogue.localByRank(c, v.id(), residentSince, limit);
                    Map<Long, String> localPaths = hasRules ? catalogue.paths(c, v.id(), local) : Map.of();
                    for (PlannerQueries.Candidate f : local) {
                        if (freed + queued + uploading >= want || moves.size() >= limit) {
                            break;
                        }
                        PathRule.Action a = hasRules ? action(policy, localPaths.get(f.fileId())) : null;
                        if (a == PathRule.Action.PIN || a == PathRule.Action.NEVER_UPLOAD) {
                            continue;
                        }
                        moves.add(new Move(TaskKind.UPLOAD, f.fileId(), f.contentVersion(), f.size(), f.score()));
                        uploading += f.size();
                    }
                    notes.add("over the high watermark with too little synced data: uploading " + uploading + " bytes first");
                }
            }
        }

        // files idle past an evict-after rule
        for (PathRule rule : policy.rules()) {
            if (rule.action() != PathRule.Action.EVICT_AFTER_IDLE || moves.size() >= limit) {
                continue;
            }
            List<PlannerQueries.Candidate> idle = catalogue.synced(c, v.id(), now.minusSeconds(rule.idleSeconds()), true, limit);
            Map<Long, String> paths = catalogue.paths(c, v.id(), idle);
            for (PlannerQueries.Candidate f : idle) {
                String path = paths.get(f.fileId());
                if (moves.size() < limit && path != null && policy.ruleFor(path) == rule && notQueued(moves, f.fileId())) {
                    moves.add(new Move(TaskKind.EVICT, f.fileId(), f.contentVersion(), f.size(), f.score()));
                }
            }
        }

        // uploads after the upload delay
        List<PlannerQueries.Candidate> quiet = catalogue.quietLocal(c, v.id(), now.minusSeconds(policy.uploadDelaySeconds()), limit);
        Map<Long, String> quietPaths = hasRules ? catalogue.paths(c, v.id(), quiet) : Map.of();
        int neverUpload = 0;
        for (PlannerQueries.Candidate f : quiet) {
            if (moves.size() >= limit) {
                break;
            }
            if (hasRules && action(policy, quietPaths.get(f.fileId())) == PathRule.Action.NEVER_UPLOAD) {
                neverUpload++;
                continue;
            }
            if (notQueued(moves, f.fileId())) {
                moves.add(new Move(TaskKind.UPLOAD, f.fileId(), f.contentVersion(), f.size(), f.score()));
            }
        }
        if (neverUpload > 0) {
            notes.add(neverUpload + " quiet files kept local by never-upload rules");
        }
        return new Plan(moves, notes.isEmpty() ? null : String.join("; ", notes));
    }

    private static PathRule.Action action(VolumePolicy policy, String path) {
        if (path == null) {
            return null;
        }
        PathRule rule = policy.ruleFor(path);
        return rule == null ? null : rule.action();
    }

    private static boolean notQueued(List<Move> moves, long fileId) {
        for (Move m : moves) {
            if (m.fileId() == fileId) {
                return false;
            }
        }
        return true;
    }

    /** Cache-fills the ranking remembers a use for (bench/ranking chose it). */
    static final double MEMORY_FILLS = 12;

    /** The ranking's memory in evicted bytes: 12 fills of the target (of the disk in use, without one). */
    static double tau(PlannerQueries.PlanningVolume v) {
        Long target = v.policy().targetBytes();
        return MEMORY_FILLS * (target != null ? target : Math.max(v.cacheBytes(), 1_000_000_000L));
    }

    private static PlannerRound round(Plan plan, PlannerQueries.PlanningVolume v, Instant now, long started) {
        return new PlannerRound(now, (System.nanoTime() - started) / 1_000_000, v.cacheBytes(), plan.count(TaskKind.UPLOAD),
                plan.bytes(TaskKind.UPLOAD), plan.count(TaskKind.EVICT), plan.bytes(TaskKind.EVICT), plan.count(TaskKind.RESTORE),
                plan.bytes(TaskKind.RESTORE), plan.note());
    }

    /** Each volume's disk use and target as of its last round, as gauges tagged with the volume. */
    private final Map<String, double[]> volumeGauges = new java.util.concurrent.ConcurrentHashMap<>();

    private void gauge(PlannerQueries.PlanningVolume v) {
        double[] values = volumeGauges.computeIfAbsent(v.name(), name -> {
            double[] fresh = new double[2];
            io.micrometer.core.instrument.Gauge.builder("zero.volume.used.bytes", fresh, a -> a[0]).tag("volume", name)
                    .description("Disk the volume's cache uses, as its host last reported").register(meters);
            io.micrometer.core.instrument.Gauge.builder("zero.volume.target.bytes", fresh, a -> a[1]).tag("volume", name)
                    .description("The volume's disk target (NaN: none)").register(meters);
            return fresh;
        });
        values[0] = v.cacheBytes();
        values[1] = v.policy().targetBytes() == null ? Double.NaN : v.policy().targetBytes();
    }

    private void count(Plan plan) {
        for (TaskKind kind : TaskKind.values()) {
            long n = plan.count(kind);
            if (n > 0) {
                meters.counter("zero.planner.decisions", "kind", kind.name().toLowerCase()).increment(n);
            }
        }
    }

    private static boolean tryLock(Connection c) throws SQLException {
        try (var s = c.prepareStatement("select pg_try_advisory_lock(?)")) {
            s.setLong(1, LOCK);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection c) {
        try (var s = c.prepareStatement("select pg_advisory_unlock(?)")) {
            s.setLong(1, LOCK);
            s.execute();
        } catch (SQLException e) {
            LOG.warnf("releasing the planner lock failed (%s); it goes with the connection", e.getMessage());
        }
    }
}
