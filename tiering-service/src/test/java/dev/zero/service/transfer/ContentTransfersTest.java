package dev.zero.service.transfer;

import static dev.zero.service.Api.as;
import static dev.zero.service.Api.onVolume;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.JournalBatch;
import dev.zero.api.JournalRecord;
import dev.zero.api.VolumeView;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ContentTransfersTest {
    private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
    private static final byte[] CONTENT = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
    private static final Path STORE = Path.of("target/test-objects");

    @Inject
    ObjectMapper json;

    String volume;
    long seq;

    @BeforeEach
    void volumeWithFile() throws Exception {
        volume = Api.newVolume(Api.unique("host"));
        seq = 0;
        journal(JournalRecord.create(++seq, 100, VolumeView.ROOT_FILE_ID, "f.bin", meta(0, 0), null),
                JournalRecord.content(++seq, 100, meta(CONTENT.length, 1)),
                JournalRecord.create(++seq, 101, VolumeView.ROOT_FILE_ID, "dir", new FileMeta(FileType.DIRECTORY, 0, 0755, 0, 0, 2, T, T, T, 0), null));
    }

    static FileMeta meta(long size, long version) {
        return new FileMeta(FileType.FILE, size, 0644, 0, 0, 1, T, T, T, version);
    }

    void journal(JournalRecord... records) throws Exception {
        onVolume(volume).body(json.writeValueAsString(new JournalBatch(List.of(records)))).post("/api/v1/volumes/" + volume + "/journal")
                .then().statusCode(200);
    }

    RequestSpecification octets(byte[] body) {
        return onVolume(volume).contentType("application/octet-stream").body(body);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    String content() {
        return "/api/v1/volumes/" + volume + "/files/100/content";
    }

    long storedObjects() throws Exception {
        if (!Files.exists(STORE)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(STORE)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    /** Uploads CONTENT as version 1 and returns the nonce of the staged object. */
    String stage(byte[] body, long version) throws Exception {
        return octets(body).header("X-Zero-Sha256", sha256(body)).queryParam("version", version).put(content())
                .then().statusCode(200).extract().path("nonce");
    }

    void confirm(String nonce, long version, String sha256, int status) {
        onVolume(volume).body("{\"contentVersion\": " + version + ", \"sha256\": \"" + sha256 + "\"}")
                .post(content() + "/" + nonce + "/confirm").then().statusCode(status);
    }

    @Test
    @DisplayName("an upload is stored with chunk hashes, confirmed, and served back whole and by range")
    void uploadConfirmDownload() throws Exception {
        String nonce = octets(CONTENT).header("X-Zero-Sha256", sha256(CONTENT)).queryParam("version", 1).put(content())
                .then().statusCode(200).body("size", equalTo(CONTENT.length)).body("sha256", equalTo(sha256(CONTENT)))
                .body("contentVersion", equalTo(1)).body("chunkSize", equalTo(4 << 20)).extract().path("nonce");
        assertThat(nonce).matches("[0-9a-f]{16}");
        // staged only: not yet the file's content
        Api.admin().get("/api/v1/admin/volumes/" + volume + "/tree").then().body("find { it.path == 'f.bin' }.state", equalTo("LOCAL"));
        onVolume(volume).get(content()).then().statusCode(404);
        confirm(nonce, 1, sha256(CONTENT), 200);
        Api.admin().get("/api/v1/admin/volumes/" + volume + "/tree").then().body("find { it.path == 'f.bin' }.state", equalTo("SYNCED"));

        byte[] whole = onVolume(volume).get(content()).then().statusCode(200).header("Accept-Ranges", "bytes")
                .header("X-Zero-Sha256", sha256(CONTENT)).extract().asByteArray();
        assertThat(whole).isEqualTo(CONTENT);
        byte[] byNonce = onVolume(volume).queryParam("version", 1).queryParam("nonce", nonce).get(content()).then().statusCode(200)
                .extract().asByteArray();
        assertThat(byNonce).isEqualTo(CONTENT);

        byte[] middle = onVolume(volume).header("Range", "bytes=10-19").get(content()).then().statusCode(206)
                .header("Content-Range", "bytes 10-19/36").extract().asByteArray();
        assertThat(new String(middle, StandardCharsets.US_ASCII)).isEqualTo("abcdefghij");

        byte[] tail = onVolume(volume).header("Range", "bytes=-4").get(content()).then().statusCode(206).extract().asByteArray();
        assertThat(new String(tail, StandardCharsets.US_ASCII)).isEqualTo("wxyz");

        byte[] open = onVolume(volume).header("Range", "bytes=30-").get(content()).then().statusCode(206).extract().asByteArray();
        assertThat(new String(open, StandardCharsets.US_ASCII)).isEqualTo("uvwxyz");

        onVolume(volume).header("Range", "bytes=36-40").get(content()).then().statusCode(416).header("Content-Range", "bytes */36");
    }

    @Test
    @DisplayName("the manifest holds one SHA-256 per chunk of the content")
    void manifestHasChunkHashes() throws Exception {
        String nonce = stage(CONTENT, 1);
        confirm(nonce, 1, sha256(CONTENT), 200);
        var manifest = onVolume(volume).queryParam("version", 1).queryParam("nonce", nonce).get("/api/v1/volumes/" + volume + "/files/100/manifest")
                .then().statusCode(200).body("size", equalTo(CONTENT.length)).body("sha256", equalTo(sha256(CONTENT)))
                .extract().as(dev.zero.api.ObjectManifest.class);
        assertThat(manifest.chunks()).isEqualTo(1);
        assertThat(HexFormat.of().formatHex(manifest.chunkHashes())).isEqualTo(sha256(CONTENT));
        // and the store keeps the manifest beside the object, for a catalogue rebuild
        assertThat(Files.exists(STORE.resolve(manifest.key() + ".manifest"))).isTrue();
    }

    String state() {
        return Api.admin().get("/api/v1/admin/volumes/" + volume + "/tree").then().extract().path("find { it.path == 'f.bin' }.state");
    }

    @Test
    @DisplayName("TIER records move the catalogue's state for their version only; new content (CONTENT or SETATTR) makes it LOCAL")
    void tierRecordsAndNewContent() throws Exception {
        String nonce = stage(CONTENT, 1);
        confirm(nonce, 1, sha256(CONTENT), 200);
        journal(JournalRecord.tier(++seq, 100, new dev.zero.api.TierInfo(dev.zero.api.TierState.EVICTED, 1, 1L, nonce)));
        assertThat(state()).isEqualTo("EVICTED");
        journal(JournalRecord.tier(++seq, 100, new dev.zero.api.TierInfo(dev.zero.api.TierState.SYNCED, 0, 0L, nonce)));
        assertThat(state()).as("a report about older content changes nothing").isEqualTo("EVICTED");
        journal(JournalRecord.setattr(++seq, 100, meta(0, 2)));
        assertThat(state()).as("truncated (a SETATTR with a new version)").isEqualTo("LOCAL");
        String second = stage(new byte[0], 2);
        confirm(second, 2, sha256(new byte[0]), 200);
        assertThat(state()).isEqualTo("SYNCED");
        journal(JournalRecord.content(++seq, 100, meta(5, 3)));
        assertThat(state()).as("written (a CONTENT with a new version)").isEqualTo("LOCAL");
    }

    @Test
    void sha256Mismatch_400AndNothingStored() throws Exception {
        long before = storedObjects();
        octets(CONTENT).header("X-Zero-Sha256", sha256("other".getBytes())).queryParam("version", 1).put(content())
                .then().statusCode(400).body("error", containsString("SHA-256 mismatch"));
        assertThat(storedObjects()).isEqualTo(before);
        onVolume(volume).get(content()).then().statusCode(404).body("error", containsString("no content in the object store"));
    }

    @Test
    @DisplayName("a confirmation whose SHA-256 differs from what was stored is refused with 409 and the object removed")
    void confirmMismatch_409AndRemoved() throws Exception {
        long before = storedObjects();
        String nonce = stage(CONTENT, 1);
        confirm(nonce, 1, sha256("something else".getBytes()), 409);
        assertThat(storedObjects()).isEqualTo(before);
        onVolume(volume).get(content()).then().statusCode(404);
    }

    @Test
    @DisplayName("an upload of a version the file has moved past is refused with 409, before or at confirmation")
    void staleVersion_409AndNotCurrent() throws Exception {
        long before = storedObjects();
        String nonce = stage(CONTENT, 1);
        journal(JournalRecord.content(++seq, 100, meta(CONTENT.length, 2)));
        confirm(nonce, 1, sha256(CONTENT), 409);
        octets(CONTENT).queryParam("version", 1).put(content())
                .then().statusCode(409).body("error", containsString("no longer the current content"));
        assertThat(storedObjects()).isEqualTo(before);
        onVolume(volume).get(content()).then().statusCode(404);
    }

    @Test
    @DisplayName("a confirmation ahead of the journal takes the version and size the object proves")
    void confirmAheadOfJournal() throws Exception {
        byte[] v2 = "version two content".getBytes(StandardCharsets.US_ASCII);
        String nonce = stage(v2, 2);
        confirm(nonce, 2, sha256(v2), 200);
        Api.admin().get("/api/v1/admin/volumes/" + volume + "/tree").then()
                .body("find { it.path == 'f.bin' }.state", equalTo("SYNCED"))
                .body("find { it.path == 'f.bin' }.meta.contentVersion", equalTo(2))
                .body("find { it.path == 'f.bin' }.meta.size", equalTo(v2.length));
    }

    @Test
    @DisplayName("an upload announcing more than the size limit is refused with 413 before its body is stored")
    void tooLarge_413() throws Exception {
        long before = storedObjects();
        java.net.URI uri = java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            String request = "PUT " + content() + "?version=1 HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + Api.tokenOf(Api.hostOf(volume)) + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + (700L << 20) + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(new byte[1 << 16]);
            socket.getOutputStream().flush();
            socket.setSoTimeout(30_000);
            StringBuilder answer = new StringBuilder();
            var in = socket.getInputStream();
            byte[] chunk = new byte[512];
            while (!answer.toString().contains("}")) {
                int n = in.read(chunk);
                if (n < 0) {
                    break;
                }
                answer.append(new String(chunk, 0, n, StandardCharsets.US_ASCII));
            }
            assertThat(answer.toString()).startsWith("HTTP/1.1 413").contains("exceeds the limit");
        }
        assertThat(storedObjects()).isEqualTo(before);
    }

    @Test
    void missingVersion_400() {
        octets(CONTENT).put(content()).then().statusCode(400).body("error", containsString("version"));
    }

    @Test
    void badShaHeader_400() {
        octets(CONTENT).header("X-Zero-Sha256", "xyz").queryParam("version", 1).put(content())
                .then().statusCode(400).body("error", containsString("64 hex digits"));
    }

    @Test
    void directoryHasNoContent_409() {
        octets(CONTENT).queryParam("version", 0).put("/api/v1/volumes/" + volume + "/files/101/content")
                .then().statusCode(409).body("error", containsString("DIRECTORY"));
    }

    @Test
    void unknownFile_404() {
        octets(CONTENT).queryParam("version", 1).put("/api/v1/volumes/" + volume + "/files/999/content").then().statusCode(404);
        onVolume(volume).get("/api/v1/volumes/" + volume + "/files/999/content").then().statusCode(404);
    }

    @Test
    void unauthenticatedUpload_401AndNothingStored() throws Exception {
        long before = storedObjects();
        given().contentType("application/octet-stream").body(CONTENT).queryParam("version", 1).put(content())
                .then().statusCode(401);
        assertThat(storedObjects()).isEqualTo(before);
        onVolume(volume).get(content()).then().statusCode(404);
    }
}
