package dev.zero.agent.fs;

import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import jnr.ffi.Pointer;

/**
 * Gives a just-created backing object to the caller, as a kernel filesystem would have created
 * it: owner = caller's uid; group = caller's gid, or the parent's group under a set-group-id
 * directory (the backing filesystem already inherited it, and the set-gid bit of new
 * subdirectories). chown clears set-uid/set-gid on non-directories, so the requested mode is
 * applied again afterwards; a set-gid bit the caller may not have (not root, not the file's
 * group) is dropped, as the kernel's inode_init_owner does.
 */
final class Ownership {
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    private Ownership() {
    }

    static void give(BackingRoot root, Pointer rel, byte[] path, Caller caller, int mode, boolean isDir, boolean isSymlink)
            throws ErrnoException {
        Pointer st = STAT.get();
        Stat.lstat(root.fd(), FusePath.parentRel(path), st);
        boolean inherit = (Stat.mode(st) & Native.S_ISGID) != 0;
        int parentGid = Stat.gid(st);
        int gid = inherit ? -1 : caller.gid();
        int resultGid = inherit ? parentGid : caller.gid();
        if (caller.uid() != 0 || resultGid != 0) {
            if (Native.LIBC.fchownat(root.fd(), rel, caller.uid(), gid, Native.AT_SYMLINK_NOFOLLOW) != 0) {
                throw ErrnoException.last("fchownat");
            }
        }
        if (isSymlink || isDir) {
            return;
        }
        int perm = mode & 07777;
        if ((perm & Native.S_ISGID) != 0 && caller.uid() != 0 && resultGid != caller.gid()) {
            perm &= ~Native.S_ISGID;
        }
        if ((perm & (Native.S_ISUID | Native.S_ISGID)) != 0 || perm != (mode & 07777)) {
            if (Native.LIBC.fchmodat(root.fd(), rel, perm, 0) != 0) {
                throw ErrnoException.last("fchmodat");
            }
        }
    }
}
