package dev.zero.b2emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zero.b2emulator.Raw.Reply;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultsTest {

    @TempDir
    Path dir;
    B2Emulator emu;
    Raw raw;

    @BeforeEach
    void start() {
        emu = B2Emulator.builder(dir).bucketName("faults-bucket").seed(7).start();
        raw = new Raw(emu).authorized();
    }

    @AfterEach
    void stop() {
        emu.close();
    }

    @Test
    void failNextFailsThatManyCallsThenRecovers() {
        emu.faults().failNext("b2_list_file_names", 2, 500);
        assertThat(listStatus()).isEqualTo(500);
        Reply second = raw.call("b2_list_file_names", "bucketId", emu.bucketId());
        assertThat(second.code()).isEqualTo("internal_error");
        assertThat(second.json().get("status").asInt()).isEqualTo(500);
        assertThat(listStatus()).isEqualTo(200);
        assertThat(emu.calls("b2_list_file_names")).isEqualTo(3);
    }

    @Test
    void anUploadUrlThatFailedIsDead() {
        String[] url = raw.uploadUrl();
        emu.faults().failNext("b2_upload_file", 1, 503);
        Reply failed = raw.uploadTo(url, "a.txt", Raw.bytes("a"), Raw.sha1(Raw.bytes("a")));
        assertThat(failed.status()).isEqualTo(503);
        assertThat(failed.code()).isEqualTo("service_unavailable");
        Reply again = raw.uploadTo(url, "a.txt", Raw.bytes("a"), Raw.sha1(Raw.bytes("a")));
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.code()).isEqualTo("expired_auth_token");
        assertThat(raw.upload("a.txt", Raw.bytes("a")).status()).isEqualTo(200); // with a new URL

        emu.faults().failNext("b2_upload_file", 1, 408);
        assertThat(raw.upload("b.txt", Raw.bytes("b")).code()).isEqualTo("request_timeout");
    }

    @Test
    void throttlingSaysWhenToComeBack() {
        emu.faults().throttleNext(Faults.ALL, 1, 3);
        Reply throttled = raw.call("b2_list_buckets", "accountId", emu.accountId());
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.code()).isEqualTo("too_many_requests");
        assertThat(throttled.header("Retry-After")).isEqualTo("3");
        assertThat(raw.call("b2_list_buckets", "accountId", emu.accountId()).status()).isEqualTo(200);
    }

    @Test
    void failureRatesAreReproducibleWithASeed() {
        String first = pattern();
        emu.faults().clear().seed(7);
        assertThat(pattern()).isEqualTo(first).contains("500").contains("200");

        emu.faults().clear().failRate(TransactionClass.C, 1.0, 503);
        assertThat(listStatus()).isEqualTo(503);
        raw.upload("class-a-is-fine.txt", Raw.bytes("x"));
        emu.faults().failRate(TransactionClass.C, 0, 503);
        assertThat(listStatus()).isEqualTo(200);
    }

    private String pattern() {
        emu.faults().failRate("b2_list_file_names", 0.5, 500);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            out.append(listStatus()).append(' ');
        }
        return out.toString();
    }

    @Test
    void slowCalls() {
        emu.faults().delay("b2_list_file_names", Duration.ofMillis(300));
        long t0 = System.nanoTime();
        assertThat(listStatus()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        emu.faults().delay("b2_list_file_names", Duration.ZERO);
    }

    @Test
    void downloadsCanBeCutMidBody() {
        byte[] content = new byte[200_000];
        raw.upload("cut.bin", content);
        emu.faults().cutDownloads(1, 1000);
        assertThatThrownBy(() -> raw.download("cut.bin")).isInstanceOf(UncheckedIOException.class);
        assertThat(raw.download("cut.bin").body()).hasSize(200_000);
    }

    @Test
    void uploadsCanBeCutMidRequest() {
        emu.faults().cutUploads(1, 10);
        assertThatThrownBy(() -> raw.upload("cut.txt", new byte[100_000])).isInstanceOf(UncheckedIOException.class);
        assertThat(raw.call("b2_list_file_names", "bucketId", emu.bucketId()).json().get("files")).isEmpty();
        assertThat(raw.upload("cut.txt", new byte[100_000]).status()).isEqualTo(200);
    }

    @Test
    void tokensCanBeExpiredNowOrAfterAWhile() throws Exception {
        emu.faults().expireAllTokens();
        assertThat(raw.call("b2_list_buckets", "accountId", emu.accountId()).code()).isEqualTo("expired_auth_token");
        raw.authorized();
        assertThat(listStatus()).isEqualTo(200);

        emu.faults().expireTokensAfter(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> "expired_auth_token".equals(raw.call("b2_list_buckets", "accountId", emu.accountId()).code()));
        emu.faults().expireTokensAfter(null);
        assertThat(listStatus()).isEqualTo(200);
    }

    @Test
    void testModeFailSomeUploads() {
        emu.faults().testModeRate(1.0);
        String[] url = raw.uploadUrl();
        Reply failed = raw.uploadTo(url, "t.txt", Raw.bytes("t"), Raw.sha1(Raw.bytes("t")), "X-Bz-Test-Mode", "fail_some_uploads");
        assertThat(failed.status()).isEqualTo(503);
        assertThat(failed.code()).isEqualTo("service_unavailable");
        emu.faults().testModeRate(0.0);
        assertThat(raw.upload("t.txt", Raw.bytes("t"), "X-Bz-Test-Mode", "fail_some_uploads").status()).isEqualTo(200);
        // other calls are not concerned
        emu.faults().testModeRate(1.0);
        assertThat(raw.callWith(2, "b2_list_file_names", raw.token, Map.of("X-Bz-Test-Mode", "fail_some_uploads"),
                "bucketId", emu.bucketId()).status()).isEqualTo(200);
    }

    @Test
    void testModeExpireSomeAccountAuthorizationTokens() {
        emu.faults().testModeRate(1.0);
        Reply expired = raw.callWith(2, "b2_list_file_names", raw.token,
                Map.of("X-Bz-Test-Mode", "expire_some_account_authorization_tokens"), "bucketId", emu.bucketId());
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.code()).isEqualTo("expired_auth_token");
        assertThat(listStatus()).isEqualTo(401); // that token is expired for good
        raw.authorized();
        assertThat(listStatus()).isEqualTo(200);

        // asked for on authorize, it applies to the token's later calls
        emu.faults().testMode(Faults.EXPIRE_SOME_ACCOUNT_AUTHORIZATION_TOKENS);
        raw.authorized();
        emu.faults().testMode(null);
        assertThat(raw.call("b2_list_file_names", "bucketId", emu.bucketId()).code()).isEqualTo("expired_auth_token");
    }

    @Test
    void testModeForceCapExceeded() {
        raw.upload("d.txt", Raw.bytes("d"));
        Reply upload = raw.upload("c.txt", Raw.bytes("c"), "X-Bz-Test-Mode", "force_cap_exceeded");
        assertThat(upload.status()).isEqualTo(403);
        assertThat(upload.code()).isEqualTo("cap_exceeded");
        Reply download = raw.download("d.txt", "X-Bz-Test-Mode", "force_cap_exceeded");
        assertThat(download.status()).isEqualTo(403);
        assertThat(download.code()).isEqualTo("download_cap_exceeded");
        emu.faults().testMode(Faults.FORCE_CAP_EXCEEDED);
        assertThat(raw.upload("e.txt", Raw.bytes("e")).status()).isEqualTo(403);
        emu.faults().clear();
        assertThat(raw.upload("e.txt", Raw.bytes("e")).status()).isEqualTo(200);
    }

    private int listStatus() {
        return raw.call("b2_list_file_names", "bucketId", emu.bucketId()).status();
    }
}
