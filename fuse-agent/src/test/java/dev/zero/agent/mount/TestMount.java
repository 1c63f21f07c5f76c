package dev.zero.agent.mount;

import dev.zero.agent.volume.Mountpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import dev.zero.agent.cache.ContentSource;
import dev.zero.agent.cache.TestTiering;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.config.AgentConfig.Mount.Transport;
import dev.zero.agent.kernel.KernelVolume;
import dev.zero.agent.volume.Volume;

/**
 * The tiered tree mounted on a fresh temporary directory (world-traversable, so that other users
 * can reach it) by either transport with the production mount options; {@link #close()} unmounts
 * and deletes.
 */
final class TestMount implements AutoCloseable {
    /** Request loops of a kernel-transport test mount. */
    static final int KERNEL_THREADS = 4;

    final Path base;
    final Path mnt;
    final Path tree;
    final Path cache;
    final RecordingChangeLog log = new RecordingChangeLog();
    /** The volume, whichever transport serves it. */
    final Volume volume;
    /** The jnr-fuse mount, or null on the kernel transport. */
    final FuseMount mount;
    final KernelVolume kernel;
    final TieredFiles tiered;

    TestMount() throws IOException {
        this(Transport.JNR_FUSE);
    }

    TestMount(Transport transport) throws IOException {
        this(TestTiering.NOTHING, transport);
    }

    TestMount(ContentSource content) throws IOException {
        this(content, Transport.JNR_FUSE);
    }

    TestMount(ContentSource content, Transport transport) throws IOException {
        base = Files.createTempDirectory("zero-mount-test");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        mnt = base.resolve("mnt");
        cache = base.resolve("cache");
        tree = cache.resolve("tree");
        tiered = TestTiering.files(cache, content, log);
        if (transport == Transport.KERNEL) {
            mount = null;
            kernel = KernelVolume.mount(tiered, log, 1L << 50, mnt, true, true, MountLifecycle.KERNEL_DEFAULTS, KERNEL_THREADS);
            volume = kernel;
        } else {
            kernel = null;
            ZeroFs fs = new ZeroFs(tiered, log, ZeroFs.DEFAULT_DIR_ATTR_TIMEOUT, 1L << 50);
            mount = FuseMount.mount(fs, mnt, MountOptions.of("test", true, Duration.ZERO, Duration.ofSeconds(1),
                    Duration.ofSeconds(1), List.of()), Duration.ofSeconds(30));
            volume = mount;
        }
    }

    /** Files open through the mount right now. */
    int openHandles() {
        return kernel != null ? kernel.fs().openFiles() : mount.fs().openHandles();
    }

    @Override
    public void close() throws IOException {
        try {
            volume.close();
            tiered.close();
            tiered.root().close();
        } finally {
            if (!Mountpoint.isMounted(mnt)) {
                Sh.run(Path.of("/"), "rm -rf '" + base + "'");
            }
        }
    }
}
