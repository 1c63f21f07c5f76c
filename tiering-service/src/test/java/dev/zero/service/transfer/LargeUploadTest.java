package dev.zero.service.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.JournalBatch;
import dev.zero.api.JournalRecord;
import dev.zero.api.VolumeView;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Streams an upload larger than the whole heap of the JVM running the service (the build
 * gives the test JVM -Xmx256m) and reads it back: it can only pass if neither direction
 * holds the content in memory.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class LargeUploadTest {
    private static final long SIZE = 512L << 20;
    private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");

    @Inject
    ObjectMapper json;

    @TestHTTPResource("/")
    URI base;

    @Test
    @DisplayName("512 MiB through a 256 MiB heap, SHA-256 verified both ways")
    void largerThanHeap_streamsBothWays() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("test JVM heap").isLessThan(SIZE);
        String host = Api.unique("big");
        String volume = Api.newVolume(host);
        FileMeta meta = new FileMeta(FileType.FILE, SIZE, 0644, 0, 0, 1, T, T, T, 1);
        Api.onVolume(volume).body(json.writeValueAsString(new JournalBatch(List.of(
                JournalRecord.create(1, 500, VolumeView.ROOT_FILE_ID, "big.bin", meta, null)))))
                .post("/api/v1/volumes/" + volume + "/journal").then().statusCode(200);

        String expected = HexFormat.of().formatHex(digest(new PseudoRandomStream(SIZE, 42)));
        URI content = base.resolve("api/v1/volumes/" + volume + "/files/500/content");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(content + "?version=1"))
                .header("Authorization", "Bearer " + Api.tokenOf(host))
                .header("Content-Type", "application/octet-stream")
                .header("X-Zero-Sha256", expected)
                .PUT(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new PseudoRandomStream(SIZE, 42)), SIZE))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).contains(expected);
        var stored = json.readValue(put.body(), dev.zero.api.StoredObject.class);
        Api.onVolume(volume).body("{\"contentVersion\": 1, \"sha256\": \"" + expected + "\"}")
                .post("/api/v1/volumes/" + volume + "/files/500/content/" + stored.nonce() + "/confirm").then().statusCode(200);
        var manifest = Api.onVolume(volume).queryParam("version", 1).queryParam("nonce", stored.nonce())
                .get("/api/v1/volumes/" + volume + "/files/500/manifest").then().statusCode(200).extract().as(dev.zero.api.ObjectManifest.class);
        assertThat(manifest.chunks()).as("4 MiB chunks of 512 MiB").isEqualTo(128);
        PseudoRandomStream second = new PseudoRandomStream(SIZE, 42);
        second.skipNBytes(5L << 22);
        assertThat(HexFormat.of().formatHex(java.util.Arrays.copyOfRange(manifest.chunkHashes(), 5 * 32, 6 * 32)))
                .as("the hash of chunk 5").isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(second.readNBytes(4 << 20))));

        HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(content)
                .header("Authorization", "Bearer " + Api.tokenOf(host)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(HexFormat.of().formatHex(digest(get.body()))).isEqualTo(expected);

        HttpResponse<byte[]> lastMiB = http.send(HttpRequest.newBuilder(content)
                .header("Authorization", "Bearer " + Api.tokenOf(host)).header("Range", "bytes=" + (SIZE - (1 << 20)) + "-")
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(lastMiB.statusCode()).isEqualTo(206);
        PseudoRandomStream reference = new PseudoRandomStream(SIZE, 42);
        reference.skipNBytes(SIZE - (1 << 20));
        assertThat(lastMiB.body()).isEqualTo(reference.readAllBytes());
    }

    private static byte[] digest(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return sha.digest();
    }

    /** Reproducible bytes, so the test never holds the content either. */
    static final class PseudoRandomStream extends InputStream {
        private final long size;
        private final long seed;
        private long position;

        PseudoRandomStream(long size, long seed) {
            this.size = size;
            this.seed = seed;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - position);
            for (int i = 0; i < n; i++) {
                long p = position + i;
                b[off + i] = (byte) (mix(seed + (p >>> 3) * 0x9E3779B97F4A7C15L) >>> ((p & 7) * 8));
            }
            position += n;
            return n;
        }

        /** SplitMix64's finalizer: one well-mixed 64-bit word per 8-byte position. */
        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        @Override
        public long skip(long n) {
            long skipped = Math.min(n, size - position);
            position += skipped;
            return skipped;
        }
    }
}
