package dev.zero.agent.cache;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat.Timespec;
import jnr.ffi.Pointer;

/**
 * The files in use, by file id: one {@link TieredFile} per file while any handle has it open or
 * a tier move works on it ("is this file open?" is one lookup), dropped when the last one lets
 * go. Also what every TieredFile shares: the attribute codec, the true times, the space totals,
 * the disk budget, where content comes back from, and who hears of transitions.
 */
public final class TieredFiles {
    private static final Logger LOG = Logger.getLogger(TieredFiles.class);
    private static final int FAILURES_KEPT = 1000;
    private static final ThreadLocal<Pointer> TIMES = ThreadLocal.withInitial(() -> Native.allocate(32));

    final BackingRoot root;
    final TierAttrs attrs;
    final TrueTimes times;
    final SpaceAccounting space;
    final DiskBudget budget;
    final ContentSource content;
    final TierListener listener;
    final CacheSettings settings;
    final TierCounters counters = new TierCounters();
    final ExecutorService restoreExecutor;
    private final ConcurrentHashMap<Long, TieredFile> inUse = new ConcurrentHashMap<>();
    private final Map<Long, String> lastFailures = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > FAILURES_KEPT;
        }
    };

    public TieredFiles(BackingRoot root, TierAttrs attrs, TrueTimes times, SpaceAccounting space, DiskBudget budget,
            ContentSource content, TierListener listener, CacheSettings settings) {
        this.root = root;
        this.attrs = attrs;
        this.times = times;
        this.space = space;
        this.budget = budget;
        this.content = content;
        this.listener = listener;
        this.settings = settings;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread t = new Thread(task, "zero-restore-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.restoreExecutor = Executors.newCachedThreadPool(threads);
    }

    public BackingRoot root() {
        return root;
    }

    public TierAttrs attrs() {
        return attrs;
    }

    public TrueTimes times() {
        return times;
    }

    public SpaceAccounting space() {
        return space;
    }

    public CacheSettings settings() {
        return settings;
    }

    public DiskBudget budget() {
        return budget;
    }

    public TierCounters counters() {
        return counters;
    }

    /**
     * The in-use record of the regular file behind {@code fd} (any descriptor of it), creating
     * it from the file's attribute (giving the file an id first if it has none). Pair with
     * {@link #release}.
     */
    public TieredFile acquire(int fd) throws ErrnoException {
        long id = attrs.ensure(fd).fileId();
        ErrnoException[] failure = new ErrnoException[1];
        TieredFile file = inUse.compute(id, (key, existing) -> {
            if (existing != null) {
                existing.refs++;
                return existing;
            }
            try {
                // read again inside the map's lock: a record dropped just now may have written it last
                TieredFile created = new TieredFile(this, attrs.read(fd));
                created.refs = 1;
                return created;
            } catch (ErrnoException e) {
                failure[0] = e;
                return null;
            }
        });
        if (file == null) {
            throw failure[0];
        }
        return file;
    }

    /** The in-use record of a file just created with {@code attr} (no other record of it can exist yet). */
    public TieredFile acquireNew(int fd, TierAttr attr) {
        return inUse.compute(attr.fileId(), (key, existing) -> {
            if (existing != null) {
                existing.refs++;
                return existing;
            }
            TieredFile created = new TieredFile(this, attr);
            created.refs = 1;
            return created;
        });
    }

    /** One more reference to a file already in use (a background fetch). */
    void retain(TieredFile file) {
        inUse.compute(file.fileId, (key, existing) -> {
            if (existing == file) {
                existing.refs++;
                return existing;
            }
            throw new IllegalStateException("file " + key + " is not in use");
        });
    }

    public void release(TieredFile file) {
        boolean[] dropped = new boolean[1];
        inUse.computeIfPresent(file.fileId, (key, existing) -> {
            if (existing != file || --existing.refs > 0) {
                return existing;
            }
            dropped[0] = true;
            return null;
        });
        if (dropped[0]) {
            file.close();
        }
    }

    /** The file if it is in use now, else null. */
    public TieredFile find(long fileId) {
        return inUse.get(fileId);
    }

    /** True when some process has the file open through the mount. */
    public boolean isOpen(long fileId) {
        TieredFile file = inUse.get(fileId);
        return file != null && file.openHandles() > 0;
    }

    public int inUse() {
        return inUse.size();
    }

    /**
     * Resolves what a previous run left in transitional states (see {@link TieredFile#recover})
     * for the regular file behind {@code fd}; returns its record as it stands now.
     */
    public TierAttr recover(int fd) throws IOException {
        TieredFile file = acquire(fd);
        try {
            return file.recover(fd);
        } finally {
            release(file);
        }
    }

    /**
     * A user changed the attributes of a path through the mount; {@code inode} is its backing
     * inode. Only files tiering has touched (their times are kept) need anything.
     */
    public void attributesChanged(Pointer rel, long inode) {
        if (!times.has(inode)) {
            return;
        }
        int fd = Native.LIBC.openat(root.fd(), rel, Native.O_NOATIME | Native.O_NOFOLLOW | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            return;
        }
        try {
            attributesChanged(fd, inode);
        } finally {
            Native.LIBC.close(fd);
        }
    }

    /** The same, through a descriptor of the file. */
    public void attributesChanged(int fd, long inode) {
        if (!times.has(inode)) {
            return;
        }
        try {
            TieredFile file = acquire(fd);
            try {
                file.onAttributesChanged(fd);
            } finally {
                release(file);
            }
        } catch (ErrnoException e) {
            LOG.warnf("could not record an attribute change of file inode %d: %s", inode, e.getMessage());
        }
    }

    /**
     * Told the inode of every file whose tier changes (its blocks go or come back): a transport
     * that lets the kernel cache attributes drops them there, so {@code du} is right at once.
     */
    public void onTierChanged(java.util.function.LongConsumer inodes) {
        this.tierChangedInodes = inodes;
    }

    private volatile java.util.function.LongConsumer tierChangedInodes = inode -> {
    };

    void tierChanged(TieredFile file, TierAttr attr) {
        long inode = file.knownInode();
        if (inode >= 0) {
            try {
                tierChangedInodes.accept(inode);
            } catch (RuntimeException e) {
                LOG.debugf("could not tell the transport of file %d's tier change: %s", file.fileId, e);
            }
        }
        try {
            listener.tierChanged(file.fileId, attr.info());
        } catch (RuntimeException e) {
            LOG.warnf("could not journal the tier change of file %d: %s", file.fileId, e.toString());
        }
    }

    void restoreFailed(TieredFile file, Exception e) {
        counters.restoreFailed();
        String message = Instant.now() + ": " + e.getMessage();
        synchronized (lastFailures) {
            lastFailures.put(file.fileId, message);
        }
        LOG.warnf("restore of file %d failed: %s", file.fileId, e.getMessage());
    }

    /** One file as this host holds it, for {@code ./zero where}. */
    public record LocalState(TierAttr attr, long size, long allocated, int openHandles, int chunksPresent, int chunks, String lastFailure) {
    }

    /** What the host holds of the regular file at {@code rel}: its record, size on disk, open handles and, while restoring, the chunks back. */
    public LocalState inspect(Pointer rel) throws IOException {
        int fd = root.open(rel, Native.O_NOATIME | Native.O_NOFOLLOW | Native.O_NONBLOCK, 0, "open");
        try {
            Pointer st = dev.zero.agent.posix.Stat.allocate();
            dev.zero.agent.posix.Stat.fstat(fd, st);
            TierAttr attr = attrs.read(fd);
            if (attr == null) {
                return new LocalState(null, dev.zero.agent.posix.Stat.size(st), dev.zero.agent.posix.Stat.allocated(st), 0, 0, 0, null);
            }
            TieredFile inUseNow = inUse.get(attr.fileId());
            if (inUseNow != null) {
                attr = inUseNow.attr();
            }
            int present = 0;
            int chunks = 0;
            if (attr.state() == dev.zero.api.TierState.RESTORING && attr.stored() != null) {
                int[] progress = inUseNow != null ? inUseNow.restoreProgress() : null;
                if (progress == null) {
                    try (ChunkMap map = ChunkMap.load(settings.restoringDir(), attr.fileId(), attr.stored())) {
                        if (map != null) {
                            progress = new int[] {map.present().cardinality(), map.chunks()};
                        }
                    }
                }
                if (progress != null) {
                    present = progress[0];
                    chunks = progress[1];
                }
            }
            return new LocalState(attr, dev.zero.agent.posix.Stat.size(st), dev.zero.agent.posix.Stat.allocated(st),
                    inUseNow == null ? 0 : inUseNow.openHandles(), present, chunks, lastFailure(attr.fileId()));
        } finally {
            Native.LIBC.close(fd);
        }
    }

    /** The last restore failure of a file on this host, or null. */
    public String lastFailure(long fileId) {
        synchronized (lastFailures) {
            return lastFailures.get(fileId);
        }
    }

    /** Puts a file's mtime back (atime left as it is) after tiering moved it. */
    void setMtime(int fd, Timespec mtime) throws ErrnoException {
        Pointer t = TIMES.get();
        t.putLong(0, 0);
        t.putLong(8, Native.UTIME_OMIT);
        t.putLong(16, mtime.sec());
        t.putLong(24, mtime.nsec());
        if (Native.LIBC.futimens(fd, t) != 0) {
            throw ErrnoException.last("futimens");
        }
    }

    public void close() {
        // let running fetches finish and release their files, so what they verified is recorded
        // in the chunk maps (else a restart fetches it again); then stop whatever is left
        restoreExecutor.shutdown();
        try {
            if (!restoreExecutor.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                restoreExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            restoreExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
