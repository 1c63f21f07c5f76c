package dev.zero.agent.fs;

import dev.zero.agent.cache.TierXattrs;
import jnr.ffi.Pointer;

/**
 * Regular-file and attribute operations on the backing tree. Paths are FUSE paths (absolute,
 * raw bytes); failures throw {@link ErrnoException} with the backing filesystem's errno.
 * read/write touch only the descriptor and FUSE's buffer: no xattr I/O, no allocation beyond
 * jnr's argument wrappers; the content version is bumped once per dirty handle on
 * flush/fsync/release.
 */
public final class FileOps {
    private static final int OPEN_STRIP = Native.O_CREAT | Native.O_EXCL | Native.O_NOCTTY | Native.O_DIRECT;

    private final ChangeReporter changes;
    private final TierXattrs xattrs;

    public FileOps(ChangeReporter changes) {
        this.changes = changes;
        this.xattrs = changes.xattrs();
    }

    public void getattr(Pointer path, Pointer stbuf) throws ErrnoException {
        Stat.lstat(FusePath.rel(path), stbuf);
    }

    public void fgetattr(OpenFile file, Pointer stbuf) throws ErrnoException {
        Stat.fstat(file.fd, stbuf);
    }

    public OpenFile open(Pointer path, int flags) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        int fd = Native.LIBC.openat(Native.AT_FDCWD, rel, (flags & ~OPEN_STRIP) | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("open");
        }
        return opened(fd, (flags & Native.O_TRUNC) != 0);
    }

    private OpenFile opened(int fd, boolean truncated) throws ErrnoException {
        long id;
        try {
            id = xattrs.ensureId(fd);
        } catch (ErrnoException e) {
            Native.LIBC.close(fd);
            throw e;
        }
        changes.accessed(id);
        return new OpenFile(fd, id, truncated);
    }

    public OpenFile create(Pointer path, int mode, int flags, Caller caller) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        int base = (flags & ~OPEN_STRIP) | Native.O_CLOEXEC;
        int fd = Native.LIBC.openat(Native.AT_FDCWD, rel, base | Native.O_CREAT | Native.O_EXCL, mode & 07777);
        if (fd < 0) {
            int errno = Native.errno();
            if (errno == 17 && (flags & Native.O_EXCL) == 0) {
                return open(path, flags);
            }
            throw new ErrnoException(errno, "create");
        }
        long id;
        byte[] bytes = Native.bytes(path);
        try {
            Ownership.give(rel, bytes, caller, mode, false, false);
            id = xattrs.initFile(fd);
        } catch (ErrnoException e) {
            Native.LIBC.close(fd);
            Native.LIBC.unlinkat(Native.AT_FDCWD, rel, 0);
            throw e;
        }
        changes.created(bytes, rel, id, null);
        return new OpenFile(fd, id, false);
    }

    public void mknod(Pointer path, int mode, long dev, Caller caller) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.mknodat(Native.AT_FDCWD, rel, mode, dev) != 0) {
            throw ErrnoException.last("mknod");
        }
        byte[] bytes = Native.bytes(path);
        long id;
        try {
            Ownership.give(rel, bytes, caller, mode, false, false);
            id = xattrs.initNode(rel, (mode & Native.S_IFMT) == Native.S_IFREG);
        } catch (ErrnoException e) {
            Native.LIBC.unlinkat(Native.AT_FDCWD, rel, 0);
            throw e;
        }
        changes.created(bytes, rel, id, null);
    }

    public int read(OpenFile file, Pointer buf, long size, long offset) throws ErrnoException {
        long done = 0;
        while (done < size) {
            long n = Native.LIBC.pread(file.fd, done == 0 ? buf : buf.slice(done), size - done, offset + done);
            if (n < 0) {
                if (Native.errno() == 4) {
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

    public int write(OpenFile file, Pointer buf, long size, long offset) throws ErrnoException {
        if (!file.dirty) {
            file.dirty = true;
        }
        long done = 0;
        while (done < size) {
            long n = Native.LIBC.pwrite(file.fd, done == 0 ? buf : buf.slice(done), size - done, offset + done);
            if (n < 0) {
                if (Native.errno() == 4) {
                    continue;
                }
                if (done > 0) {
                    break;
                }
                throw ErrnoException.last("pwrite");
            }
            done += n;
        }
        return (int) done;
    }

    public void flush(OpenFile file) {
        changes.settle(file);
    }

    public void fsync(OpenFile file, boolean dataOnly) throws ErrnoException {
        int rc = dataOnly ? Native.LIBC.fdatasync(file.fd) : Native.LIBC.fsync(file.fd);
        if (rc != 0) {
            throw ErrnoException.last("fsync");
        }
        changes.settle(file);
    }

    public void release(OpenFile file) throws ErrnoException {
        changes.settle(file);
        file.close();
    }

    public void truncate(Pointer path, long size) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.truncate(rel, size) != 0) {
            throw ErrnoException.last("truncate");
        }
        try {
            xattrs.contentChanged(rel);
        } catch (ErrnoException e) {
            // the truncate stands; the reconciling walk will notice the content
        }
        changes.attributesChanged(rel);
    }

    public void ftruncate(OpenFile file, long size) throws ErrnoException {
        if (Native.LIBC.ftruncate(file.fd, size) != 0) {
            throw ErrnoException.last("ftruncate");
        }
        file.dirty = true;
        changes.attributesChanged(file);
    }

    public void fallocate(OpenFile file, int mode, long offset, long length) throws ErrnoException {
        if (Native.LIBC.fallocate(file.fd, mode, offset, length) != 0) {
            throw ErrnoException.last("fallocate");
        }
        file.dirty = true;
    }

    public void chmod(Pointer path, int mode) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.fchmodat(Native.AT_FDCWD, rel, mode & 07777, 0) != 0) {
            throw ErrnoException.last("chmod");
        }
        changes.attributesChanged(rel);
    }

    public void chown(Pointer path, int uid, int gid) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.fchownat(Native.AT_FDCWD, rel, uid, gid, Native.AT_SYMLINK_NOFOLLOW) != 0) {
            throw ErrnoException.last("chown");
        }
        changes.attributesChanged(rel);
    }

    /** Passes the kernel's two timespecs (UTIME_NOW / UTIME_OMIT included) straight to utimensat. */
    public void utimens(Pointer path, Pointer times) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.utimensat(Native.AT_FDCWD, rel, times, Native.AT_SYMLINK_NOFOLLOW) != 0) {
            throw ErrnoException.last("utimensat");
        }
        changes.attributesChanged(rel);
    }

    public void access(Pointer path, int mask) throws ErrnoException {
        if (Native.LIBC.faccessat(Native.AT_FDCWD, FusePath.rel(path), mask, 0) != 0) {
            throw ErrnoException.last("access");
        }
    }

    public void statfs(Pointer stbuf) throws ErrnoException {
        if (Native.LIBC.statvfs(Native.DOT, stbuf) != 0) {
            throw ErrnoException.last("statvfs");
        }
    }
}
