package dev.zero.agent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.fs.ChangeLog;
import dev.zero.agent.fs.TreeOps;
import dev.zero.agent.volume.Mountpoint;
import dev.zero.agent.volume.Volume;
import dev.zero.fuse.kernel.CacheTimeouts;
import dev.zero.fuse.kernel.InodeFs;

/**
 * The volume served by Zero's own transport ({@link InodeFs} on /dev/fuse): inode-based, so
 * attributes are cached, and with kernel passthrough for open files whose content is on the
 * host. The tiered tree behind it is the one the jnr-fuse transport serves ({@link TieredBacking}).
 */
public final class KernelVolume implements Volume {
    private static final Logger LOG = Logger.getLogger(KernelVolume.class);

    private final InodeFs.Mounted mounted;
    private final Path mountpoint;
    private final TieredFiles tiered;
    /** Tier changes are told to the kernel from here: never from the thread of a request about the same file. */
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("zero-fuse-notify").unstarted(r));
    private volatile boolean closed;

    private KernelVolume(InodeFs.Mounted mounted, Path mountpoint, TieredFiles tiered) {
        this.mounted = mounted;
        this.mountpoint = mountpoint;
        this.tiered = tiered;
    }

    /**
     * Mounts the tiered tree on {@code mountpoint}.
     *
     * @param passthrough let the kernel read and write present files itself where it can
     * @param ioUring take requests over io_uring where the kernel allows it
     * @param timeouts how long the kernel may cache names and attributes (long is safe: every hard
     *     link is one inode, and tier changes are invalidated as they happen)
     * @param threads request loops (reads and writes that wait for a restore are answered off them)
     */
    public static KernelVolume mount(TieredFiles tiered, ChangeLog changeLog, long reportedCapacity, Path mountpoint, boolean passthrough,
            boolean ioUring, CacheTimeouts timeouts, int threads) throws IOException {
        Path mp = mountpoint.toAbsolutePath().normalize();
        Mountpoint.clearStale(mp);
        Files.createDirectories(mp);
        Mountpoint.requireEmpty(mp);
        tiered.attrs().markRoot(tiered.root());
        TieredBacking backing = new TieredBacking(tiered, TreeOps.of(tiered, changeLog, reportedCapacity));
        InodeFs.Mounted mounted = InodeFs.mount(tiered.root().path(), backing, "zero", mp, passthrough, ioUring, timeouts, threads);
        KernelVolume volume = new KernelVolume(mounted, mp, tiered);
        tiered.onTierChanged(volume::tierChanged);
        LOG.infof("mounted %s on %s (kernel transport, passthrough %s, requests over %s, up to %d nodes cached: half the open-file limit)",
                tiered.root().path(), mp, volume.passthroughState(), mounted.mount().requestPath(), mounted.fs().budget().limit());
        return volume;
    }

    private void tierChanged(long inode) {
        if (closed) {
            return;
        }
        notifier.execute(() -> {
            try {
                mounted.invalidateAttributes(inode);
            } catch (IOException | RuntimeException e) {
                LOG.debugf("could not drop the kernel's attributes of inode %d: %s", inode, e);
            }
        });
    }

    private String passthroughState() {
        if (!mounted.mount().passthrough()) {
            return "off (the kernel did not offer it)";
        }
        String refusal = mounted.fs().passthroughRefusal();
        return refusal == null ? "on" : "off (" + refusal + ")";
    }

    /** The inode file system (node table, open files), for tests and status. */
    public InodeFs fs() {
        return mounted.fs();
    }

    /** The transport's counters (requests by opcode), for tests. */
    public dev.zero.fuse.kernel.KernelMount connection() {
        return mounted.mount();
    }

    @Override
    public Path mountpoint() {
        return mountpoint;
    }

    @Override
    public boolean isUp() {
        return !closed && mounted.mount().serving() && Mountpoint.isMounted(mountpoint);
    }

    @Override
    public String transport() {
        return "kernel (passthrough " + passthroughState() + ", requests over " + (mounted.mount().ioUring() ? "io_uring" : "/dev/fuse") + ")";
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        tiered.onTierChanged(inode -> {
        });
        notifier.shutdownNow();
        mounted.close();
        if (Mountpoint.isMounted(mountpoint)) {
            throw new IOException("still mounted: " + mountpoint);
        }
        LOG.infof("unmounted %s", mountpoint);
    }
}
