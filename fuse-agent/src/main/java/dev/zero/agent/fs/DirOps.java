package dev.zero.agent.fs;

import dev.zero.agent.cache.TierXattrs;
import jnr.ffi.LastError;
import jnr.ffi.Pointer;

/** Directory operations on the backing tree. A FUSE directory handle is the address of a libc {@code DIR*}. */
public final class DirOps {
    private static final int DIRENT_INO = 0;
    private static final int DIRENT_TYPE = 18;
    private static final int DIRENT_NAME = 19;
    private static final ThreadLocal<Pointer> ENTRY_STAT = ThreadLocal.withInitial(Stat::allocate);

    /** Receives one directory entry; returns true when the kernel's buffer is full. */
    @FunctionalInterface
    public interface Filler {
        boolean add(Pointer name, Pointer stat);
    }

    private final ChangeReporter changes;
    private final TierXattrs xattrs;

    public DirOps(ChangeReporter changes) {
        this.changes = changes;
        this.xattrs = changes.xattrs();
    }

    public void mkdir(Pointer path, int mode, Caller caller) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.mkdirat(Native.AT_FDCWD, rel, mode & 07777) != 0) {
            throw ErrnoException.last("mkdir");
        }
        byte[] bytes = Native.bytes(path);
        long id;
        try {
            Ownership.give(rel, bytes, caller, mode, true, false);
            id = xattrs.initNode(rel, false);
        } catch (ErrnoException e) {
            Native.LIBC.unlinkat(Native.AT_FDCWD, rel, Native.AT_REMOVEDIR);
            throw e;
        }
        changes.created(bytes, rel, id, null);
    }

    public void rmdir(Pointer path) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        Long id = xattrs.idOrNull(rel);
        if (Native.LIBC.unlinkat(Native.AT_FDCWD, rel, Native.AT_REMOVEDIR) != 0) {
            throw ErrnoException.last("rmdir");
        }
        changes.unlinked(id, Native.bytes(path));
    }

    /** Opens the backing directory; returns the {@code DIR*} address to keep as the handle. */
    public long opendir(Pointer path) throws ErrnoException {
        Pointer dir = Native.LIBC.opendir(FusePath.rel(path));
        if (dir == null || dir.address() == 0) {
            throw ErrnoException.last("opendir");
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
