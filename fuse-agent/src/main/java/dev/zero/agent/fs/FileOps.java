package dev.zero.agent.fs;

import java.io.IOException;

import dev.zero.agent.cache.SpaceAccounting;
import dev.zero.agent.cache.TierAttr;
import dev.zero.agent.cache.TieredFile;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import jnr.ffi.Pointer;

/**
 * Regular-file and attribute operations on the backing tree. Paths are FUSE paths (absolute,
 * raw bytes), resolved against the backing root's descriptor; failures throw
 * {@link ErrnoException} with the backing filesystem's errno. A file's tier state is consulted
 * through its {@link TieredFile}: reads of an evicted file wait for the chunks under them, the
 * first write of a handle records the new content version before any byte lands, and reads and
 * writes of a whole file touch only the descriptor and FUSE's buffer.
 */
public final class FileOps {
    private static final int OPEN_STRIP = Native.O_CREAT | Native.O_EXCL | Native.O_NOCTTY | Native.O_DIRECT | Native.O_TRUNC;
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);
    private static final long BLOCK = 4096;

    private final BackingRoot root;
    private final TieredFiles tiered;
    private final ChangeReporter changes;
    private final long reportedCapacity;

    /** @param reportedCapacity the size {@code df} shows for the mount (the disk feels infinite; the cache's truth is in status) */
    /** Bytes a handle writes between two countings of its file's space (usage stays close to the truth during long writes). */
    private static final long RECOUNT = 16L << 20;
    /** fallocate's FALLOC_FL_PUNCH_HOLE: frees space rather than taking it. */
    private static final int PUNCH_HOLE = 0x02;

    public FileOps(BackingRoot root, TieredFiles tiered, ChangeReporter changes, long reportedCapacity) {
        this.root = root;
        this.tiered = tiered;
        this.changes = changes;
        this.reportedCapacity = reportedCapacity;
    }

    public void getattr(Pointer path, Pointer stbuf) throws ErrnoException {
        Stat.lstat(root.fd(), FusePath.rel(path), stbuf);
        tiered.times().apply(stbuf);
    }

    public void fgetattr(OpenFile file, Pointer stbuf) throws ErrnoException {
        Stat.fstat(file.fd, stbuf);
        tiered.times().apply(stbuf);
    }

    public OpenFile open(Pointer path, int flags) throws IOException {
        int fd = root.open(FusePath.rel(path), flags & ~OPEN_STRIP, 0, "open");
        return opened(fd, flags, null);
    }

    /**
     * Opens the file behind {@code pathFd} (an {@code O_PATH} descriptor, as the inode transport
     * holds), as {@link #open(Pointer, int)}. Without O_NOFOLLOW: the kernel has resolved the name
     * already (cp -r asks for it), and the descriptor's /proc link is itself a symlink.
     */
    public OpenFile open(int pathFd, int flags) throws IOException {
        return opened(BackingRoot.reopen(pathFd, flags & ~(OPEN_STRIP | Native.O_NOFOLLOW)), flags, null);
    }

    /**
     * The kernel writes through this handle itself (passthrough), so no WRITE tells the agent:
     * until its release the file is not uploaded, and at each flush, fsync and the release (and
     * before a change of the file's times or size, see {@link #catchUp}) a change of the file
     * since the handle last saw it (size, mtime) is recorded as the handle's write. A handle
     * that only reads or truncates records no write.
     */
    public void writesBypass(OpenFile file) {
        file.seenAs = fingerprint(file.fd);
        file.bypassed = true;
        file.tiered.onUnseenWriterOpened(file.fd);
    }

    /** The agent itself changed the size or times of a bypassed handle's file (a SETATTR): not a write of the handle's. */
    public void sawOwnChange(OpenFile file) {
        if (file.bypassed) {
            file.seenAs = fingerprint(file.fd);
        }
    }

    /**
     * Records what the kernel wrote through a bypassed handle since it last looked, and settles
     * it; also called before the times or size of its file change (a write followed by setting
     * mtime back would otherwise go unseen).
     */
    public void catchUp(OpenFile file) throws IOException {
        if (!file.bypassed) {
            return;
        }
        OpenFile.Written now = fingerprint(file.fd);
        if (now == null || !now.equals(file.seenAs)) {
            beginWrite(file);
        }
        settle(file);
    }

    private OpenFile opened(int fd, int flags, TierAttr fresh) throws IOException {
        TieredFile file;
        try {
            file = fresh != null ? tiered.acquireNew(fd, fresh) : tiered.acquire(fd);
        } catch (ErrnoException e) {
            Native.LIBC.close(fd);
            throw e;
        }
        try {
            file.onOpened(fd, flags);
        } catch (IOException | RuntimeException e) {
            tiered.release(file);
            Native.LIBC.close(fd);
            throw e;
        }
        OpenFile open = new OpenFile(fd, file);
        if ((flags & Native.O_TRUNC) != 0 && (flags & Native.O_ACCMODE) != 0 && fresh == null) {
            changes.attributesChanged(fd, file.fileId(), file.attr().contentVersion());
        }
        changes.accessed(file.fileId());
        return open;
    }

    public OpenFile create(Pointer path, int mode, int flags, Caller caller) throws IOException {
        Pointer rel = FusePath.rel(path);
        int base = (flags & ~OPEN_STRIP) | Native.O_CLOEXEC;
        int fd = Native.LIBC.openat(root.fd(), rel, base | Native.O_CREAT | Native.O_EXCL, mode & 07777);
        if (fd < 0) {
            int errno = Native.errno();
            if (errno == Errno.EEXIST && (flags & Native.O_EXCL) == 0) {
                return open(path, flags);
            }
            throw new ErrnoException(errno, "create");
        }
        byte[] bytes = Native.bytes(path);
        TierAttr fresh = TierAttr.fresh(tiered.attrs().newId());
        try {
            Ownership.give(root, rel, bytes, caller, mode, false, false);
            tiered.attrs().write(fd, fresh);
        } catch (ErrnoException e) {
            Native.LIBC.close(fd);
            Native.LIBC.unlinkat(root.fd(), rel, 0);
            throw e;
        }
        tiered.space().add(0, 0, 1);
        changes.created(bytes, fd, fresh.fileId());
        return opened(fd, flags & ~Native.O_TRUNC, fresh);
    }

    public void mknod(Pointer path, int mode, long dev, Caller caller) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.mknodat(root.fd(), rel, mode, dev) != 0) {
            throw ErrnoException.last("mknod");
        }
        byte[] bytes = Native.bytes(path);
        long id = tiered.attrs().newId();
        try {
            Ownership.give(root, rel, bytes, caller, mode, false, false);
            tiered.attrs().write(root, rel, TierAttr.fresh(id));
        } catch (ErrnoException e) {
            Native.LIBC.unlinkat(root.fd(), rel, 0);
            throw e;
        }
        tiered.space().add(0, 0, 1);
        changes.created(bytes, rel, id, null);
    }

    public int read(OpenFile file, Pointer buf, long size, long offset) throws IOException {
        if (!file.tiered.whole() && !file.tiered.beforeRead(file.fd, offset, size)) {
            int through = file.tiered.readThrough(file.fd, buf, offset, size);
            if (through >= 0) {
                return through;
            }
        }
        long done = 0;
        while (done < size) {
            long n = Native.LIBC.pread(file.fd, done == 0 ? buf : buf.slice(done), size - done, offset + done);
            if (n < 0) {
                if (Native.errno() == Errno.EINTR) {
                    continue;
                }
                throw ErrnoException.last("pread");
            }
            if (n == 0) {
                break;
            }
            done += n;
        }
        return (int) done;
    }

    public int write(OpenFile file, Pointer buf, long size, long offset) throws IOException {
        beginWrite(file);
        admit(size);
        long done = 0;
        while (done < size) {
            long n = Native.LIBC.pwrite(file.fd, done == 0 ? buf : buf.slice(done), size - done, offset + done);
            if (n < 0) {
                if (Native.errno() == Errno.EINTR) {
                    continue;
                }
                if (done > 0) {
                    break;
                }
                throw ErrnoException.last("pwrite");
            }
            done += n;
        }
        wrote(file, done);
        return (int) done;
    }

    /** Holds a write at the hard limit until the service makes room, for a bounded time; then ENOSPC. */
    private void admit(long bytes) throws ErrnoException {
        try {
            if (!tiered.budget().admitWrite(bytes, tiered.settings().roomWait())) {
                throw new ErrnoException(Errno.ENOSPC, "write: the volume is at its hard limit (maxDiskUsage) and no room was made in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "write");
        }
    }

    /** Counts written bytes against the disk until the handle's space is next counted (at least every RECOUNT bytes). */
    private void wrote(OpenFile file, long bytes) {
        tiered.budget().uncounted(bytes);
        if (file.uncounted.addAndGet(bytes) >= RECOUNT) {
            long counted = file.uncounted.getAndSet(0);
            file.tiered.recountSpace(file.fd);
            tiered.budget().uncounted(-counted);
        }
    }

    /** The handle's first write since it was settled: the tier state records it before the bytes land. */
    private void beginWrite(OpenFile file) throws IOException {
        if (!file.dirty) {
            synchronized (file) {
                if (!file.dirty) {
                    file.tiered.onWritten(file.fd);
                    file.dirty = true;
                }
            }
        }
    }

    /** Records the handle's writes once (close, flush or fsync after writing). */
    private void settle(OpenFile file) {
        if (!file.dirty) {
            return;
        }
        synchronized (file) {
            if (file.dirty) {
                file.dirty = false;
                long counted = file.uncounted.getAndSet(0);
                changes.contentChanged(file, file.tiered.onSettled(file.fd));
                tiered.budget().uncounted(-counted);
                if (file.bypassed) {
                    file.seenAs = fingerprint(file.fd);
                }
            }
        }
    }

    /** What a write moves of an open file, or null when it cannot be read. */
    private static OpenFile.Written fingerprint(int fd) {
        Pointer st = STAT.get();
        try {
            Stat.fstat(fd, st);
        } catch (ErrnoException e) {
            return null;
        }
        return new OpenFile.Written(Stat.size(st), Stat.mtime(st));
    }

    /** A close(2) of one of the handle's descriptors (there may be more, and writes after it). */
    public void flush(OpenFile file) throws IOException {
        if (file.bypassed) {
            catchUp(file);
        } else {
            settle(file);
        }
    }

    public void fsync(OpenFile file, boolean dataOnly) throws IOException {
        int rc = dataOnly ? Native.LIBC.fdatasync(file.fd) : Native.LIBC.fsync(file.fd);
        if (rc != 0) {
            throw ErrnoException.last("fsync");
        }
        catchUp(file);
        settle(file);
    }

    public void release(OpenFile file) throws ErrnoException {
        try {
            catchUp(file);
        } catch (IOException e) {
            // the change stands; the reconciling walk compares the file with its record
        }
        settle(file);
        if (file.bypassed) {
            file.tiered.onUnseenWriterClosed();
        }
        file.tiered.onClosed();
        tiered.release(file.tiered);
        file.closeFd();
    }

    public void truncate(Pointer path, long size) throws IOException {
        int fd = root.open(FusePath.rel(path), Native.O_WRONLY | Native.O_NONBLOCK | Native.O_NOFOLLOW, 0, "truncate");
        try {
            TieredFile file = tiered.acquire(fd);
            try {
                long version = file.truncate(fd, size);
                changes.attributesChanged(fd, file.fileId(), version);
            } finally {
                tiered.release(file);
            }
        } finally {
            Native.LIBC.close(fd);
        }
    }

    public void ftruncate(OpenFile file, long size) throws IOException {
        long version = file.tiered.truncate(file.fd, size);
        sawOwnChange(file);
        changes.attributesChanged(file.fd, file.fileId(), version);
    }

    public void fallocate(OpenFile file, int mode, long offset, long length) throws IOException {
        beginWrite(file);
        boolean allocates = (mode & PUNCH_HOLE) == 0;
        if (allocates) {
            admit(length);
        }
        if (Native.LIBC.fallocate(file.fd, mode, offset, length) != 0) {
            throw ErrnoException.last("fallocate");
        }
        if (allocates) {
            wrote(file, length);
        }
    }

    public void chmod(Pointer path, int mode) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.fchmodat(root.fd(), rel, mode & 07777, 0) != 0) {
            throw ErrnoException.last("chmod");
        }
        attributesChanged(rel);
    }

    public void chown(Pointer path, int uid, int gid) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.fchownat(root.fd(), rel, uid, gid, Native.AT_SYMLINK_NOFOLLOW) != 0) {
            throw ErrnoException.last("chown");
        }
        attributesChanged(rel);
    }

    /** Passes the kernel's two timespecs (UTIME_NOW / UTIME_OMIT included) straight to utimensat. */
    public void utimens(Pointer path, Pointer times) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.utimensat(root.fd(), rel, times, Native.AT_SYMLINK_NOFOLLOW) != 0) {
            throw ErrnoException.last("utimensat");
        }
        attributesChanged(rel);
    }

    /** After a user's attribute change of a path: the tier record of a tiered file follows, then the journal. */
    void attributesChanged(Pointer rel) {
        Pointer st = STAT.get();
        try {
            Stat.lstat(root.fd(), rel, st);
            if (tiered.times().has(Stat.ino(st))) {
                tiered.attributesChanged(rel, Stat.ino(st));
                Stat.lstat(root.fd(), rel, st);
            }
            changes.attributesChanged(rel, st);
        } catch (ErrnoException e) {
            // the change stands; the reconciling walk will see it
        }
    }

    public void access(Pointer path, int mask) throws ErrnoException {
        if (Native.LIBC.faccessat(root.fd(), FusePath.rel(path), mask, 0) != 0) {
            throw ErrnoException.last("access");
        }
    }

    /**
     * The logical, "infinite" view: the mount's size is the reported capacity, used is the logical
     * size of every file (evicted ones included), so programs that check free space before writing
     * are not stopped by the size of the local cache. Name length and flags are the backing tree's.
     */
    public void statfs(Pointer stbuf) throws ErrnoException {
        if (Native.LIBC.fstatvfs(root.fd(), stbuf) != 0) {
            throw ErrnoException.last("statvfs");
        }
        SpaceAccounting space = tiered.space();
        long blocks = reportedCapacity / BLOCK;
        long used = Math.min(blocks, (space.logicalBytes() + BLOCK - 1) / BLOCK);
        long inodes = Math.max(1L << 32, space.files() * 2);
        stbuf.putLong(0, BLOCK);
        stbuf.putLong(8, BLOCK);
        stbuf.putLong(16, blocks);
        stbuf.putLong(24, blocks - used);
        stbuf.putLong(32, blocks - used);
        stbuf.putLong(40, inodes);
        stbuf.putLong(48, inodes - space.files());
        stbuf.putLong(56, inodes - space.files());
    }
}
