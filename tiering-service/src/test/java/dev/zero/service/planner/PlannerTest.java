package dev.zero.service.planner;

import static dev.zero.service.Api.admin;
import static dev.zero.service.Api.as;
import static dev.zero.service.Api.onVolume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.zero.api.PathRule;
import dev.zero.api.PlanPreview;
import dev.zero.api.TaskKind;
import dev.zero.api.VolumePolicy;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The planner's decisions, one round at a time, on a real catalogue: {@link Planner#planOnce} is
 * called with the time it plans for (the schedule is off in tests), files are catalogue rows with
 * the sizes, states and times each case needs, and what a round decided is read back as the tasks
 * it queued.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class PlannerTest {
    static final long MB = 1_000_000;

    @Inject
    Planner planner;

    @Inject
    AgroalDataSource dataSource;

    /** A volume with its host, and files made as catalogue rows. */
    final class Volume {
        final String host = Api.unique("host");
        final String name = Api.newVolume(host);
        final long id;
        long nextFile = 100;

        Volume() {
            id = query("select id from volume where name = '" + name + "'");
        }

        void policy(VolumePolicy policy) {
            admin().body(policy).put("/api/v1/admin/volumes/" + name + "/policy").then().statusCode(200);
        }

        void reportDisk(long cacheBytes) {
            as(host).body("{\"capacityBytes\": 100000000000, \"usedBytes\": 1000, \"cacheBytes\": " + cacheBytes + "}")
                    .put("/api/v1/hosts/" + host).then().statusCode(200);
        }

        /** A regular file at the root named {@code name}; {@code accesses} raise its rank as ACCESS records would. */
        long file(String name, long size, String state, Instant lastAccess, Instant mtime, int accesses) {
            long fileId = nextFile++;
            update("""
                    insert into file (volume_id, id, type, size, mode, uid, gid, nlink, atime, mtime, ctime, state, content_version, last_access)
                    values (?, ?, 'FILE', ?, 33188, 0, 0, 1, ?, ?, ?, ?, 1, ?)""",
                    id, fileId, size, ts(lastAccess), ts(mtime), ts(mtime), state, ts(lastAccess));
            if (accesses > 0) {
                update("update file set accesses = accesses + ? where volume_id = ? and id = ?", accesses, id, fileId);
            }
            update("insert into entry (volume_id, parent_id, name, file_id) values (?, 1, ?, ?)", id, name, fileId);
            return fileId;
        }

        long dir(String name) {
            long fileId = nextFile++;
            Timestamp t = ts(Instant.now());
            update("""
                    insert into file (volume_id, id, type, size, mode, uid, gid, nlink, atime, mtime, ctime, last_access)
                    values (?, ?, 'DIRECTORY', 0, 16877, 0, 0, 2, ?, ?, ?, ?)""", id, fileId, t, t, t, t);
            update("insert into entry (volume_id, parent_id, name, file_id) values (?, 1, ?, ?)", id, name, fileId);
            return fileId;
        }

        long fileIn(long parent, String name, long size, String state, Instant lastAccess, Instant mtime) {
            long fileId = file("tmp-" + nextFile, size, state, lastAccess, mtime, 0);
            update("update entry set parent_id = ?, name = ? where volume_id = ? and file_id = ?", parent, name, id, fileId);
            return fileId;
        }

        /** The tasks queued for the volume: file id to kind. */
        Map<Long, TaskKind> queued() {
            Map<Long, TaskKind> out = new TreeMap<>();
            try (Connection c = dataSource.getConnection();
                    var s = c.prepareStatement("select file_id, kind from task where volume_id = ? and state in ('PENDING', 'LEASED')")) {
                s.setLong(1, id);
                try (var rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getLong(1), TaskKind.valueOf(rs.getString(2)));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return out;
        }

        List<Long> queued(TaskKind kind) {
            List<Long> out = new ArrayList<>();
            queued().forEach((file, k) -> {
                if (k == kind) {
                    out.add(file);
                }
            });
            return out;
        }

        /** Finishes every open task of the volume as the agent would. */
        void finishAll() {
            update("update task set state = 'DONE', finished_at = now(), bytes = 0 where volume_id = ? and state in ('PENDING', 'LEASED')", id);
        }
    }

    static final Instant NOW = Instant.now();
    static final Instant LONG_AGO = NOW.minusSeconds(86_400);

    static VolumePolicy policy(Long target, long uploadDelay, long minResidency, List<PathRule> rules) {
        return new VolumePolicy(target, null, 0.9, 0.8, uploadDelay, minResidency, rules);
    }

    @Test
    @DisplayName("a file is uploaded once it has been unmodified for the upload delay, not before, and only once")
    void uploadsAfterTheDelay() {
        Volume v = new Volume();
        v.policy(policy(null, 60, 0, List.of()));
        long quiet = v.file("quiet", MB, "LOCAL", LONG_AGO, NOW.minusSeconds(61), 0);
        long busy = v.file("busy", MB, "LOCAL", NOW, NOW.minusSeconds(30), 0);
        v.file("synced", MB, "SYNCED", LONG_AGO, LONG_AGO, 0);

        planner.planOnce(NOW);
        assertThat(v.queued()).isEqualTo(Map.of(quiet, TaskKind.UPLOAD));
        planner.planOnce(NOW);
        assertThat(v.queued()).as("a queued move is not queued again").hasSize(1);

        v.finishAll();
        planner.planOnce(NOW.plusSeconds(31));
        assertThat(v.queued()).as("the busy file has been quiet for the delay now").containsEntry(busy, TaskKind.UPLOAD);
    }

    @Test
    @DisplayName("past the high watermark the lowest-ranked synced files are evicted until the low watermark is reached")
    void evictsByRankDownToTheLowWatermark() {
        Volume v = new Volume();
        v.policy(policy(100 * MB, 3600, 0, List.of()));
        List<Long> byRank = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            // all the same size and age; more accesses rank a file higher
            byRank.add(v.file("f" + i, 5 * MB, "SYNCED", LONG_AGO, LONG_AGO, i));
        }
        v.reportDisk(89 * MB);
        planner.planOnce(NOW);
        assertThat(v.queued()).as("under the high watermark (90 MB): nothing").isEmpty();

        v.reportDisk(95 * MB);
        planner.planOnce(NOW);
        // 95 - 80 = 15 MB to free: the three lowest-ranked 5 MB files
        assertThat(v.queued(TaskKind.EVICT)).containsExactlyInAnyOrderElementsOf(byRank.subList(0, 3));

        planner.planOnce(NOW);
        assertThat(v.queued(TaskKind.EVICT)).as("evictions already queued count as freed: nothing more").hasSize(3);
    }

    @Test
    @DisplayName("evictions finished since the host's last report are not counted twice")
    void freedSpaceIsNotCountedTwice() {
        Volume v = new Volume();
        v.policy(policy(100 * MB, 3600, 0, List.of()));
        for (int i = 0; i < 10; i++) {
            v.file("f" + i, 5 * MB, "SYNCED", LONG_AGO, LONG_AGO, i);
        }
        v.reportDisk(95 * MB);
        planner.planOnce(NOW);
        List<Long> first = v.queued(TaskKind.EVICT);
        assertThat(first).hasSize(3);
        // the agent evicts them (the files are EVICTED now) but has not reported its disk since
        update("update task set state = 'DONE', finished_at = now() + interval '1 second', bytes = ? where volume_id = ? and kind = 'EVICT'",
                5 * MB, v.id);
        update("update file set state = 'EVICTED' where volume_id = ? and id = any(?)", v.id, first.toArray(Long[]::new));
        planner.planOnce(NOW);
        assertThat(v.queued()).as("the 15 MB freed are taken off the stale report").isEmpty();
    }

    @Test
    @DisplayName("with too little synced data to evict, the planner uploads first, the files it would evict first")
    void uploadsFirstUnderPressure() {
        Volume v = new Volume();
        v.policy(policy(100 * MB, 3600, 0, List.of()));
        long low = v.file("low", 20 * MB, "LOCAL", LONG_AGO, NOW.minusSeconds(5), 0);
        long high = v.file("high", 20 * MB, "LOCAL", LONG_AGO, NOW.minusSeconds(5), 50);
        v.reportDisk(95 * MB);
        planner.planOnce(NOW);
        assertThat(v.queued()).as("15 MB needed: the lower-ranked file is uploaded (no upload delay under pressure)")
                .isEqualTo(Map.of(low, TaskKind.UPLOAD));
        assertThat(v.queued()).doesNotContainKey(high);

        // uploaded: now synced, it is evicted
        v.finishAll();
        update("update file set state = 'SYNCED' where volume_id = ? and id = ?", v.id, low);
        planner.planOnce(NOW);
        assertThat(v.queued()).isEqualTo(Map.of(low, TaskKind.EVICT));
    }

    @Test
    @DisplayName("files within the minimum residency and pinned files are never evicted, whatever the pressure")
    void residencyAndPinsHold() {
        Volume v = new Volume();
        v.policy(policy(100 * MB, 3600, 600, List.of(new PathRule("keep-*", PathRule.Action.PIN, null))));
        long recent = v.file("recent", 30 * MB, "SYNCED", NOW.minusSeconds(60), LONG_AGO, 0);
        long pinned = v.file("keep-me", 30 * MB, "SYNCED", LONG_AGO, LONG_AGO, 0);
        long old = v.file("old", 30 * MB, "SYNCED", LONG_AGO, LONG_AGO, 5);
        v.reportDisk(99 * MB);
        planner.planOnce(NOW);
        assertThat(v.queued()).isEqualTo(Map.of(old, TaskKind.EVICT));
        assertThat(v.queued()).doesNotContainKeys(recent, pinned);
    }

    @Test
    @DisplayName("never-upload files stay local (the round says so); evict-after evicts an idle synced file without pressure")
    void neverUploadAndEvictAfter() {
        Volume v = new Volume();
        long scratch = v.dir("scratch");
        long archive = v.dir("archive");
        v.policy(policy(null, 0, 0, List.of(new PathRule("scratch/**", PathRule.Action.NEVER_UPLOAD, null),
                new PathRule("archive/**", PathRule.Action.EVICT_AFTER_IDLE, 3600L))));
        long tmp = v.fileIn(scratch, "big.tmp", 10 * MB, "LOCAL", LONG_AGO, LONG_AGO);
        long idle = v.fileIn(archive, "2019.tar", 10 * MB, "SYNCED", NOW.minusSeconds(3601), LONG_AGO);
        long read = v.fileIn(archive, "2024.tar", 10 * MB, "SYNCED", NOW.minusSeconds(60), LONG_AGO);
        long elsewhere = v.file("notes", 10 * MB, "SYNCED", LONG_AGO, LONG_AGO, 0);
        planner.planOnce(NOW);
        assertThat(v.queued()).isEqualTo(Map.of(idle, TaskKind.EVICT));
        assertThat(v.queued()).doesNotContainKeys(tmp, read, elsewhere);
        admin().get("/api/v1/admin/volumes/" + v.name + "/status").then().statusCode(200)
                .body("lastRound.note", containsString("kept local by never-upload rules"))
                .body("neverUploadBytes", equalTo((int) (10 * MB)));
    }

    @Test
    @DisplayName("a pin brings its evicted files back at the next round, and only at the round after the change")
    void pinsRestore() {
        Volume v = new Volume();
        long photos = v.dir("photos");
        long a = v.fileIn(photos, "a.jpg", MB, "EVICTED", LONG_AGO, LONG_AGO);
        long other = v.file("other", MB, "EVICTED", LONG_AGO, LONG_AGO, 0);
        v.policy(policy(null, 3600, 0, List.of()));
        planner.planOnce(NOW);
        assertThat(v.queued()).isEmpty();
        v.policy(policy(null, 3600, 0, List.of(new PathRule("photos/**", PathRule.Action.PIN, null))));
        planner.planOnce(NOW);
        assertThat(v.queued()).isEqualTo(Map.of(a, TaskKind.RESTORE));
        assertThat(v.queued()).doesNotContainKey(other);
    }

    @Test
    @DisplayName("the what-if of a policy answers exactly what the next round under it then queues")
    void whatIfMatchesTheNextRound() {
        Volume v = new Volume();
        v.policy(policy(null, 3600, 0, List.of()));
        for (int i = 0; i < 6; i++) {
            v.file("s" + i, (i + 1) * MB, "SYNCED", LONG_AGO, LONG_AGO, i);
            v.file("l" + i, (i + 1) * MB, "LOCAL", LONG_AGO, LONG_AGO, i);
        }
        v.reportDisk(60 * MB);
        String change = "{\"settings\": {\"targetDiskUsage\": \"50MB\", \"uploadDelay\": \"10m\"}}";
        PlanPreview preview = admin().body(change).patch("/api/v1/admin/volumes/" + v.name + "/policy?dryRun=true")
                .then().statusCode(200).body("saved", equalTo(false)).extract().jsonPath().getObject("preview", PlanPreview.class);
        assertThat(v.queued()).as("a dry run queues nothing").isEmpty();
        admin().get("/api/v1/admin/volumes/" + v.name + "/policy").then().body("targetBytes", equalTo(null));

        admin().body(change).patch("/api/v1/admin/volumes/" + v.name + "/policy").then().statusCode(200).body("saved", equalTo(true))
                .body("policy.targetBytes", equalTo((int) (50 * MB)));
        planner.planOnce(Instant.now());
        long evictions = v.queued(TaskKind.EVICT).size();
        long uploads = v.queued(TaskKind.UPLOAD).size();
        assertThat(evictions).isPositive();
        assertThat(preview.round().evictions()).isEqualTo(evictions);
        assertThat(preview.round().uploads()).isEqualTo(uploads);
        assertThat(preview.uploadCalls()).as("an upload stores its object and its manifest").isEqualTo(2 * uploads);
    }

    @Test
    @DisplayName("while another replica holds the planner's lock a round does nothing; once it is released, it plans")
    void onlyOneReplicaPlans() throws Exception {
        Volume v = new Volume();
        v.policy(policy(null, 0, 0, List.of()));
        long f = v.file("f", MB, "LOCAL", LONG_AGO, LONG_AGO, 0);
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
            try (Connection c = dataSource.getConnection(); var s = c.prepareStatement("select pg_advisory_lock(?)")) {
                s.setLong(1, Planner.LOCK);
                s.execute();
                locked.countDown();
                release.await(30, TimeUnit.SECONDS);
                try (var u = c.prepareStatement("select pg_advisory_unlock(?)")) {
                    u.setLong(1, Planner.LOCK);
                    u.execute();
                }
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();
        Planner.Outcome skipped = planner.planOnce(NOW);
        assertThat(skipped.planned()).isFalse();
        assertThat(skipped.note()).contains("another replica");
        assertThat(v.queued()).isEmpty();
        release.countDown();
        other.get(30, TimeUnit.SECONDS);
        assertThat(planner.planOnce(NOW).planned()).isTrue();
        assertThat(v.queued()).isEqualTo(Map.of(f, TaskKind.UPLOAD));
    }

    @Test
    @DisplayName("rounds racing on one database queue each move once")
    void concurrentRoundsQueueOnce() throws Exception {
        Volume v = new Volume();
        v.policy(policy(null, 0, 0, List.of()));
        for (int i = 0; i < 50; i++) {
            v.file("f" + i, MB, "LOCAL", LONG_AGO, LONG_AGO, 0);
        }
        List<CompletableFuture<Planner.Outcome>> rounds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rounds.add(CompletableFuture.supplyAsync(() -> planner.planOnce(NOW)));
        }
        for (CompletableFuture<Planner.Outcome> r : rounds) {
            r.get(60, TimeUnit.SECONDS);
        }
        assertThat(query("select count(*) from task where volume_id = " + v.id)).isEqualTo(50);
    }

    @Test
    @DisplayName("a file that keeps coming back ranks above one restored never, and a restore counts as use")
    void restoresRaiseTheRank() {
        Volume v = new Volume();
        long bounced = v.file("bounced", MB, "EVICTED", LONG_AGO, LONG_AGO, 0);
        long plain = v.file("plain", MB, "SYNCED", LONG_AGO, LONG_AGO, 0);
        double before = score(v, bounced);
        // the agent reports the restore (EVICTED -> RESTORING) in its journal
        as(v.host).body("{\"records\": [{\"seq\": 1, \"op\": \"TIER\", \"fileId\": " + bounced
                + ", \"tier\": {\"state\": \"RESTORING\", \"contentVersion\": 1, \"storedVersion\": 1, \"nonce\": \"0000000000000001\"}}]}")
                .post("/api/v1/volumes/" + v.name + "/journal").then().statusCode(200);
        assertThat(query("select restores from file where volume_id = " + v.id + " and id = " + bounced)).isEqualTo(1);
        assertThat(score(v, bounced)).isGreaterThan(before).isGreaterThan(score(v, plain));
    }

    double score(Volume v, long file) {
        try (Connection c = dataSource.getConnection(); var s = c.prepareStatement("select score from file where volume_id = ? and id = ?")) {
            s.setLong(1, v.id);
            s.setLong(2, file);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }

    long query(String sql) {
        try (Connection c = dataSource.getConnection(); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    void update(String sql, Object... values) {
        try (Connection c = dataSource.getConnection(); var s = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] instanceof Long[] array) {
                    s.setArray(i + 1, c.createArrayOf("bigint", array));
                } else {
                    s.setObject(i + 1, values[i]);
                }
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
