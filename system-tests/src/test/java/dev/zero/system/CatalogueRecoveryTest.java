package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * Once files live only in the object store, the catalogue and the local state are user data:
 * the local default comes back after its service is killed (its embedded PostgreSQL outlives
 * it), runs that database durably, and a catalogue that is lost altogether is rebuilt from the
 * tree and the store with no evicted file lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogueRecoveryTest implements OnTransport {
    private static final long MIB = 1 << 20;

    private Path base;
    private ZeroStack zero;
    private final Map<String, String> sha = new LinkedHashMap<>();

    @BeforeAll
    void up() throws Exception {
        String missing = Machine.missing();
        assumeTrue(missing == null, missing);
        base = Files.createTempDirectory("zero-recovery-");
        zero = new ZeroStack(base, "recovery");
        transport().select(zero);
        zero.up();
        assertThat(zero.transport()).as("the transport serving the mount").isEqualTo(transport().servedBy);
        Shell.run(zero.mountpoint, "mkdir -p keep/deep && head -c " + 12 * MIB + " /dev/urandom > keep/big && printf small > keep/deep/small"
                + " && head -c " + 3 * MIB + " /dev/urandom > keep/local-only && ln -s big keep/link");
        for (String f : new String[] {"keep/big", "keep/deep/small", "keep/local-only"}) {
            sha.put(f, Shell.run(zero.mountpoint, "sha256sum " + f + " | cut -d' ' -f1").trim());
        }
        assertThat(zero.zero("upload", zero.mountpoint.resolve("keep/big").toString(), zero.mountpoint.resolve("keep/deep").toString()).exit())
                .isZero();
        assertThat(zero.zero("evict", zero.mountpoint.resolve("keep").toString()).exit()).as("local-only is refused").isEqualTo(3);
    }

    @AfterAll
    void down() throws Exception {
        if (zero != null) {
            zero.close();
            Shell.run(Path.of("/"), "rm -rf " + base);
        }
    }

    @Test
    @Order(1)
    @DisplayName("the embedded PostgreSQL runs with fsync and synchronous commit on")
    void catalogueIsDurable() {
        assertThat(zero.log("service")).contains("fsync on, synchronous commit on");
    }

    @Test
    @Order(2)
    @DisplayName("kill -9 of the service: its PostgreSQL outlives it, and ./zero up stops it and comes back")
    void serviceKilled_upComesBack() throws Exception {
        ProcessHandle service = ProcessHandle.of(zero.pid("service")).orElseThrow();
        Shell.run(Path.of("/"), "kill -9 " + service.pid());
        service.onExit().get(30, TimeUnit.SECONDS);
        assertThat(Shell.run(Path.of("/"), "pgrep -f 'postgres.*" + zero.home.resolve("postgres") + "' || true")).as("orphaned PostgreSQL")
                .isNotBlank();
        ZeroStack.Result up = zero.up();
        assertThat(up.output()).contains("Zero is up");
        assertThat(zero.log("service")).contains("is still running on");
        assertThat(zero.where("keep/big").path("catalogue").path("state").asText()).isEqualTo("EVICTED");
    }

    @Test
    @Order(3)
    @DisplayName("a lost catalogue is rebuilt from the tree and the store: every evicted file reads back")
    void lostCatalogue_rebuilt() throws Exception {
        assertThat(zero.zero("down").exit()).isZero();
        Shell.run(Path.of("/"), "rm -rf " + zero.home.resolve("postgres"));
        zero.up();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode big = zero.where("keep/big");
            assertThat(big.path("catalogue").path("state").asText()).isEqualTo("EVICTED");
            assertThat(zero.where("keep/local-only").path("catalogue").path("state").asText()).isEqualTo("LOCAL");
        });
        for (Map.Entry<String, String> e : sha.entrySet()) {
            assertThat(Shell.run(zero.mountpoint, "sha256sum " + e.getKey() + " | cut -d' ' -f1").trim()).as(e.getKey()).isEqualTo(e.getValue());
        }
        JsonNode big = zero.where("keep/big");
        assertThat(big.path("catalogue").path("state").asText()).isEqualTo("SYNCED");
        assertThat(big.path("catalogue").path("stored").path("sha256").asText()).isEqualTo(sha.get("keep/big"));
        assertThat(Shell.run(zero.mountpoint, "readlink keep/link").trim()).isEqualTo("big");
        assertThat(zero.log("service")).contains("adopted object");
        assertThat(zero.log("agent")).as("the agent enrols again when the rebuilt catalogue does not know its credential").contains("enrolled again");
    }
}
