package dev.zero.agent.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import dev.zero.agent.cache.ContentSource;
import dev.zero.agent.cache.TestTiering;
import dev.zero.agent.cache.TieredFiles;

/**
 * A ZeroFs mounted on a fresh temporary directory (world-traversable, so that other users can
 * reach it) with the production mount options; {@link #close()} unmounts and deletes.
 */
final class TestMount implements AutoCloseable {
    final Path base;
    final Path mnt;
    final Path tree;
    final Path cache;
    final RecordingChangeLog log = new RecordingChangeLog();
    final FuseMount mount;
    final TieredFiles tiered;

    TestMount() throws IOException {
        this(TestTiering.NOTHING);
    }

    TestMount(ContentSource content) throws IOException {
        base = Files.createTempDirectory("zero-mount-test");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        mnt = base.resolve("mnt");
        cache = base.resolve("cache");
        tree = cache.resolve("tree");
        tiered = TestTiering.files(cache, content, log);
        ZeroFs fs = new ZeroFs(tiered, log, ZeroFs.DEFAULT_DIR_ATTR_TIMEOUT, 1L << 50);
        mount = FuseMount.mount(fs, mnt, MountOptions.of("test", true, Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1), List.of()), Duration.ofSeconds(30));
    }

    @Override
    public void close() throws IOException {
        try {
            mount.close();
            tiered.close();
            tiered.root().close();
        } finally {
            if (!FuseMount.isMounted(mnt)) {
                Sh.run(Path.of("/"), "rm -rf '" + base + "'");
            }
        }
    }
}
