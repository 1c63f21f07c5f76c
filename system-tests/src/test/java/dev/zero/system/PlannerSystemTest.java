package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The planner on `./zero up` with {@code targetDiskUsage: 64MiB} in config.yml and no command:
 * about three times the target is written through the mount, and the disk comes back under the
 * target by itself; every file reads back byte-identical; rules, undelete and the hard limit
 * behave as the operator set them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlannerSystemTest implements OnTransport {
    private static final long MIB = 1 << 20;
    private static final long TARGET = 64 * MIB;

    private Path base;
    private Path ref;
    private ZeroStack zero;
    private final List<String> written = new ArrayList<>();

    @BeforeAll
    void up() throws Exception {
        String missing = Machine.missing();
        assumeTrue(missing == null, missing);
        base = Files.createTempDirectory("zero-planner-");
        ref = Files.createDirectories(base.resolve("ref"));
        zero = new ZeroStack(base, "planner");
        Path config = Files.writeString(base.resolve("config.yml"), "targetDiskUsage: 64MiB\n");
        zero.env.put("ZERO_CONFIG", config.toString());
        zero.env.put("ZERO_PLANNER_INTERVAL", "1s");
        zero.env.put("ZERO_AGENT_TIERING_ROOM_WAIT", "20s");
        zero.env.put("ZERO_AGENT_JOURNAL_HEARTBEAT_INTERVAL", "2s");
        transport().select(zero);
        ZeroStack.Result up = zero.up();
        assertThat(up.output()).contains("target disk usage 64.0 MiB (from config.yml)");
        assertThat(zero.transport()).as("the transport serving the mount").isEqualTo(transport().servedBy);
    }

    @AfterAll
    void down() throws Exception {
        if (zero != null) {
            zero.close();
            Shell.run(Path.of("/"), "rm -rf " + base);
        }
    }

    private String sh(String script) throws Exception {
        return Shell.run(zero.mountpoint, script).trim();
    }

    private ZeroStack.Result zeroOk(String... args) throws Exception {
        ZeroStack.Result r = zero.zero(args);
        assertThat(r.exit()).as("./zero " + String.join(" ", args) + ":\n" + r.output()).isZero();
        return r;
    }

    private String path(String rel) {
        return zero.mountpoint.resolve(rel).toString();
    }

    private long onDisk() throws Exception {
        return zero.agentStatus().path("cache").path("allocatedBytes").asLong();
    }

    private String hostState(String rel) throws Exception {
        return zero.where(rel).path("host").path("tier").path("state").asText();
    }

    /** Writes {@code count} files of {@code size} bytes under {@code dir}, keeping a copy outside the mount to compare with. */
    private void write(String dir, int count, long size) throws Exception {
        sh("mkdir -p " + dir);
        Files.createDirectories(ref.resolve(dir));
        for (int i = 0; i < count; i++) {
            String rel = dir + "/f" + i + ".bin";
            Shell.run(ref, "head -c " + size + " /dev/urandom > " + rel);
            sh("cp " + ref.resolve(rel) + " " + rel);
            written.add(rel);
        }
    }

    @Test
    @Order(1)
    @DisplayName("three times the target written, the disk converges under the target by itself; evicted files keep size and times")
    void convergesUnderTheTarget() throws Exception {
        zeroOk("policy", "set", "uploadDelay=1s", "minResidency=0");
        ZeroStack.Result show = zeroOk("policy", "show");
        assertThat(show.output()).contains("targetDiskUsage  64MiB").contains("uploadDelay      1s");
        zeroOk("policy", "rule", "add", "scratch/**", "never-upload");
        write("keep", 2, 2 * MIB);
        zeroOk("pin", path("keep"));
        write("scratch", 1, MIB);

        write("big", 2, 32 * MIB);
        write("mid", 8, 8 * MIB);
        write("small", 48, MIB);
        write("tiny", 64, 4096);
        String times = sh("find big mid small tiny -type f | sort | xargs stat -c '%n %s %y'");
        assertThat(zero.agentStatus().path("cache").path("logicalBytes").asLong()).as("bytes in the volume").isGreaterThan(5 * TARGET / 2);

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(onDisk()).isLessThanOrEqualTo(TARGET));
        ZeroStack.Result status = zeroOk("status");
        assertThat(status.output()).contains("of a 64.0 MiB target").contains("EVICTED").contains("planner:");
        JsonNode json = zero.agentStatus();
        assertThat(json.path("cache").path("evictions").asLong()).isPositive();
        assertThat(sh("find big mid small tiny -type f | sort | xargs stat -c '%n %s %y'")).as("sizes and mtimes").isEqualTo(times);

        assertThat(hostState("keep/f0.bin")).as("a pinned file").isNotEqualTo("EVICTED");
        assertThat(hostState("keep/f1.bin")).isNotEqualTo("EVICTED");
        JsonNode scratch = zero.where("scratch/f0.bin");
        assertThat(scratch.path("catalogue").path("state").asText()).as("a never-upload file").isEqualTo("LOCAL");
        assertThat(scratch.path("catalogue").path("stored").isNull() || scratch.path("catalogue").path("stored").isMissingNode()).isTrue();
    }

    @Test
    @Order(2)
    @DisplayName("every file reads back byte-identical, and reading it all back never drives the disk above the target")
    void readsBackIdentical() throws Exception {
        AtomicLong highest = new AtomicLong();
        java.util.concurrent.ConcurrentLinkedQueue<String> samples = new java.util.concurrent.ConcurrentLinkedQueue<>();
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (reading.get()) {
                try {
                    JsonNode cache = zero.agentStatus().path("cache");
                    long now = cache.path("allocatedBytes").asLong();
                    if (now > highest.getAndAccumulate(now, Math::max)) {
                        samples.add(java.time.Instant.now() + " " + cache);
                    }
                    Thread.sleep(100); // the sampler's period: it records, it waits for nothing
                } catch (Exception e) {
                    return;
                }
            }
        });
        sampler.start();
        try {
            for (String rel : written) {
                assertThat(sh("sha256sum < " + rel)).as(rel).isEqualTo(Shell.run(ref, "sha256sum < " + rel).trim());
            }
        } finally {
            reading.set(false);
            sampler.join();
        }
        assertThat(highest.get()).as("the most the disk held while restores ran (target " + TARGET + "); new highs:\n"
                + String.join("\n", samples) + "\n--- agent log:\n" + zero.log("agent")).isLessThanOrEqualTo(TARGET);
        assertThat(zero.agentStatus().path("cache").path("restores").asLong()).isPositive();
    }

    @Test
    @Order(3)
    @DisplayName("a what-if answers what a smaller target would evict, and changes nothing")
    void whatIf() throws Exception {
        long before = onDisk();
        ZeroStack.Result dry = zeroOk("policy", "set", "targetDiskUsage=16MiB", "--dry-run");
        assertThat(dry.output()).contains("dry run: nothing saved").containsPattern("evict: +[1-9][0-9]* files");
        assertThat(zeroOk("policy", "show").output()).contains("targetDiskUsage  64MiB");
        // for three planner rounds: the dry run must not have queued anything
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> onDisk() >= before - 4096);
    }

    @Test
    @Order(4)
    @DisplayName("evict-after evicts an idle file without disk pressure")
    void evictAfterIdle() throws Exception {
        zeroOk("policy", "set", "targetDiskUsage=1GiB");
        zeroOk("policy", "rule", "add", "cold/**", "evict-after=3s");
        write("cold", 1, MIB);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(hostState("cold/f0.bin")).isEqualTo("EVICTED"));
        assertThat(sh("sha256sum < cold/f0.bin")).isEqualTo(Shell.run(ref, "sha256sum < cold/f0.bin").trim());
    }

    @Test
    @Order(5)
    @DisplayName("a deleted file is listed with its versions and comes back byte-identical with its mode and mtime (to the microsecond)")
    void undelete() throws Exception {
        sh("chmod 0640 mid/f3.bin");
        String before = sh("echo $(stat -c '%a %s' mid/f3.bin) $(date -r mid/f3.bin +%s.%6N)");
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(zero.where("mid/f3.bin").path("catalogue").path("state").asText()).isIn("SYNCED", "EVICTED"));
        sh("rm mid/f3.bin");
        ZeroStack.Result versions = zeroOk("versions", path("mid/f3.bin"));
        assertThat(versions.output()).contains("deleted");
        ZeroStack.Result undelete = zeroOk("undelete", path("mid/f3.bin"));
        assertThat(undelete.output()).contains("1 done");
        assertThat(sh("echo $(stat -c '%a %s' mid/f3.bin) $(date -r mid/f3.bin +%s.%6N)")).isEqualTo(before);
        assertThat(sh("sha256sum < mid/f3.bin")).isEqualTo(Shell.run(ref, "sha256sum < mid/f3.bin").trim());
        ZeroStack.Result again = zero.zero("undelete", path("mid/f3.bin"));
        assertThat(again.exit()).as(again.output()).isNotZero();
        assertThat(again.output()).contains("exists");
        ZeroStack.Result elsewhere = zeroOk("undelete", path("mid/f3.bin"), "--to", path("mid/copy.bin"));
        assertThat(elsewhere.output()).contains("1 done");
        assertThat(sh("cmp mid/f3.bin mid/copy.bin && echo same")).isEqualTo("same");
    }

    @Test
    @Order(6)
    @DisplayName("at the hard limit a writer waits, then gets ENOSPC; what was written before is intact")
    void hardLimit() throws Exception {
        zeroOk("policy", "set", "targetDiskUsage=none");
        long used = onDisk();
        long limit = used + 8 * MIB;
        zeroOk("policy", "set", "maxDiskUsage=" + limit);
        // the agent learns its limits from the service's answer to its next heartbeat
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(zero.agentStatus().path("cache").path("maxBytes").asLong()).isEqualTo(limit));
        String result = Shell.run(zero.mountpoint, "dd if=/dev/zero of=over.bin bs=1M count=32 conv=fsync 2>&1 || echo exit=$?").trim();
        assertThat(result).contains("No space left on device").contains("exit=1");
        assertThat(sh("sha256sum < big/f0.bin")).isEqualTo(Shell.run(ref, "sha256sum < big/f0.bin").trim());
        zeroOk("policy", "set", "maxDiskUsage=none", "targetDiskUsage=64MiB");
        sh("rm -f over.bin");
    }
}
