package dev.zero.agent.fs;

import dev.zero.agent.cache.TierAttr;
import dev.zero.agent.cache.TierAttrs;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import jnr.ffi.LastError;
import jnr.ffi.Pointer;

/** Directory operations on the backing tree. A FUSE directory handle is the address of a libc {@code DIR*}. */
public final class DirOps {
    private static final int DIRENT_INO = 0;
    private static final int DIRENT_TYPE = 18;
    private static final int DIRENT_NAME = 19;
    private static final ThreadLocal<Pointer> ENTRY_STAT = ThreadLocal.withInitial(Stat::allocate);
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    /** Receives one directory entry; returns true when the kernel's buffer is full. */
    @FunctionalInterface
    public interface Filler {
        boolean add(Pointer name, Pointer stat);
    }

    private final BackingRoot root;
    private final TieredFiles tiered;
    private final TierAttrs attrs;
    private final ChangeReporter changes;

    public DirOps(BackingRoot root, TieredFiles tiered, ChangeReporter changes) {
        this.root = root;
        this.tiered = tiered;
        this.attrs = tiered.attrs();
        this.changes = changes;
    }

    public void mkdir(Pointer path, int mode, Caller caller) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.mkdirat(root.fd(), rel, mode & 07777) != 0) {
            throw ErrnoException.last("mkdir");
        }
        byte[] bytes = Native.bytes(path);
        long id = attrs.newId();
        try {
            Ownership.give(root, rel, bytes, caller, mode, true, false);
            attrs.write(root, rel, TierAttr.fresh(id));
        } catch (ErrnoException e) {
            Native.LIBC.unlinkat(root.fd(), rel, Native.AT_REMOVEDIR);
            throw e;
        }
        Pointer st = STAT.get();
        if (Native.LIBC.fstatat(root.fd(), rel, st, Native.AT_SYMLINK_NOFOLLOW) == 0) {
            tiered.space().add(Stat.allocated(st), 0, 1);
        }
        changes.created(bytes, rel, id, null);
    }

    public void rmdir(Pointer path) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        Long id = attrs.idOrNull(root, rel);
        Pointer st = STAT.get();
        boolean known = Native.LIBC.fstatat(root.fd(), rel, st, Native.AT_SYMLINK_NOFOLLOW) == 0;
        if (Native.LIBC.unlinkat(root.fd(), rel, Native.AT_REMOVEDIR) != 0) {
            throw ErrnoException.last("rmdir");
        }
        if (known) {
            tiered.space().add(-Stat.allocated(st), 0, -1);
        }
        changes.unlinked(id, Native.bytes(path));
    }

    /** Opens the backing directory; returns the {@code DIR*} address to keep as the handle. */
    public long opendir(Pointer path) throws ErrnoException {
        int fd = root.open(FusePath.rel(path), Native.O_DIRECTORY, 0, "opendir");
        Pointer dir = Native.LIBC.fdopendir(fd);
        if (dir == null || dir.address() == 0) {
            ErrnoException e = ErrnoException.last("fdopendir");
            Native.LIBC.close(fd);
            throw e;
        }
        return dir.address();
    }

    /**
     * Lists the whole directory from the start (libfuse2 buffers it and serves the kernel's
     * offsets itself). Names go to the filler as the raw bytes of the backing entry; the stat
     * carries the inode number and the type (for use_ino and d_type).
     */
    public void readdir(long handle, Filler filler) throws ErrnoException {
        Pointer dir = Pointer.wrap(Native.RUNTIME, handle);
        Native.LIBC.rewinddir(dir);
        Pointer st = ENTRY_STAT.get();
        while (true) {
            LastError.setLastError(Native.RUNTIME, 0);
            Pointer ent = Native.LIBC.readdir(dir);
            if (ent == null || ent.address() == 0) {
                int errno = Native.errno();
                if (errno != 0) {
                    throw new ErrnoException(errno, "readdir");
                }
                return;
            }
            st.putLong(8, ent.getLong(DIRENT_INO));
            st.putInt(24, (ent.getByte(DIRENT_TYPE) & 0xff) << 12);
            if (filler.add(ent.slice(DIRENT_NAME), st)) {
                return;
            }
        }
    }

    public void releasedir(long handle) throws ErrnoException {
        if (Native.LIBC.closedir(Pointer.wrap(Native.RUNTIME, handle)) != 0) {
            throw ErrnoException.last("closedir");
        }
    }

    public void fsyncdir(long handle) throws ErrnoException {
        int fd = Native.LIBC.dirfd(Pointer.wrap(Native.RUNTIME, handle));
        if (fd < 0 || Native.LIBC.fsync(fd) != 0) {
            throw ErrnoException.last("fsyncdir");
        }
    }
}
