package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zero.api.CatalogueEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import dev.zero.b2emulator.B2Emulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole stack as `./zero up MOUNTPOINT` runs it, driven only from outside: shell commands
 * on the mount, the REST API, and signals to the processes. The catalogue must mirror the
 * backing tree after every scenario, including a crash and a service outage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MountedStackTest implements OnTransport {
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    private Path base;
    private ZeroStack zero;
    private String upOutput;
    private B2Emulator emulator;

    @BeforeAll
    void up() throws Exception {
        String missing = Machine.missing();
        assumeTrue(missing == null, missing);
        base = Files.createTempDirectory("zero-system-");
        zero = new ZeroStack(base, "system");
        // the seed's config file, as its users have it; its B2 keys are those of an emulated account
        emulator = B2Emulator.builder(Files.createDirectories(base.resolve("b2"))).applicationKey("K001secretsecretsecret").start();
        Files.writeString(zero.home.resolve("no-config.yml"), """
                accountId: "%s"
                applicationKey: K001secretsecretsecret
                bucketId: %s
                targetDiskUsage: 12.5 # GB
                sqliteFileLocation: /home/me/.zero/zero.db
                """.formatted(emulator.accountId(), emulator.bucketId()));
        zero.env.put("ZERO_STORE_B2_URL", emulator.url());
        zero.env.put("ZERO_STORE_B2_ALLOW_INSECURE_HTTP", "true");
        transport().select(zero);
        upOutput = zero.up().output();
    }

    @AfterAll
    void down() throws Exception {
        if (emulator != null) {
            emulator.close();
        }
        if (zero == null) {
            return;
        }
        long agent = zero.pid("agent");
        long service = zero.pid("service");
        zero.close();
        assertThat(ProcessHandle.of(agent).filter(ProcessHandle::isAlive)).as("agent after down").isEmpty();
        assertThat(ProcessHandle.of(service).filter(ProcessHandle::isAlive)).as("service after down").isEmpty();
        assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts after down").doesNotContain(zero.mountpoint.toString());
        Shell.run(Path.of("/"), "rm -rf " + base);
    }

    private void assertCatalogueMirrorsTree() {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, String> tree = zero.backingTree();
            assertThat(zero.catalogueTree()).isEqualTo(tree);
        });
    }

    @Test
    @Order(1)
    @DisplayName("the health endpoints answer UP, the mount is served by the transport configured and is a working directory")
    void healthAndMount() throws Exception {
        assertThat(ZeroStack.JSON.readTree(zero.get("/q/health/ready", null).body()).get("status").asText()).isEqualTo("UP");
        assertThat(zero.transport()).isEqualTo(transport().servedBy);
        assertThat(zero.get("/api/v1/hosts/x/tasks", null).statusCode()).isEqualTo(401);
        String out = Shell.run(zero.mountpoint, "echo hello > greeting && cat greeting && stat -c %s greeting");
        assertThat(out).isEqualTo("hello\n6\n");
        assertThat(Files.readString(zero.backing().resolve("greeting"))).isEqualTo("hello\n");
    }

    @Test
    @Order(1)
    @DisplayName("the agent enrolled for a credential of its own, good for its host only; its own API needs its token")
    void perHostCredential() throws Exception {
        Path file = zero.home.resolve("cache/state/host-credential");
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        String host = ZeroStack.JSON.readTree(zero.get("/api/v1/admin/volumes", zero.token("admin")).body()).findValuesAsText("host").get(0);
        String credential = zero.hostCredential();
        assertThat(zero.get("/api/v1/hosts/" + host + "/tasks", credential).statusCode()).isEqualTo(200);
        assertThat(zero.get("/api/v1/hosts/" + host + "-other/tasks", credential).statusCode()).isEqualTo(403);
        String put = "curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -H 'Authorization: Bearer "
                + credential + "' -d '{\"capacityBytes\": 1, \"usedBytes\": 0}' " + zero.url() + "/api/v1/hosts/nonexistent";
        assertThat(Shell.run(zero.mountpoint, put)).isEqualTo("403");
        assertThat(zero.get("/api/v1/admin/hosts", zero.token("admin")).body()).doesNotContain("nonexistent");
        // the enrolment token enrols; it cannot act as a host
        assertThat(zero.get("/api/v1/hosts/" + host + "/tasks", zero.token("enrolment")).statusCode()).isEqualTo(403);
        // the credential is nowhere in the logs
        assertThat(zero.log("agent") + zero.log("service")).doesNotContain(credential).doesNotContain(zero.token("enrolment"));
        String agentApi = "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + zero.agentPort;
        assertThat(Shell.run(zero.mountpoint, agentApi + "/agent/v1/status")).isEqualTo("401");
        assertThat(Shell.run(zero.mountpoint, agentApi + "/q/health/ready")).isEqualTo("200");
        assertThat(ZeroStack.JSON.readTree(Shell.run(zero.mountpoint, zero.agentCurl("/status"))).path("journal").path("connected").asBoolean())
                .isTrue();
    }

    @Test
    @Order(2)
    @DisplayName("config.yml: targetDiskUsage becomes the volume's target, sqliteFileLocation is reported obsolete, secrets stay out")
    void seedConfig_readAndReported() throws Exception {
        assertThat(upOutput).contains("mount:").contains("sqliteFileLocation is obsolete").contains("B2 keys present");
        assertThat(emulator.calls("b2_authorize_account")).as("the keys reached the b2 store").isPositive();
        assertThat(upOutput).doesNotContain("K001secretsecretsecret");
        assertThat(zero.log("service") + zero.log("agent")).doesNotContain("K001secretsecretsecret");
        var policy = ZeroStack.JSON.readTree(zero.get("/api/v1/admin/volumes/system/policy", zero.token("admin")).body());
        assertThat(policy.get("targetBytes").asLong()).isEqualTo(12_500_000_000L);
    }

    @Test
    @Order(3)
    @DisplayName("after a burst of mixed operations the catalogue shows the same tree as the mount")
    void burst_catalogueMirrorsTree() throws Exception {
        Shell.run(zero.mountpoint, Shell.burst("burst"));
        assertCatalogueMirrorsTree();
        Map<String, CatalogueEntry> catalogue = zero.catalogue();
        assertThat(catalogue.get("burst/docs/hardlink8").fileId()).isEqualTo(catalogue.get("burst/src/f8.txt").fileId());
        assertThat(catalogue.get("burst/docs/symlink10").linkTarget()).isEqualTo("../src/f10.txt");
        assertThat(catalogue).containsKey("burst/docs/archive/q1/f5.txt").doesNotContainKey("burst/docs/2025");
    }

    @Test
    @Order(4)
    @DisplayName("with the service stopped the mount keeps working, and the catalogue catches up when it returns")
    void serviceDown_mountWorks_thenConverges() throws Exception {
        ProcessHandle service = ProcessHandle.of(zero.pid("service")).orElseThrow();
        service.destroy();
        service.onExit().get(60, TimeUnit.SECONDS);

        Shell.run(zero.mountpoint, Shell.burst("offline") + "\ncat offline/src/f1.txt > /dev/null\n");
        assertThat(Files.readString(zero.mountpoint.resolve("offline/src/f1.txt"))).isEqualTo("file 1\nappended\n");
        await().atMost(CONVERGE).untilAsserted(() -> assertThat(
                Shell.run(zero.mountpoint, zero.agentCurl("/status")))
                .contains("\"connected\":false"));

        zero.up();
        assertCatalogueMirrorsTree();
        assertThat(zero.catalogue()).containsKey("offline/docs/archive/q2/written-in-pieces");
    }

    @Test
    @Order(5)
    @DisplayName("kill -9 of the agent in a burst: after a restart the catalogue converges, with no duplicate or missing entry")
    void agentKilledMidBurst_converges() throws Exception {
        Process burst = new ProcessBuilder("bash", "-c",
                "for r in $(seq 1 200); do " + Shell.burst("crash/r$r") + " done")
                .directory(zero.mountpoint.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(zero.backing().resolve("crash/r3/docs")));
        ProcessHandle agent = ProcessHandle.of(zero.pid("agent")).orElseThrow();
        Shell.run(Path.of("/"), "kill -9 " + agent.pid());
        agent.onExit().get(30, TimeUnit.SECONDS);
        burst.waitFor(60, TimeUnit.SECONDS);
        burst.destroyForcibly();

        ZeroStack.Result restarted = zero.up();
        assertThat(restarted.output()).contains("Zero is up");
        assertThat(Shell.run(zero.mountpoint, "ls crash | head -n1")).isEqualTo("r1\n");
        assertCatalogueMirrorsTree();

        Map<String, CatalogueEntry> catalogue = zero.catalogue();
        Set<String> paths = new HashSet<>();
        for (CatalogueEntry e : catalogue.values()) {
            assertThat(paths.add(e.path())).as("duplicate path " + e.path()).isTrue();
        }
        assertThat(catalogue.size()).isEqualTo(zero.backingTree().size());
    }

    @Test
    @Order(6)
    @DisplayName("./zero reconcile repairs changes made behind the agent's back and reports what it fixed")
    void reconcileOnDemand_fixesAndReports() throws Exception {
        Shell.run(zero.mountpoint, "mkdir -p manual && echo one > manual/kept && echo two > manual/removed-behind");
        assertCatalogueMirrorsTree();
        // straight on the backing tree: the mount (and so the journal) never sees these
        Shell.run(zero.backing(), "echo sneaky > manual/added-behind && rm manual/removed-behind && chmod 600 manual/kept");

        String status = zero.agentCurl("/status");
        long before = ZeroStack.JSON.readTree(Shell.run(zero.mountpoint, status)).path("journal").path("lastReconcile").path("generation").asLong();
        ZeroStack.Result reconcile = zero.zero("reconcile");
        assertThat(reconcile.exit()).as(reconcile.output()).isZero();
        assertCatalogueMirrorsTree();
        await().atMost(CONVERGE).untilAsserted(() -> {
            var last = ZeroStack.JSON.readTree(Shell.run(zero.mountpoint, status)).path("journal").get("lastReconcile");
            assertThat(last.get("generation").asLong()).as("a new walk's report").isNotEqualTo(before);
            assertThat(last.get("filesAdded").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(last.get("filesRemoved").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(last.get("filesUpdated").asLong()).isGreaterThanOrEqualTo(1);
        });
        assertThat(Files.readString(zero.mountpoint.resolve("manual/added-behind"))).isEqualTo("sneaky\n");
    }

    @Test
    @Order(7)
    @DisplayName("fsx-style random writes, truncates, holes, mmap writes and reopens read back exactly like a local file")
    void fsx_contentMatchesReference() throws Exception {
        Path script = Path.of("src/test/resources/fsx.py").toAbsolutePath();
        Path reference = Files.createTempFile(base, "fsx-reference", ".bin");
        String out = Shell.run(zero.mountpoint, "python3 " + script + " fsx.bin " + reference + " 1500 20261125");
        assertThat(out).contains("identical");
        assertThat(Files.mismatch(zero.backing().resolve("fsx.bin"), reference)).isEqualTo(-1L);
        assertCatalogueMirrorsTree();
        assertThat(zero.catalogue().get("fsx.bin").meta().size()).isEqualTo(Files.size(reference));
    }
}
