package dev.zero.service.gc;

import static dev.zero.service.Api.admin;
import static dev.zero.service.Api.as;
import static dev.zero.service.Api.onVolume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.JournalBatch;
import dev.zero.api.JournalRecord;
import dev.zero.api.VolumeView;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import dev.zero.service.store.ObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Content no file needs any more: older versions and deleted files stay listed and restorable
 * for the retention period (7 days by default), and garbage collection removes exactly those
 * past it, from the catalogue and from the store.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class VersionsAndCollectionTest {
    private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration RETENTION = Duration.ofDays(7);

    @Inject
    ObjectMapper json;

    @Inject
    GarbageCollector gc;

    @Inject
    ObjectStore store;

    String host;
    String volume;
    long seq;

    @BeforeEach
    void volume() {
        host = Api.unique("host");
        volume = Api.newVolume(host);
        seq = 0;
    }

    static FileMeta meta(long size, long version) {
        return new FileMeta(FileType.FILE, size, 0640, 1000, 1000, 1, T, T, T, version);
    }

    void journal(JournalRecord... records) throws Exception {
        onVolume(volume).body(json.writeValueAsString(new JournalBatch(List.of(records)))).post("/api/v1/volumes/" + volume + "/journal")
                .then().statusCode(200);
    }

    /** Uploads and confirms {@code body} as {@code version} of file {@code fileId}; returns the object's key. */
    String store(long fileId, long version, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        String path = "/api/v1/volumes/" + volume + "/files/" + fileId + "/content";
        var staged = onVolume(volume).contentType("application/octet-stream").body(bytes).header("X-Zero-Sha256", sha).queryParam("version", version)
                .put(path).then().statusCode(200).extract();
        onVolume(volume).body("{\"contentVersion\": " + version + ", \"sha256\": \"" + sha + "\"}")
                .post(path + "/" + staged.path("nonce") + "/confirm").then().statusCode(200);
        return staged.path("key");
    }

    @Test
    @DisplayName("older versions and deleted files are listed with how long they are kept; undelete queues their recreation")
    void versionsAndUndelete() throws Exception {
        journal(JournalRecord.create(++seq, 100, VolumeView.ROOT_FILE_ID, "report.txt", meta(0, 0), null),
                JournalRecord.content(++seq, 100, meta(2, 1)));
        store(100, 1, "v1");
        journal(JournalRecord.content(++seq, 100, meta(2, 2)));
        store(100, 2, "v2");
        admin().get("/api/v1/admin/volumes/" + volume + "/versions?path=report.txt").then().statusCode(200).body("$", hasSize(2))
                .body("[0].contentVersion", equalTo(2)).body("[0].current", equalTo(true)).body("[0].keptUntil", equalTo(null))
                .body("[1].contentVersion", equalTo(1)).body("[1].current", equalTo(false));

        admin().body("{\"path\": \"report.txt\"}").post("/api/v1/admin/volumes/" + volume + "/undelete").then().statusCode(409)
                .body("error", containsString("exists"));
        journal(JournalRecord.unlink(++seq, 100L, VolumeView.ROOT_FILE_ID, "report.txt"));
        admin().get("/api/v1/admin/volumes/" + volume + "/versions?path=report.txt").then().statusCode(200)
                .body("find { it.deletedAt != null }.contentVersion", equalTo(2));
        admin().accept("text/plain").get("/api/v1/admin/volumes/" + volume + "/versions?path=report.txt").then().statusCode(200)
                .body(containsString("deleted"));

        admin().body("{\"path\": \"report.txt\", \"to\": \"restored/report.txt\"}").post("/api/v1/admin/volumes/" + volume + "/undelete")
                .then().statusCode(200).body("action", equalTo("UNDELETE")).body("files", equalTo(1));
        as(host).get("/api/v1/hosts/" + host + "/tasks").then().statusCode(200).body("$", hasSize(1))
                .body("[0].kind", equalTo("UNDELETE")).body("[0].fileId", equalTo(100)).body("[0].contentVersion", equalTo(2))
                .body("[0].path", equalTo("restored/report.txt")).body("[0].recreate.mode", equalTo(0640))
                .body("[0].recreate.uid", equalTo(1000)).body("[0].recreate.nonce", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{16}"));
        admin().body("{\"path\": \"never-existed\"}").post("/api/v1/admin/volumes/" + volume + "/undelete").then().statusCode(404);
        admin().body("{\"path\": \"\"}").post("/api/v1/admin/volumes/" + volume + "/undelete").then().statusCode(400);
    }

    @Test
    @DisplayName("collection removes exactly the objects unreferenced for longer than the retention, however many collectors run")
    void collectsExactly() throws Exception {
        journal(JournalRecord.create(++seq, 100, VolumeView.ROOT_FILE_ID, "kept", meta(0, 0), null),
                JournalRecord.content(++seq, 100, meta(4, 1)),
                JournalRecord.create(++seq, 101, VolumeView.ROOT_FILE_ID, "changed", meta(0, 0), null),
                JournalRecord.content(++seq, 101, meta(4, 1)),
                JournalRecord.create(++seq, 102, VolumeView.ROOT_FILE_ID, "deleted", meta(0, 0), null),
                JournalRecord.content(++seq, 102, meta(4, 1)));
        String kept = store(100, 1, "keep");
        String old = store(101, 1, "old1");
        journal(JournalRecord.content(++seq, 101, meta(4, 2)));
        String current = store(101, 2, "new2");
        String deleted = store(102, 1, "gone");
        journal(JournalRecord.unlink(++seq, 102L, VolumeView.ROOT_FILE_ID, "deleted"));

        gc.collect(Instant.now().plus(RETENTION).minusSeconds(60));
        for (String key : List.of(kept, old, current, deleted)) {
            assertThat(store.size(key)).as(key + " within the retention").isPositive();
        }

        Instant later = Instant.now().plus(RETENTION).plusSeconds(60);
        List<CompletableFuture<Long>> collectors = List.of(CompletableFuture.supplyAsync(() -> gc.collect(later)),
                CompletableFuture.supplyAsync(() -> gc.collect(later)), CompletableFuture.supplyAsync(() -> gc.collect(later)));
        long removed = 0;
        for (CompletableFuture<Long> c : collectors) {
            removed += c.get();
        }
        assertThat(store.size(old)).as("the replaced version").isEqualTo(-1);
        assertThat(store.size(deleted)).as("the deleted file's content").isEqualTo(-1);
        assertThat(store.size(kept)).as("a file's only version").isPositive();
        assertThat(store.size(current)).as("the current version").isPositive();
        assertThat(removed).as("objects removed, counted once across collectors (other tests' garbage may add to it)")
                .isGreaterThanOrEqualTo(2);
        admin().get("/api/v1/admin/volumes/" + volume + "/versions?path=deleted").then().statusCode(200).body("$", hasSize(0));
        admin().get("/api/v1/admin/volumes/" + volume + "/versions?path=changed").then().statusCode(200).body("$", hasSize(1));
    }
}
