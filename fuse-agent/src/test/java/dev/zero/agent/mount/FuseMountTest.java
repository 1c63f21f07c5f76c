package dev.zero.agent.mount;

import dev.zero.agent.volume.Mountpoint;
import static dev.zero.agent.mount.Sh.ok;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.zero.agent.cache.TestTiering;

/** Mount lifecycle: SIGTERM, kill -9 and the next start (in a real agent process), external unmount, concurrency. */
class FuseMountTest {
    private Path base;
    private Path mnt;
    private Process child;

    @BeforeEach
    void dirs() throws IOException {
        base = Files.createTempDirectory("zero-lifecycle-test");
        mnt = base.resolve("mnt");
    }

    @AfterEach
    void cleanup() throws IOException {
        if (child != null) {
            child.destroyForcibly();
        }
        if (Mountpoint.isMounted(mnt)) {
            Sh.run(Path.of("/"), "fusermount -u -z " + mnt + " || umount -l " + mnt);
        }
        Sh.run(Path.of("/"), "rm -rf " + base);
    }

    private Process startAgent() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), StaleMountMain.class.getName(),
                base.resolve("cache").toString(), mnt.toString()).redirectErrorStream(true)
                .redirectOutput(base.resolve("agent.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Mountpoint.isMounted(mnt) || !p.isAlive());
        assertTrue(p.isAlive(), () -> "agent died: " + read(base.resolve("agent.log")));
        return p;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    @DisplayName("SIGTERM unmounts cleanly and the agent exits")
    void sigtermUnmounts() throws Exception {
        child = startAgent();
        ok(mnt, "echo kept > f");
        child.destroy();
        await().atMost(Duration.ofSeconds(30)).until(() -> !child.isAlive());
        assertFalse(Mountpoint.isMounted(mnt));
        assertEquals("kept", Files.readString(base.resolve("cache/tree/f")).trim());
    }

    @Test
    @DisplayName("after kill -9 the mount is stale; the next start clears it and carries on with the same tree")
    void killNineThenRestart() throws Exception {
        child = startAgent();
        ok(mnt, "echo before > f");
        child.destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !child.isAlive());
        assertTrue(Mountpoint.isMounted(mnt), "kill -9 leaves the mount behind");
        assertTrue(Sh.run(Path.of("/"), "stat " + mnt).err().contains("not connected"));

        RecordingChangeLog log = new RecordingChangeLog();
        ZeroFs fs = new ZeroFs(TestTiering.files(base.resolve("cache"), TestTiering.NOTHING, log), log, ZeroFs.DEFAULT_DIR_ATTR_TIMEOUT, 1L << 50);
        try (FuseMount mount = FuseMount.mount(fs, mnt, MountOptions.of("t", true, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of()),
                Duration.ofSeconds(30))) {
            assertTrue(mount.isUp());
            assertEquals("before", ok(mnt, "cat f"));
        }
        assertFalse(Mountpoint.isMounted(mnt));
    }

    @Test
    @DisplayName("a bind mount on the mountpoint (as a container's volume) is mounted over, never taken for a stale mount; it stays after unmount")
    void bindMountOnMountpointIsKept() throws Exception {
        Path outside = base.resolve("host-side");
        Files.createDirectories(outside);
        Files.createDirectories(mnt);
        ok(Path.of("/"), "mount --bind " + outside + " " + mnt + " && mount --make-shared " + mnt);
        try {
            assertFalse(Mountpoint.isMounted(mnt), "a bind mount is not a FUSE mount");
            RecordingChangeLog log = new RecordingChangeLog();
            ZeroFs fs = new ZeroFs(TestTiering.files(base.resolve("cache"), TestTiering.NOTHING, log), log, ZeroFs.DEFAULT_DIR_ATTR_TIMEOUT, 1L << 50);
            try (FuseMount mount = FuseMount.mount(fs, mnt, MountOptions.of("t", true, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of()),
                    Duration.ofSeconds(30))) {
                assertTrue(mount.isUp());
                ok(mnt, "echo through > f");
                assertEquals("through", Files.readString(base.resolve("cache/tree/f")).trim());
            }
            assertFalse(Mountpoint.isMounted(mnt));
            assertTrue(Sh.run(Path.of("/"), "findmnt -n " + mnt).out().contains(mnt.toString()), "the bind mount is still there");
        } finally {
            Sh.run(Path.of("/"), "umount -l " + mnt);
        }
    }

    @Test
    @DisplayName("two mounts in one process serve their own trees (nothing of a mount is process-wide)")
    void twoMountsPerProcess() throws Exception {
        try (TestMount first = new TestMount(); TestMount second = new TestMount()) {
            ok(first.mnt, "echo one > f");
            ok(second.mnt, "echo two > f");
            assertEquals("one", ok(first.mnt, "cat f"));
            assertEquals("two", ok(second.mnt, "cat f"));
            assertEquals("one", Files.readString(first.tree.resolve("f")).trim());
            assertEquals("two", Files.readString(second.tree.resolve("f")).trim());
        }
    }

    @Test
    @DisplayName("an external fusermount -u ends the request loop on all worker threads")
    void externalUnmountEndsLoop() throws Exception {
        try (TestMount m = new TestMount()) {
            ok(m.mnt, "echo x > f && cat f && ls -l");
            ok(Path.of("/"), "fusermount -u " + m.mnt);
            m.mount.loop().get(30, TimeUnit.SECONDS);
            assertFalse(m.mount.isUp());
            assertFalse(Mountpoint.isMounted(m.mnt));
        }
    }

    @Test
    @DisplayName("many concurrent callers are all served (workers are added while all are busy)")
    void concurrentCallers() throws Exception {
        try (TestMount m = new TestMount()) {
            int threads = 16;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    all.add(pool.submit(() -> {
                        Path dir = Files.createDirectory(m.mnt.resolve("d" + id));
                        for (int i = 0; i < 50; i++) {
                            Path f = dir.resolve("f" + i);
                            Files.writeString(f, id + ":" + i);
                            assertEquals(id + ":" + i, Files.readString(f));
                            assertEquals(Files.size(f), Files.readAttributes(f, "size").get("size"));
                        }
                        try (var list = Files.list(dir)) {
                            assertEquals(50, list.count());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(m.mount.isUp());
            assertEquals(threads * 50, Long.parseLong(ok(m.tree, "find . -type f | wc -l").trim()));
        }
    }
}
