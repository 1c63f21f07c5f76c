package dev.zero.service.store.b2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.backblaze.b2.client.contentSources.B2ContentTypes;
import com.backblaze.b2.client.structures.B2StartLargeFileRequest;
import dev.zero.b2emulator.B2Emulator;
import dev.zero.b2emulator.Faults;
import dev.zero.b2emulator.TransactionClass;
import dev.zero.service.store.ObjectStore;
import dev.zero.service.store.ObjectStoreContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The object store contract on the b2 store, over real HTTP against the B2 emulator, and what
 * B2 adds: Backblaze's failure modes survived with nothing lost, large files never left
 * unfinished, calls counted by transaction class, keys kept out of every message.
 */
class B2ObjectStoreTest extends ObjectStoreContract {
    /** Parts of 1 MB, so a few MiB is a large file of several parts. */
    static final long PART = 1_000_000;

    @TempDir
    Path dir;

    B2Emulator emulator;
    SimpleMeterRegistry meters;
    B2ObjectStore store;
    TestB2Config config;

    @BeforeEach
    void start() throws IOException {
        emulator = B2Emulator.builder(Files.createDirectories(dir.resolve("bucket")))
                .absoluteMinimumPartSize(PART).recommendedPartSize(PART).seed(42).start();
        config = new TestB2Config(emulator.url(), emulator.accountId(), emulator.applicationKey(), emulator.bucketId(),
                Files.createDirectories(dir.resolve("spool")));
        meters = new SimpleMeterRegistry();
        store = B2ObjectStore.open(config, meters);
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected long largeObjectSize() {
        return 5 * PART + 123;
    }

    private double retries() {
        return meters.find("zero.b2.retries").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private byte[] roundTrip(String key, byte[] content) throws IOException {
        store.put(key, new ByteArrayInputStream(content), content.length);
        try (InputStream in = store.get(key, 0, content.length)) {
            return in.readAllBytes();
        }
    }

    @Test
    @DisplayName("a large file goes up in parts of the account's recommended size, and nothing is left unfinished")
    void largeFileInParts() throws IOException {
        byte[] content = random(5 * PART + 123, 1);
        assertThat(roundTrip("v/large", content)).isEqualTo(content);
        assertThat(emulator.calls("b2_start_large_file")).isEqualTo(1);
        // parts of the recommended size; the SDK folds a remainder under the minimum into the last one
        assertThat(emulator.calls("b2_upload_part")).isIn(5L, 6L);
        assertThat(emulator.calls("b2_finish_large_file")).isEqualTo(1);
        assertThat(emulator.unfinishedLargeFiles()).isZero();
    }

    @Test
    @DisplayName("uploads that fail with 503 and 500 are retried on a fresh upload URL: the object arrives whole, the retries are counted")
    void failedUploadsRetried() throws IOException {
        emulator.faults().failNext("b2_upload_file", 2, 503).failNext("b2_upload_part", 2, 500);
        byte[] small = random(10_000, 2);
        byte[] large = random(3 * PART, 3);
        assertThat(roundTrip("v/small", small)).isEqualTo(small);
        assertThat(roundTrip("v/large", large)).isEqualTo(large);
        assertThat(emulator.calls("b2_get_upload_url")).as("a fresh URL after each failure").isGreaterThanOrEqualTo(3);
        assertThat(retries()).isGreaterThanOrEqualTo(4);
        assertThat(emulator.unfinishedLargeFiles()).isZero();
    }

    @Test
    @DisplayName("Backblaze's own test modes (fail_some_uploads, expire_some_account_authorization_tokens) lose nothing")
    void backblazeTestModes() throws IOException {
        emulator.faults().testMode(Faults.FAIL_SOME_UPLOADS).testModeRate(0.3);
        for (int i = 0; i < 8; i++) {
            byte[] content = random(50_000 + i, 10 + i);
            assertThat(roundTrip("v/fail/" + i, content)).isEqualTo(content);
        }
        emulator.faults().testMode(Faults.EXPIRE_SOME_ACCOUNT_AUTHORIZATION_TOKENS);
        long authorizations = emulator.calls("b2_authorize_account");
        for (int i = 0; i < 8; i++) {
            byte[] content = random(20_000 + i, 30 + i);
            assertThat(roundTrip("v/expire/" + i, content)).isEqualTo(content);
        }
        assertThat(emulator.calls("b2_authorize_account")).as("re-authorised after expired tokens").isGreaterThan(authorizations);
        assertThat(retries()).isPositive();
    }

    @Test
    @DisplayName("429 with Retry-After and expired tokens: the call waits as told, re-authorises, and succeeds")
    void throttledAndExpired() throws IOException {
        emulator.faults().throttleNext("b2_upload_file", 1, 1);
        byte[] content = random(1000, 4);
        assertThat(roundTrip("v/throttled", content)).isEqualTo(content);
        long authorizations = emulator.calls("b2_authorize_account");
        emulator.faults().expireAllTokens();
        assertThat(roundTrip("v/after-expiry", content)).isEqualTo(content);
        assertThat(emulator.calls("b2_authorize_account")).isGreaterThan(authorizations);
    }

    @Test
    @DisplayName("a download whose connection is reset mid-body is fetched again: the bytes read are exact")
    void downloadResetMidBody() throws IOException {
        byte[] content = random(3 * PART, 5);
        store.put("v/cut", new ByteArrayInputStream(content), content.length);
        emulator.faults().cutDownloads(2, 100_000);
        try (InputStream in = store.get("v/cut", 0, content.length)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        try (InputStream in = store.get("v/cut", 12345, 1_000_000)) {
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(content, 12345, 1_012_345));
        }
    }

    @Test
    @DisplayName("an upload whose connection drops mid-request is sent again whole")
    void uploadResetMidRequest() throws IOException {
        emulator.faults().cutUploads(1, 4000);
        byte[] content = random(20_000, 6);
        assertThat(roundTrip("v/cut-up", content)).isEqualTo(content);
    }

    @Test
    @DisplayName("a large file whose parts keep failing is cancelled when the store gives up: nothing unfinished is left")
    void givingUpCancels() {
        emulator.faults().failRate("b2_upload_part", 1.0, 500);
        byte[] content = random(3 * PART, 7);
        assertThatThrownBy(() -> store.put("v/doomed", new ByteArrayInputStream(content), content.length))
                .isInstanceOf(IOException.class).hasMessageContaining("500");
        emulator.faults().clear();
        assertThat(emulator.unfinishedLargeFiles()).isZero();
    }

    @Test
    @DisplayName("large files a killed predecessor on this host left unfinished are cancelled at start; another host's recent one is left")
    void unfinishedFromBeforeCancelled() throws Exception {
        // what a process killed mid-upload leaves: a started large file, owned by this host
        var client = com.backblaze.b2.client.webApiHttpClient.B2StorageHttpClientBuilder.builder(
                com.backblaze.b2.client.B2ClientConfig.builder(emulator.accountId(), emulator.applicationKey(), "test")
                        .setMasterUrl(emulator.url()).build())
                .setHttpClientFactory(com.backblaze.b2.client.webApiHttpClient.HttpClientFactoryImpl.builder().setSupportInsecureHttp(true).build())
                .build();
        try (client) {
            String host = B2ObjectStore.hostName();
            client.startLargeFile(B2StartLargeFileRequest.builder(emulator.bucketId(), "zero-test/v/mine", B2ContentTypes.APPLICATION_OCTET)
                    .setCustomField(B2ObjectStore.OWNER_INFO, host).build());
            client.startLargeFile(B2StartLargeFileRequest.builder(emulator.bucketId(), "zero-test/v/theirs", B2ContentTypes.APPLICATION_OCTET)
                    .setCustomField(B2ObjectStore.OWNER_INFO, "another-host").build());
        }
        assertThat(emulator.unfinishedLargeFiles()).isEqualTo(2);
        long startedLarge = System.currentTimeMillis();
        await().until(() -> System.currentTimeMillis() > startedLarge); // the restart comes strictly later
        store.close();
        store = B2ObjectStore.open(config, meters); // the restarted service
        assertThat(store.cancelIncompleteUploads(Instant.now().minus(Duration.ofDays(1)))).isEqualTo(1);
        assertThat(emulator.unfinishedLargeFiles()).as("another host's may still be running").isEqualTo(1);
        assertThat(store.cancelIncompleteUploads(Instant.now().plusSeconds(1))).as("once older than the staged retention").isEqualTo(1);
        assertThat(emulator.unfinishedLargeFiles()).isZero();
    }

    @Test
    @DisplayName("calls are counted by Backblaze's transaction class, as the emulator (which bills like B2) saw them")
    void callsByClass() throws IOException {
        byte[] content = random(10_000, 8);
        roundTrip("v/counted", content);
        store.delete("v/counted");
        assertThat(store.callsOfClass("A")).isEqualTo(emulator.calls(TransactionClass.A)).isPositive();
        assertThat(store.callsOfClass("B")).isEqualTo(emulator.calls(TransactionClass.B)).isPositive();
        assertThat(store.callsOfClass("C")).isEqualTo(emulator.calls(TransactionClass.C)).isPositive();
        assertThat(meters.find("zero.b2.calls").tag("class", "A").counters()).isNotEmpty();
    }

    @Test
    @DisplayName("a wrong key: check fails with B2's refusal, never the key, and does not call B2 again for 30 s")
    void wrongKey() throws IOException {
        store.close();
        String wrong = "K0wrongwrongwrongwrongwrong";
        store = B2ObjectStore.open(config.withKey(wrong), meters);
        assertThatThrownBy(store::check).isInstanceOf(IOException.class).hasMessageContaining("401")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain(emulator.applicationKey()));
        long authorizations = emulator.calls("b2_authorize_account");
        assertThatThrownBy(store::check).isInstanceOf(IOException.class);
        assertThat(emulator.calls("b2_authorize_account")).as("a probe every few seconds is not a login loop").isEqualTo(authorizations);
    }

    @Test
    @DisplayName("SSE-B2 uploads carry Backblaze-managed encryption and read back the same")
    void serverSideEncryption() throws IOException {
        store.close();
        store = B2ObjectStore.open(config.withSse("SSE-B2"), meters);
        byte[] content = random(5000, 9);
        assertThat(roundTrip("v/sse", content)).isEqualTo(content);
        byte[] large = random(3 * PART, 10);
        assertThat(roundTrip("v/sse-large", large)).isEqualTo(large);
    }

    @Test
    @DisplayName("a plain-http URL is refused unless allowed, naming the setting")
    void insecureRefused() {
        assertThatThrownBy(() -> B2ObjectStore.open(config.strict(), meters))
                .hasMessageContaining("zero.store.b2.allow-insecure-http");
    }
}
