package dev.zero.service.gc;

import dev.zero.service.catalogue.Db;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.store.ObjectKeys;
import dev.zero.service.store.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Removes stored content no file needs any more: objects unreferenced (their file deleted, or a
 * newer version confirmed) for longer than the retention period, and uploads never confirmed
 * after the staged retention. Idempotent and safe with any number of replicas: rows are claimed
 * with {@code FOR UPDATE SKIP LOCKED}, the store's objects are deleted first (deleting a missing
 * object is no error) and the row last, so a crash between the two only repeats the work.
 */
@ApplicationScoped
public class GarbageCollector {
    private static final Logger LOG = Logger.getLogger(GarbageCollector.class);
    private static final int BATCH = 500;

    private final Db db;
    private final ObjectStore store;
    private final ServiceConfig config;
    private final MeterRegistry meters;
    private final Clock clock = Clock.systemUTC();

    GarbageCollector(Db db, ObjectStore store, ServiceConfig config, MeterRegistry meters) {
        this.db = db;
        this.store = store;
        this.config = config;
        this.meters = meters;
    }

    /** One object to remove. */
    record Garbage(long id, String key, long size) {
    }

    @Scheduled(every = "${zero.gc.interval:10m}", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            collect(clock.instant());
        } catch (RuntimeException e) {
            LOG.errorf("garbage collection failed: %s", e.toString());
        }
    }

    /** Removes what is garbage as of {@code now}; returns how many objects went. */
    public long collect(Instant now) {
        pruneHistory(now);
        try {
            store.cancelIncompleteUploads(now.minus(config.gc().stagedRetention()));
        } catch (IOException e) {
            LOG.warnf("unfinished uploads in the store could not be listed or cancelled now (%s); retried at the next collection", e.getMessage());
        }
        long removed = 0;
        while (true) {
            int batch = db.inTransaction(c -> {
                List<Garbage> garbage = claim(c, now);
                for (Garbage g : garbage) {
                    try {
                        store.delete(g.key());
                        store.delete(ObjectKeys.manifest(g.key()));
                    } catch (IOException e) {
                        LOG.warnf("object %s could not be removed from the store now (%s); retried at the next collection", g.key(),
                                e.getMessage());
                        throw new Db.CatalogueException(new SQLException("object store: " + e.getMessage(), e));
                    }
                    try (var s = c.prepareStatement("delete from object where id = ?")) {
                        s.setLong(1, g.id());
                        s.executeUpdate();
                    }
                    meters.counter("zero.gc.objects").increment();
                    meters.counter("zero.gc.bytes").increment(g.size());
                }
                return garbage.size();
            });
            removed += batch;
            if (batch < BATCH) {
                if (removed > 0) {
                    LOG.infof("garbage collection removed %d objects", removed);
                }
                return removed;
            }
        }
    }

    /** Finished tasks, and commands none of whose tasks is still open, older than the task history. */
    private void pruneHistory(Instant now) {
        Instant before = now.minus(config.gc().taskHistory());
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement(
                    "delete from task where state not in ('PENDING', 'LEASED') and finished_at < ?"), before)) {
                s.executeUpdate();
            }
            try (var s = Db.bind(c.prepareStatement("""
                    delete from command m where m.created_at < ?
                    and not exists (select 1 from task t where t.command_id = m.id and t.state in ('PENDING', 'LEASED'))"""), before)) {
                s.executeUpdate();
            }
            return null;
        });
    }

    private List<Garbage> claim(Connection c, Instant now) throws SQLException {
        try (var s = c.prepareStatement("""
                select id, key, size from object
                where ref_count = 0
                  and ((state = 'STORED' and unreferenced_since < ?) or (state = 'STAGED' and created_at < ?))
                  and not exists (select 1 from file f where f.object_id = object.id)
                order by id limit ? for update skip locked""")) {
            s.setTimestamp(1, java.sql.Timestamp.from(now.minus(config.gc().retention())));
            s.setTimestamp(2, java.sql.Timestamp.from(now.minus(config.gc().stagedRetention())));
            s.setInt(3, BATCH);
            try (var rs = s.executeQuery()) {
                List<Garbage> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Garbage(rs.getLong(1), rs.getString(2), rs.getLong(3)));
                }
                return out;
            }
        }
    }
}
