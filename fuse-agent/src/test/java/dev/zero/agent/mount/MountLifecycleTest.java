package dev.zero.agent.mount;

import dev.zero.agent.volume.Mountpoint;
import static dev.zero.agent.mount.Sh.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The Quarkus application mounts from configuration on start and unmounts on stop. */
@QuarkusTest
@TestProfile(MountLifecycleTest.Mounted.class)
class MountLifecycleTest {
    /** Mount enabled, on fresh temporary directories. */
    public static class Mounted implements QuarkusTestProfile {
        /** Under target/ (user.dir stays the module directory even while a mount changes the working directory). */
        static final Path BASE = Path.of(System.getProperty("user.dir"), "target", "quarkus-mount-test");

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("zero.agent.mount.enabled", "true",
                    "zero.agent.mountpoint", BASE.resolve("mnt").toString(),
                    "zero.agent.cache-dir", BASE.resolve("cache").toString(),
                    "zero.agent.volume", "quarkus",
                    "quarkus.http.test-port", "0");
        }
    }

    @Inject
    MountLifecycle lifecycle;

    @Test
    @DisplayName("the configured mount is up on start, serves the cache tree, and stop/start unmounts and remounts")
    void mountsFromConfig() throws IOException {
        Path mnt = Mounted.BASE.resolve("mnt");
        try {
            assertTrue(lifecycle.current().orElseThrow().isUp());
            assertTrue(ok(Path.of("/"), "grep ' " + mnt + " ' /proc/mounts").contains("fuse.zero"));
            ok(mnt, "echo via-quarkus > f");
            assertEquals("via-quarkus", Files.readString(Mounted.BASE.resolve("cache/tree/f")).trim());
            assertTrue(Files.exists(Mounted.BASE.resolve("cache/state/file-ids")));

            lifecycle.stop();
            assertFalse(Mountpoint.isMounted(mnt));
            lifecycle.start();
            assertEquals("via-quarkus", ok(mnt, "cat f"));
        } finally {
            lifecycle.stop();
            assertFalse(Mountpoint.isMounted(mnt));
            Sh.run(Path.of("/"), "rm -rf " + Mounted.BASE);
        }
    }
}
