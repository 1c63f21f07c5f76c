package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * kill -9 of the agent at random points while files upload, evict and restore, then `./zero up`
 * at once: every file reads back byte-identical, no UPLOADING or EVICTING state survives the
 * restart, and no stored copy the catalogue counts as current holds stale content. The agent
 * pauses briefly after each persisted step ({@code zero.agent.tiering.step-delay}), so kills land
 * inside transitions rather than between them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieringCrashTest implements OnTransport {
    private static final int TRIALS = Integer.getInteger("zero.crash-trials", 20);
    private static final long MIB = 1 << 20;
    private static final int FILES = 8;

    private Path base;
    private ZeroStack zero;
    private final Map<String, String> expected = new HashMap<>();

    @BeforeAll
    void up() throws Exception {
        String missing = Machine.missing();
        assumeTrue(missing == null, missing);
        base = Files.createTempDirectory("zero-crash-");
        zero = new ZeroStack(base, "crash");
        zero.env.put("ZERO_AGENT_TIERING_STEP_DELAY", "100ms");
        zero.env.put("ZERO_AGENT_TIERING_DURABLE_EVERY", "4M");
        zero.env.put("ZERO_AGENT_TIERING_READ_AHEAD_CHUNKS", "1");
        transport().select(zero);
        zero.up();
        assertThat(zero.transport()).as("the transport serving the mount").isEqualTo(transport().servedBy);
        Shell.run(zero.mountpoint, "mkdir c");
        Random random = new Random(20261201);
        for (int i = 0; i < FILES; i++) {
            write("c/f" + i, (1 + random.nextInt(12)) * MIB + random.nextInt(4096), random.nextLong());
        }
    }

    /** How many kill -9 trials to run. */
    protected int trials() {
        return TRIALS;
    }

    @AfterAll
    void down() throws Exception {
        if (zero != null) {
            zero.close();
            Shell.run(Path.of("/"), "rm -rf " + base);
        }
    }

    /** Writes reproducible random content through the mount and remembers its SHA-256. */
    private void write(String rel, long size, long seed) throws Exception {
        Shell.run(zero.mountpoint, "python3 -c 'import random, sys; r = random.Random(" + seed + "); "
                + "sys.stdout.buffer.write(r.randbytes(" + size + "))' > " + rel);
        expected.put(rel, sha256(rel));
    }

    private String sha256(String rel) throws Exception {
        return Shell.run(zero.mountpoint, "sha256sum " + rel + " | cut -d' ' -f1").trim();
    }

    /** The tier state each backing file records, read straight from the backing tree (no restore). */
    private Map<String, String> states() throws Exception {
        String out = Shell.run(zero.backing(), """
                python3 -c '
                import os, struct, sys
                names = ["LOCAL", "UPLOADING", "SYNCED", "EVICTING", "EVICTED", "RESTORING"]
                for f in sorted(os.listdir("c")):
                    v = os.getxattr("c/" + f, "trusted.zero")
                    print(f, names[v[1]])
                '""");
        Map<String, String> states = new HashMap<>();
        for (String line : out.trim().split("\n")) {
            String[] parts = line.split(" ");
            states.put("c/" + parts[0], parts[1]);
        }
        return states;
    }

    @Test
    @Order(1)
    @DisplayName("randomised kill -9 during uploads, evictions and restores: nothing lost, nothing stale, no transitional state left")
    void killDuringTransitions() throws Exception {
        Random random = new Random(Long.getLong("zero.crash-seed", 42));
        Map<String, Integer> resolved = new HashMap<>();
        for (int trial = 1; trial <= trials(); trial++) {
            // a changed file between trials, so stale uploads would show
            String changed = "c/f" + random.nextInt(FILES);
            write(changed, (1 + random.nextInt(12)) * MIB + random.nextInt(4096), random.nextLong());

            List<Process> running = new ArrayList<>();
            List<String> all = new ArrayList<>(expected.keySet());
            for (String action : List.of("upload", "evict", "restore")) {
                List<String> picked = new ArrayList<>();
                for (String f : all) {
                    if (random.nextInt(3) > 0) {
                        picked.add(zero.mountpoint.resolve(f).toString());
                    }
                }
                if (!picked.isEmpty()) {
                    List<String> command = new ArrayList<>(List.of(ZeroStack.REPO.resolve("zero").toString(), action));
                    command.addAll(picked);
                    running.add(start(command));
                }
            }
            String reader = all.get(random.nextInt(all.size()));
            running.add(start(List.of("bash", "-c", "cat " + zero.mountpoint.resolve(reader) + " > /dev/null")));

            Thread.sleep(50 + random.nextInt(1200)); // the kill lands at a random point of the moves started above
            ProcessHandle agent = ProcessHandle.of(zero.pid("agent")).orElseThrow();
            Shell.run(Path.of("/"), "kill -9 " + agent.pid());
            for (Process p : running) {
                p.destroyForcibly(); // the commands' progress watchers: their tasks outlive them in the service's queue
            }
            Map<String, String> atKill = Map.of();
            if (trial % 3 != 0) {
                // look at what the kill left on disk before anything starts again
                agent.onExit().get(30, TimeUnit.SECONDS);
                atKill = states();
            }
            // every third trial: ./zero up at once, while the killed agent may still be exiting
            ZeroStack.Result up = zero.up();
            assertThat(up.output()).as("trial " + trial).contains("Zero is up");
            Shell.run(zero.mountpoint, "ls c > /dev/null");
            String log = zero.log("agent");
            for (Map.Entry<String, String> e : atKill.entrySet()) {
                if (e.getValue().equals("UPLOADING") || e.getValue().equals("EVICTING")) {
                    resolved.merge(e.getValue(), 1, Integer::sum);
                    assertThat(log).as("trial " + trial + ": " + e.getKey() + " was " + e.getValue() + " at the kill")
                            .contains("(" + e.getKey() + "): " + e.getValue() + " resolved to");
                } else if (e.getValue().equals("RESTORING")) {
                    resolved.merge("RESTORING (kept)", 1, Integer::sum);
                }
            }
            // the moves still queued run on the new agent; none is left half done
            int t = trial;
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(states().values())
                    .as("trial " + t + ": transitional states once the queued moves ran").doesNotContain("UPLOADING", "EVICTING"));
            for (Map.Entry<String, String> e : expected.entrySet()) {
                assertThat(sha256(e.getKey())).as("trial " + trial + ": " + e.getKey())
                        .isEqualTo(e.getValue());
            }
            assertNoStaleCopy(trial);
        }
        System.out.println("crash trials: " + trials() + " (" + transport().servedBy + "); files found in a transitional state at a kill, all resolved at the next start: " + resolved);
    }

    /** Every file the catalogue counts as synced or evicted has a stored copy holding its current content. */
    private void assertNoStaleCopy(int trial) throws Exception {
        zero.where("c/f0"); // the journal is applied: the catalogue has caught up with the tree
        for (Map.Entry<String, String> e : expected.entrySet()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                var answer = zero.get("/api/v1/admin/volumes/crash/files?path=" + e.getKey(), zero.token("admin"));
                JsonNode file = ZeroStack.JSON.readTree(answer.body());
                String state = file.path("state").asText();
                if (state.equals("SYNCED") || state.equals("EVICTED")) {
                    assertThat(file.path("stored").path("sha256").asText())
                            .as("trial " + trial + ": the stored copy of " + e.getKey() + " (" + state + ")").isEqualTo(e.getValue());
                }
            });
        }
    }

    private Process start(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ZeroStack.REPO.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ZERO_HOME", zero.home.toString());
        pb.environment().put("ZERO_CONFIG", zero.home.resolve("no-config.yml").toString());
        return pb.start();
    }
}
