package dev.zero.service.catalogue;

import static dev.zero.service.Api.admin;
import static dev.zero.service.Api.as;
import static dev.zero.service.Api.onVolume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.CatalogueEntry;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.JournalAck;
import dev.zero.api.JournalBatch;
import dev.zero.api.JournalRecord;
import dev.zero.api.VolumeView;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class JournalIngestTest {
    private static final long ROOT = VolumeView.ROOT_FILE_ID;
    private static final Instant T = Instant.parse("2026-11-25T10:00:00.123456Z");

    @Inject
    ObjectMapper json;

    String volume;

    @BeforeEach
    void newVolume() {
        volume = Api.newVolume(Api.unique("host"));
    }

    static FileMeta dir() {
        return new FileMeta(FileType.DIRECTORY, 4096, 0755, 1000, 1000, 2, T, T, T, 0);
    }

    static FileMeta file(long size, long version) {
        return new FileMeta(FileType.FILE, size, 0644, 1000, 1000, 1, T, T, T, version);
    }

    String body(JournalRecord... records) throws JsonProcessingException {
        return json.writeValueAsString(new JournalBatch(List.of(records)));
    }

    JournalAck send(JournalRecord... records) throws JsonProcessingException {
        return onVolume(volume).body(body(records)).post("/api/v1/volumes/" + volume + "/journal").then().statusCode(200)
                .extract().as(JournalAck.class);
    }

    Map<String, CatalogueEntry> tree() {
        CatalogueEntry[] entries = admin().get("/api/v1/admin/volumes/" + volume + "/tree").then().statusCode(200)
                .extract().as(CatalogueEntry[].class);
        return Arrays.stream(entries).collect(Collectors.toMap(CatalogueEntry::path, e -> e));
    }

    @Test
    @DisplayName("creates, links, renames and unlinks show up in the catalogue's tree")
    void namespaceOperations_mirrorTree() throws Exception {
        JournalAck ack = send(
                JournalRecord.create(1, 10, ROOT, "photos", dir(), null),
                JournalRecord.create(2, 11, 10, "a.jpg", file(0, 0), null),
                JournalRecord.content(3, 11, file(5000, 1)),
                JournalRecord.link(4, 11, ROOT, "a-link.jpg", new FileMeta(FileType.FILE, 5000, 0644, 1000, 1000, 2, T, T, T, 1)),
                JournalRecord.create(5, 12, ROOT, "ln", new FileMeta(FileType.SYMLINK, 12, 0777, 0, 0, 1, T, T, T, 0), "photos/a.jpg"),
                JournalRecord.create(6, 13, 10, "2025", dir(), null),
                JournalRecord.rename(7, 10L, ROOT, "photos", ROOT, "pictures"));
        assertThat(ack.appliedSeq()).isEqualTo(7);
        assertThat(ack.applied()).isEqualTo(7);
        assertThat(ack.drift()).isZero();

        Map<String, CatalogueEntry> tree = tree();
        assertThat(tree.keySet()).containsExactlyInAnyOrder("pictures", "pictures/a.jpg", "pictures/2025", "a-link.jpg", "ln");
        assertThat(tree.get("pictures/a.jpg").meta().size()).isEqualTo(5000);
        assertThat(tree.get("pictures/a.jpg").fileId()).isEqualTo(tree.get("a-link.jpg").fileId());
        assertThat(tree.get("pictures/a.jpg").meta().nlink()).isEqualTo(2);
        assertThat(tree.get("ln").linkTarget()).isEqualTo("photos/a.jpg");
        assertThat(tree.get("pictures/a.jpg").meta().mtime()).isEqualTo(T);

        send(JournalRecord.unlink(8, 11L, 10, "a.jpg"));
        assertThat(tree().keySet()).containsExactlyInAnyOrder("pictures", "pictures/2025", "a-link.jpg", "ln");
        send(JournalRecord.unlink(9, 11L, ROOT, "a-link.jpg"), JournalRecord.unlink(10, 13L, 10, "2025"));
        assertThat(tree().keySet()).containsExactlyInAnyOrder("pictures", "ln");
    }

    @Test
    @DisplayName("a rename onto an existing name replaces it, and the replaced file leaves the catalogue")
    void rename_replacesTarget() throws Exception {
        send(JournalRecord.create(1, 20, ROOT, "old", file(1, 1), null),
                JournalRecord.create(2, 21, ROOT, "new", file(2, 1), null),
                JournalRecord.rename(3, 20L, ROOT, "old", ROOT, "new"));
        Map<String, CatalogueEntry> tree = tree();
        assertThat(tree.keySet()).containsExactly("new");
        assertThat(tree.get("new").fileId()).isEqualTo(20);
        assertThat(admin().get("/api/v1/admin/volumes").then().extract().jsonPath()
                .getLong("find { it.name == '" + volume + "' }.files")).isEqualTo(2); // root + file 20
    }

    @Nested
    @DisplayName("sequence numbers")
    class Sequencing {
        @Test
        @DisplayName("the same batch sent twice is applied once")
        void sameBatchTwice_appliedOnce() throws Exception {
            JournalRecord[] batch = {
                JournalRecord.create(1, 30, ROOT, "f", file(0, 0), null),
                JournalRecord.rename(2, 30L, ROOT, "f", ROOT, "g"),
                JournalRecord.create(3, 31, ROOT, "f", file(0, 0), null)};
            assertThat(send(batch).applied()).isEqualTo(3);
            JournalAck again = send(batch);
            assertThat(again.applied()).isZero();
            assertThat(again.appliedSeq()).isEqualTo(3);
            assertThat(tree().keySet()).containsExactlyInAnyOrder("f", "g");
            assertThat(tree().get("f").fileId()).isEqualTo(31);
        }

        @Test
        @DisplayName("an overlapping batch applies only its new records")
        void overlappingBatch_appliesTail() throws Exception {
            send(JournalRecord.create(1, 40, ROOT, "a", file(0, 0), null));
            JournalAck ack = send(JournalRecord.create(1, 40, ROOT, "a", file(0, 0), null),
                    JournalRecord.create(2, 41, ROOT, "b", file(0, 0), null));
            assertThat(ack.applied()).isEqualTo(1);
            assertThat(tree().keySet()).containsExactlyInAnyOrder("a", "b");
        }

        @Test
        @DisplayName("a batch after a gap is refused with 409 and changes nothing")
        void gap_conflict() throws Exception {
            send(JournalRecord.create(1, 50, ROOT, "a", file(0, 0), null));
            onVolume(volume).body(body(JournalRecord.create(3, 51, ROOT, "b", file(0, 0), null)))
                    .post("/api/v1/volumes/" + volume + "/journal")
                    .then().statusCode(409).body("error", containsString("applied up to 1"));
            assertThat(tree().keySet()).containsExactly("a");
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {
        @Test
        void missingField_400NamesIt() {
            onVolume(volume).body("{\"records\":[{\"seq\":1,\"op\":\"CREATE\",\"parentId\":1,\"name\":\"x\"}]}")
                    .post("/api/v1/volumes/" + volume + "/journal")
                    .then().statusCode(400).body("status", equalTo(400)).body("error", containsString("fileId is required"));
        }

        @Test
        void nameWithSlash_400() {
            onVolume(volume).body("{\"records\":[{\"seq\":1,\"op\":\"UNLINK\",\"parentId\":1,\"name\":\"a/b\"}]}")
                    .post("/api/v1/volumes/" + volume + "/journal")
                    .then().statusCode(400).body("error", containsString("single path component"));
        }

        @Test
        void nonConsecutiveRecords_400() {
            onVolume(volume).body("{\"records\":[{\"seq\":1,\"op\":\"UNLINK\",\"parentId\":1,\"name\":\"a\"},"
                            + "{\"seq\":3,\"op\":\"UNLINK\",\"parentId\":1,\"name\":\"b\"}]}")
                    .post("/api/v1/volumes/" + volume + "/journal")
                    .then().statusCode(400).body("error", containsString("consecutive"));
        }

        @Test
        void unknownOp_400() {
            onVolume(volume).body("{\"records\":[{\"seq\":1,\"op\":\"EXPLODE\"}]}")
                    .post("/api/v1/volumes/" + volume + "/journal")
                    .then().statusCode(400).body("error", containsString("EXPLODE"));
        }

        @Test
        void malformedJson_400() {
            onVolume(volume).body("{\"records\":[").post("/api/v1/volumes/" + volume + "/journal")
                    .then().statusCode(400).body("error", containsString("malformed JSON"));
        }

        @Test
        void unknownVolume_404() throws Exception {
            onVolume(volume).body(body(JournalRecord.create(1, 60, ROOT, "a", file(0, 0), null)))
                    .post("/api/v1/volumes/no-such-volume/journal")
                    .then().statusCode(404).body("error", containsString("no-such-volume"));
        }

        @Test
        @DisplayName("a record that names something the catalogue lacks is counted as drift, not a failure")
        void driftingRecord_countedNotFatal() throws Exception {
            JournalAck ack = send(JournalRecord.unlink(1, 99L, ROOT, "never-created"),
                    JournalRecord.link(2, 98, ROOT, "link-to-nothing", null),
                    JournalRecord.create(3, 61, ROOT, "ok", file(0, 0), null));
            assertThat(ack.appliedSeq()).isEqualTo(3);
            assertThat(ack.drift()).isEqualTo(2);
            assertThat(tree().keySet()).containsExactly("ok");
        }

        @Test
        @DisplayName("a late access record of a file deleted meanwhile is not drift")
        void accessOfDeletedFile_noDrift() throws Exception {
            JournalAck ack = send(JournalRecord.create(1, 62, ROOT, "read-then-deleted", file(1, 1), null),
                    JournalRecord.unlink(2, 62L, ROOT, "read-then-deleted"),
                    JournalRecord.access(3, 62, T));
            assertThat(ack.drift()).isZero();
            assertThat(tree()).isEmpty();
        }
    }

    @Test
    @DisplayName("a reconciling walk adds what is missing, fixes what drifted and removes what is gone, and says so")
    void reconcile_fixesDriftAndReports() throws Exception {
        send(JournalRecord.create(1, 70, ROOT, "kept", file(10, 1), null),
                JournalRecord.create(2, 71, ROOT, "stale", file(10, 1), null),
                JournalRecord.create(3, 72, ROOT, "dir", dir(), null),
                JournalRecord.create(4, 73, 72, "gone", file(1, 1), null));
        List<JournalRecord> walk = new ArrayList<>();
        long seq = 5;
        walk.add(JournalRecord.reconcileBegin(seq++, 7));
        walk.add(JournalRecord.snapshot(seq++, 7, ROOT, null, null, dir(), null, null));
        walk.add(JournalRecord.snapshot(seq++, 7, 70, ROOT, "kept", file(10, 1), null, null));
        walk.add(JournalRecord.snapshot(seq++, 7, 71, ROOT, "stale", file(99, 2), null, null));
        walk.add(JournalRecord.snapshot(seq++, 7, 72, ROOT, "dir", dir(), null, null));
        walk.add(JournalRecord.snapshot(seq++, 7, 74, 72L, "new", file(3, 1), null, null));
        // the walk spans two batches, and an ordinary change arrives in between
        send(walk.subList(0, 3).toArray(JournalRecord[]::new));
        send(JournalRecord.create(8, 75, ROOT, "created-meanwhile", file(0, 0), null));
        List<JournalRecord> rest = new ArrayList<>();
        for (JournalRecord r : walk.subList(3, walk.size())) {
            rest.add(r.withSeq(r.seq() + 1));
        }
        rest.add(JournalRecord.reconcileEnd(rest.get(rest.size() - 1).seq() + 1, 7));
        JournalAck ack = send(rest.toArray(JournalRecord[]::new));

        assertThat(ack.reconciled()).isNotNull();
        assertThat(ack.reconciled().filesSeen()).isEqualTo(5);
        assertThat(ack.reconciled().filesAdded()).isEqualTo(1);
        assertThat(ack.reconciled().filesUpdated()).as("the root (first seen by the walk) and 'stale'").isEqualTo(2);
        assertThat(ack.reconciled().filesRemoved()).isEqualTo(1);
        assertThat(ack.reconciled().entriesAdded()).isEqualTo(1);
        assertThat(ack.reconciled().entriesRemoved()).isEqualTo(1);
        Map<String, CatalogueEntry> tree = tree();
        assertThat(tree.keySet()).containsExactlyInAnyOrder("kept", "stale", "dir", "dir/new", "created-meanwhile");
        assertThat(tree.get("stale").meta().size()).isEqualTo(99);
    }
}
