package dev.zero.service.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zero.api.VolumePolicy;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import dev.zero.service.planner.Planner;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A planning round on a catalogue of 1,000,000 files reads a bounded number of rows: every
 * candidate query's plan walks one of the planner's partial indexes (no sequential scan of the
 * file table), and the round's buffer reads stay far below the table's size.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlannerScaleTest {
    private static final Logger LOG = Logger.getLogger(PlannerScaleTest.class);
    static final int FILES = 1_000_000;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Planner planner;

    String host;
    String volume;
    long volumeId;

    /** Made once, by the first test (REST calls need the application, which is up only inside a test). */
    void catalogueOfAMillionFiles() throws SQLException {
        if (volume != null) {
            return;
        }
        host = Api.unique("host");
        volume = Api.newVolume(host);
        try (Connection c = dataSource.getConnection(); var s = c.createStatement()) {
            try (var rs = s.executeQuery("select id from volume where name = '" + volume + "'")) {
                rs.next();
                volumeId = rs.getLong(1);
            }
            // a realistic mix: most files synced or evicted long ago, some local, accessed at spread-out times
            s.execute("""
                    insert into file (volume_id, id, type, size, mode, uid, gid, nlink, atime, mtime, ctime, state, content_version,
                                      last_access, accesses)
                    select %d, 1000 + g, 'FILE', 1000 + (g %% 100000) * 37, 33188, 0, 0, 1,
                           now() - make_interval(secs => g), now() - make_interval(secs => g), now() - make_interval(secs => g),
                           case when g %% 10 < 6 then 'SYNCED' when g %% 10 < 9 then 'EVICTED' else 'LOCAL' end, 1,
                           now() - make_interval(secs => g %% 864000), g %% 7
                    from generate_series(1, %d) g""".formatted(volumeId, FILES));
            s.execute("""
                    insert into entry (volume_id, parent_id, name, file_id)
                    select %d, 1, 'f' || g, 1000 + g from generate_series(1, %d) g""".formatted(volumeId, FILES));
            s.execute("analyze file");
            s.execute("analyze entry");
            s.execute("analyze task");
        }
        dev.zero.service.Api.admin().body(new VolumePolicy(1_000_000_000L, null, 0.9, 0.8, 300, 3600, List.of()))
                .put("/api/v1/admin/volumes/" + volume + "/policy").then().statusCode(200);
        dev.zero.service.Api.as(host).body("{\"capacityBytes\": 100000000000, \"usedBytes\": 1000, \"cacheBytes\": 2000000000}")
                .put("/api/v1/hosts/" + host).then().statusCode(200);
    }

    @Test
    @DisplayName("every candidate query of a round walks a partial index, none scans the million files")
    void candidateQueriesUseIndexes() throws SQLException {
        catalogueOfAMillionFiles();
        Instant hourAgo = Instant.now().minusSeconds(3600);
        List<String> plans = new ArrayList<>();
        for (String sql : List.of(PlannerQueries.SYNCED_BY_SCORE, PlannerQueries.SYNCED_BY_ACCESS, PlannerQueries.LOCAL_BY_SCORE,
                PlannerQueries.LOCAL_BY_MTIME)) {
            plans.add(explain(sql, volumeId, hourAgo, 1000));
        }
        plans.add(explain(PlannerQueries.OFF_HOST, volumeId, 1000));
        for (String plan : plans) {
            assertThat(plan).as("query plan:\n" + plan).doesNotContain("Seq Scan on file").containsPattern("Index (Only )?Scan using file_");
        }
        LOG.infof("planner query plans at %d files:%n%s", FILES, String.join("\n---\n", plans));
    }

    @Test
    @DisplayName("a whole round at a million files reads a small part of the file table")
    void aRoundReadsFewRows() throws SQLException {
        catalogueOfAMillionFiles();
        long tableBlocks;
        try (Connection c = dataSource.getConnection(); var s = c.createStatement();
                var rs = s.executeQuery("select pg_relation_size('file') / current_setting('block_size')::int")) {
            rs.next();
            tableBlocks = rs.getLong(1);
        }
        long before = blocksRead();
        long started = System.nanoTime();
        Planner.Outcome outcome = planner.planOnce(Instant.now());
        long millis = (System.nanoTime() - started) / 1_000_000;
        long read = blocksRead() - before;
        long scanMillis = candidatesBySequentialScan();
        // bench/planner-bench.sh prints this line: the round beside the reference a scan would cost
        LOG.infof("BENCH planning round at %d files: %d ms (%d moves, %d of %d file-table blocks touched); "
                + "the eviction candidates by sequential scan instead: %d ms", FILES, millis, outcome.moves(), read, tableBlocks, scanMillis);
        assertThat(outcome.planned()).isTrue();
        assertThat(outcome.moves()).as("it found moves to make (the disk is over target)").isPositive();
        assertThat(read).as("file-table blocks a round touches (the table has " + tableBlocks + ")").isLessThan(tableBlocks / 10);
    }

    /** The reference: the same eviction candidate query with index scans switched off, as it would run without the indexes. */
    private long candidatesBySequentialScan() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (var s = c.createStatement()) {
                s.execute("set local enable_indexscan = off");
                s.execute("set local enable_indexonlyscan = off");
                s.execute("set local enable_bitmapscan = off");
            }
            long started = System.nanoTime();
            try (var s = Db.bind(c.prepareStatement(PlannerQueries.SYNCED_BY_SCORE), volumeId, Instant.now().minusSeconds(3600), 1000);
                    var rs = s.executeQuery()) {
                while (rs.next()) {
                    rs.getLong(1);
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            c.rollback();
            return millis;
        }
    }

    /** Blocks of the file table and its indexes read from the buffer cache or disk so far (statistics are flushed first). */
    private long blocksRead() throws SQLException {
        try (Connection c = dataSource.getConnection(); var s = c.createStatement()) {
            s.execute("select pg_stat_force_next_flush()");
            try (var rs = s.executeQuery("""
                    select coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0) from pg_statio_user_tables where relname = 'file'""")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The plan PostgreSQL makes for {@code sql} with these parameters, as the planner's own statements bind them. */
    private String explain(String sql, Object... values) throws SQLException {
        try (Connection c = dataSource.getConnection(); var s = Db.bind(c.prepareStatement("explain " + sql), values);
                var rs = s.executeQuery()) {
            StringBuilder b = new StringBuilder();
            while (rs.next()) {
                b.append(rs.getString(1)).append('\n');
            }
            return b.toString();
        }
    }
}
