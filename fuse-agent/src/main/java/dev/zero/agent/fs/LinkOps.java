package dev.zero.agent.fs;

import java.nio.charset.StandardCharsets;

import dev.zero.agent.cache.TierAttr;
import dev.zero.agent.cache.TierAttrs;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import jnr.ffi.Pointer;

/**
 * Namespace operations: symlinks, hard links, unlink and rename, passed to the backing tree.
 * A name that goes takes its file's space with it when it was the last; a link count change
 * moves a tiered file's ctime as it moves any other file's.
 */
public final class LinkOps {
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    private final BackingRoot root;
    private final TieredFiles tiered;
    private final TierAttrs attrs;
    private final ChangeReporter changes;

    public LinkOps(BackingRoot root, TieredFiles tiered, ChangeReporter changes) {
        this.root = root;
        this.tiered = tiered;
        this.attrs = tiered.attrs();
        this.changes = changes;
    }

    /** Creates {@code path} as a symlink holding {@code target} verbatim. */
    public void symlink(Pointer target, Pointer path, Caller caller) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        if (Native.LIBC.symlinkat(target, root.fd(), rel) != 0) {
            throw ErrnoException.last("symlink");
        }
        byte[] bytes = Native.bytes(path);
        long id = attrs.newId();
        try {
            Ownership.give(root, rel, bytes, caller, 0777, false, true);
            attrs.write(root, rel, TierAttr.fresh(id));
        } catch (ErrnoException e) {
            Native.LIBC.unlinkat(root.fd(), rel, 0);
            throw e;
        }
        tiered.space().add(0, 0, 1);
        changes.created(bytes, rel, id, new String(Native.bytes(target), StandardCharsets.UTF_8));
    }

    /** libfuse2 readlink: at most size-1 bytes, then a NUL; returns nothing (0 to FUSE). */
    public void readlink(Pointer path, Pointer buf, long size) throws ErrnoException {
        if (size <= 0) {
            throw new ErrnoException(Errno.EINVAL, "readlink");
        }
        long n = Native.LIBC.readlinkat(root.fd(), FusePath.rel(path), buf, size - 1);
        if (n < 0) {
            throw ErrnoException.last("readlink");
        }
        buf.putByte(n, (byte) 0);
    }

    public void link(Pointer from, Pointer to) throws ErrnoException {
        link(root.fd(), FusePath.rel(from), 0, to);
    }

    /** A new name {@code to} for what {@code fromRel} names from directory {@code fromDir} (linkat's flags: AT_EMPTY_PATH for a descriptor). */
    public void link(int fromDir, Pointer fromRel, int flags, Pointer to) throws ErrnoException {
        Pointer toRel = FusePath.rel(to);
        if (Native.LIBC.linkat(fromDir, fromRel, root.fd(), toRel, flags) != 0) {
            throw ErrnoException.last("link");
        }
        statusChanged(toRel);
        changes.linked(Native.bytes(to), toRel);
    }

    public void unlink(Pointer path) throws ErrnoException {
        Pointer rel = FusePath.rel(path);
        Long id = attrs.idOrNull(root, rel);
        Pointer st = STAT.get();
        boolean known = Native.LIBC.fstatat(root.fd(), rel, st, Native.AT_SYMLINK_NOFOLLOW) == 0;
        long inode = known ? Stat.ino(st) : -1;
        // A tiered file that keeps other names: hold it open to record its new ctime after the unlink.
        int keep = known && Stat.nlink(st) > 1 && tiered.times().has(inode)
                ? Native.LIBC.openat(root.fd(), rel, Native.O_NOATIME | Native.O_NONBLOCK | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0) : -1;
        long allocated = known ? Stat.allocated(st) : 0;
        long size = known && Stat.isRegular(st) ? Stat.size(st) : 0;
        boolean last = known && Stat.nlink(st) <= 1;
        try {
            if (Native.LIBC.unlinkat(root.fd(), rel, 0) != 0) {
                throw ErrnoException.last("unlink");
            }
            if (last) {
                tiered.space().add(-allocated, -size, -1);
                tiered.times().forget(inode);
            } else if (keep >= 0) {
                tiered.attributesChanged(keep, inode);
            }
        } finally {
            if (keep >= 0) {
                Native.LIBC.close(keep);
            }
        }
        changes.unlinked(id, Native.bytes(path));
    }

    /**
     * renameat2 with the given flags (RENAME_NOREPLACE=1, RENAME_EXCHANGE=2 pass through; libfuse2
     * itself always gives 0). The backing filesystem enforces EISDIR, ENOTDIR, ENOTEMPTY and EINVAL.
     */
    public void rename(Pointer from, Pointer to, int flags) throws ErrnoException {
        Pointer fromRel = FusePath.rel(from);
        Pointer toRel = FusePath.rel(to);
        Long id = attrs.idOrNull(root, fromRel);
        Pointer st = STAT.get();
        boolean replaces = (flags & 2) == 0 && Native.LIBC.fstatat(root.fd(), toRel, st, Native.AT_SYMLINK_NOFOLLOW) == 0;
        boolean lastName = replaces && (Stat.nlink(st) <= 1 || Stat.isDirectory(st));
        long replacedInode = replaces ? Stat.ino(st) : -1;
        long allocated = lastName ? Stat.allocated(st) : 0;
        long size = lastName && Stat.isRegular(st) ? Stat.size(st) : 0;
        if (Native.LIBC.renameat2(root.fd(), fromRel, root.fd(), toRel, flags) != 0) {
            throw ErrnoException.last("rename");
        }
        if (replaces && replacedInode != movedInode(toRel)) {
            if (lastName) {
                tiered.space().add(-allocated, -size, -1);
                tiered.times().forget(replacedInode);
            }
        }
        statusChanged(toRel);
        if ((flags & 2) != 0) {
            statusChanged(fromRel);
        }
        changes.renamed(id, Native.bytes(from), Native.bytes(to));
    }

    private long movedInode(Pointer rel) {
        Pointer st = STAT.get();
        return Native.LIBC.fstatat(root.fd(), rel, st, Native.AT_SYMLINK_NOFOLLOW) == 0 ? Stat.ino(st) : -2;
    }

    /** A link, unlink or rename moved the file's ctime: a tiered file's kept ctime follows. */
    private void statusChanged(Pointer rel) {
        Pointer st = STAT.get();
        if (Native.LIBC.fstatat(root.fd(), rel, st, Native.AT_SYMLINK_NOFOLLOW) == 0 && tiered.times().has(Stat.ino(st))) {
            tiered.attributesChanged(rel, Stat.ino(st));
        }
    }
}
