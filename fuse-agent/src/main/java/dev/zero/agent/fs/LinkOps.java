package dev.zero.agent.fs;

import java.nio.charset.StandardCharsets;

import dev.zero.agent.cache.TierXattrs;
import jnr.ffi.Pointer;

/** Namespace operations: symlinks, hard links, unlink and rename, passed to the backing tree. */
public final class LinkOps {
    private final ChangeReporter changes;
    private final TierXattrs xattrs;

    public LinkOps(ChangeReporter changes) {
        this.changes = changes;
        this.xattrs = changes.xattrs();
    }

    /** Creates {@code path} as a symlink holding {@code target} verbatim. */
    public void symlink(Pointer target, Pointer path, Caller caller) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.symlinkat(target, Native.AT_FDCWD, rel) != 0) {
            throw ErrnoException.last("symlink");
        }
        byte[] bytes = Native.bytes(path);
        long id;
        try {
            Ownership.give(rel, bytes, caller, 0777, false, true);
            id = xattrs.initNode(rel, false);
        } catch (ErrnoException e) {
            Native.LIBC.unlinkat(Native.AT_FDCWD, rel, 0);
            throw e;
        }
        changes.created(bytes, rel, id, new String(Native.bytes(target), StandardCharsets.UTF_8));
    }

    /** libfuse2 readlink: at most size-1 bytes, then a NUL; returns nothing (0 to FUSE). */
    public void readlink(Pointer path, Pointer buf, long size) throws ErrnoException {
        if (size <= 0) {
            throw new ErrnoException(22, "readlink");
        }
        long n = Native.LIBC.readlinkat(Native.AT_FDCWD, FusePath.rel(path), buf, size - 1);
        if (n < 0) {
            throw ErrnoException.last("readlink");
        }
        buf.putByte(n, (byte) 0);
    }

    public void link(Pointer from, Pointer to) throws ErrnoException {
        Pointer toRel = FusePath.rel(to);
        if (Native.LIBC.linkat(Native.AT_FDCWD, FusePath.rel(from), Native.AT_FDCWD, toRel, 0) != 0) {
            throw ErrnoException.last("link");
        }
        changes.linked(Native.bytes(to), toRel);
    }

    public void unlink(Pointer path) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        Long id = xattrs.idOrNull(rel);
        if (Native.LIBC.unlinkat(Native.AT_FDCWD, rel, 0) != 0) {
            throw ErrnoException.last("unlink");
        }
        changes.unlinked(id, Native.bytes(path));
    }

    /**
     * renameat2 with the given flags (RENAME_NOREPLACE=1, RENAME_EXCHANGE=2 pass through; libfuse2
     * itself always gives 0). The backing filesystem enforces EISDIR, ENOTDIR, ENOTEMPTY and EINVAL.
     */
    public void rename(Pointer from, Pointer to, int flags) throws ErrnoException {
        Pointer fromRel = FusePath.rel(from);
        Long id = xattrs.idOrNull(fromRel);
        if (Native.LIBC.renameat2(Native.AT_FDCWD, fromRel, Native.AT_FDCWD, FusePath.rel(to), flags) != 0) {
            throw ErrnoException.last("rename");
        }
        changes.renamed(id, Native.bytes(from), Native.bytes(to));
    }
}
