package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zero.b2emulator.B2Emulator;
import dev.zero.b2emulator.Faults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The tiering system test again, with `./zero up` on the b2 store pointed at the B2 emulator
 * over real HTTP, its keys in the seed's config.yml, and Backblaze's failure modes switched on
 * throughout: some uploads fail (X-Bz-Test-Mode fail_some_uploads), tokens expire every 20 s,
 * downloads are cut mid-body, calls are throttled with Retry-After. Every file still reads back
 * identical; the retries show in the service's metrics; a service killed in the middle of a
 * large upload leaves no unfinished large file once it is back, and the file gets synced.
 */
@DisplayName("tiering on the b2 store (B2 emulator, faults on)")
class TieringOnB2Test extends TieringTest {
    private B2Emulator emulator;

    @Override
    protected void configure(ZeroStack stack) throws Exception {
        emulator = B2Emulator.builder(Files.createDirectories(base.resolve("b2")))
                .absoluteMinimumPartSize(5_000_000).recommendedPartSize(5_000_000).seed(7).start();
        Path config = base.resolve("config.yml");
        Files.writeString(config, "accountId: " + emulator.accountId() + "\napplicationKey: " + emulator.applicationKey()
                + "\nbucketId: " + emulator.bucketId() + "\n");
        stack.env.put("ZERO_CONFIG", config.toString());
        stack.env.put("ZERO_STORE_B2_URL", emulator.url());
        stack.env.put("ZERO_STORE_B2_ALLOW_INSECURE_HTTP", "true");
        stack.env.put("ZERO_STORE_B2_LARGE_FILE_CUTOFF", "8M");
        stack.env.put("ZERO_STORE_B2_MAX_BACKOFF", "2s");
        stack.env.put("ZERO_STORE_B2_MAX_ATTEMPTS", "10");
        emulator.faults().testMode(Faults.FAIL_SOME_UPLOADS).testModeRate(0.15)
                .expireTokensAfter(Duration.ofSeconds(20))
                .cutDownloads(3, 200_000)
                .throttleNext("b2_get_upload_url", 2, 1);
    }

    @Override
    protected Path objectFile(String key) throws Exception {
        return emulator.dataOf(key);
    }

    @Override
    protected long sparseBytes() {
        return 256L << 20;
    }

    @Override
    protected long denseBytes() {
        return 64L << 20;
    }

    @AfterAll
    void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    @Order(100)
    @DisplayName("the store is b2, the faults were met and retried (metrics), and status tells calls and cost")
    void retriesVisible() throws Exception {
        assertThat(Shell.run(zero.home, "curl -fsS http://127.0.0.1:" + zero.port + "/q/health/ready")).contains("\"kind\": \"b2\"");
        String metrics = Shell.run(zero.home, "curl -fsS http://127.0.0.1:" + zero.port + "/q/metrics");
        assertThat(metrics).containsPattern("zero_b2_retries_total\\{[^}]*\\} [1-9]");
        assertThat(metrics).containsPattern("zero_b2_calls_total\\{[^}]*class=\"B\"[^}]*\\} [1-9]");
        assertThat(emulator.calls("b2_authorize_account")).as("tokens expired and were renewed").isGreaterThan(1);
        ZeroStack.Result status = zero.zero("status");
        assertThat(status.output()).contains("in the b2 store").contains("class A").contains("a month at B2's prices");
        assertThat(status.output()).doesNotContain(emulator.applicationKey());
        assertThat(Files.readString(zero.home.resolve("logs/service.log"))).doesNotContain(emulator.applicationKey());
    }

    @Test
    @Order(101)
    @DisplayName("a service killed in the middle of a 320 MiB large upload (5 MB parts): after ./zero up no unfinished large file is left and the file is synced")
    void killedMidLargeUpload() throws Exception {
        emulator.faults().clear();
        emulator.faults().delay("b2_upload_part", Duration.ofSeconds(2));
        Shell.run(zero.mountpoint, "mkdir -p t9 && head -c " + (320L << 20) + " /dev/urandom > t9/large && sha256sum < t9/large > ../t9.sha");
        Thread upload = Thread.ofVirtual().start(() -> {
            try {
                zero.zero("upload", zero.mountpoint.resolve("t9").toString());
            } catch (Exception ignored) {
                // the service dies under it
            }
        });
        await().atMost(Duration.ofMinutes(2)).until(() -> emulator.unfinishedLargeFiles() > 0);
        Shell.run(zero.home, "kill -9 $(cat run/service.pid)");
        upload.join(Duration.ofMinutes(1));
        emulator.faults().clear();
        zero.up();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .until(() -> emulator.unfinishedLargeFiles() == 0);
        ZeroStack.Result again = zero.zero("upload", zero.mountpoint.resolve("t9").toString());
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(zero.where("t9/large").path("catalogue").path("state").asText()).isEqualTo("SYNCED");
        assertThat(emulator.unfinishedLargeFiles()).isZero();
        ZeroStack.Result evict = zero.zero("evict", zero.mountpoint.resolve("t9").toString());
        assertThat(evict.exit()).as(evict.output()).isZero();
        assertThat(Shell.run(zero.mountpoint, "sha256sum < t9/large")).isEqualTo(Files.readString(zero.mountpoint.resolveSibling("t9.sha")));
    }

    @Test
    @Order(102)
    @DisplayName("a wrong B2 key: ./zero up stops with B2's refusal in one line, never the key, and leaves nothing running")
    void wrongKeyStopsUp() throws Exception {
        Path other = Files.createDirectories(base.resolve("wrong-key"));
        String wrong = "K005wrongwrongwrongwrongwrong";
        Path config = other.resolve("config.yml");
        Files.writeString(config, "accountId: " + emulator.accountId() + "\napplicationKey: " + wrong + "\nbucketId: " + emulator.bucketId() + "\n");
        try (ZeroStack bad = new ZeroStack(other, "wrongkey")) {
            bad.env.putAll(zero.env);
            bad.env.put("ZERO_CONFIG", config.toString());
            ZeroStack.Result up = bad.zero("up", "--service-only");
            assertThat(up.exit()).as(up.output()).isNotZero();
            assertThat(up.output()).contains("object store is not usable").contains("401").doesNotContain(wrong);
            assertThat(Files.readString(bad.home.resolve("logs/service.log"))).doesNotContain(wrong);
            assertThat(Shell.run(bad.home, "test -f run/service.pid && kill -0 $(cat run/service.pid) 2>/dev/null && echo alive || echo gone"))
                    .contains("gone");
        }
    }

    @Test
    @Order(103)
    @DisplayName("every query of the Grafana dashboard names a metric the service or the agent really exports")
    void dashboardMetricsExist() throws Exception {
        // counters exist once counted (the service restarted above): a planner decision (a quiet file
        // uploaded after a 1 s delay) whose upload B2 refuses once, so a retry is counted too
        emulator.faults().failNext("b2_upload_file", 1, 503);
        assertThat(zero.zero("policy", "set", "uploadDelay=1s").exit()).isZero();
        Shell.run(zero.mountpoint, "mkdir -p t10 && echo planned > t10/f");
        String service = "curl -fsS http://127.0.0.1:" + zero.port + "/q/metrics";
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Shell.run(zero.home, service).contains("zero_planner_decisions_total")
                        && Shell.run(zero.home, service).contains("zero_b2_retries_total"));
        String exported = Shell.run(zero.home, service) + zero.agentMetrics();
        var dashboard = ZeroStack.JSON.readTree(ZeroStack.REPO.resolve("deploy/grafana/zero-dashboard.json").toFile());
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (var panel : dashboard.path("panels")) {
            for (var target : panel.path("targets")) {
                var m = java.util.regex.Pattern.compile("\\b(zero_[a-z0-9_]+)").matcher(target.path("expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(names).hasSizeGreaterThan(15);
        for (String name : names) {
            assertThat(exported).as("metric " + name + " of the dashboard").containsPattern("(?m)^" + name + "[{ ]");
        }
    }
}
