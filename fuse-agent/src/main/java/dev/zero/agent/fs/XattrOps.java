package dev.zero.agent.fs;

import dev.zero.agent.cache.TierAttrs;
import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import jnr.ffi.Pointer;

/**
 * Extended attributes, passed through to the backing file with the caller's name and buffer
 * pointers (no copy, no decoding: {@code security.capability}, asked by the kernel before every
 * write, costs one call). The agent's {@code trusted.zero*} namespace is invisible: get gives
 * ENODATA, set/remove give EPERM, list leaves it out.
 */
public final class XattrOps {
    private static final int LIST_MAX = 65536;
    private static final ThreadLocal<Pointer> LIST = ThreadLocal.withInitial(() -> Native.allocate(LIST_MAX));

    private final BackingRoot root;
    private final FileOps files;

    public XattrOps(BackingRoot root, FileOps files) {
        this.root = root;
        this.files = files;
    }

    public int get(Pointer path, Pointer name, Pointer value, long size) throws ErrnoException {
        if (TierAttrs.isHidden(name)) {
            throw new ErrnoException(Errno.ENODATA, "getxattr");
        }
        long n = root.getxattr(FusePath.rel(path), name, size == 0 ? null : value, size);
        if (n < 0) {
            throw ErrnoException.last("getxattr");
        }
        return (int) n;
    }

    public void set(Pointer path, Pointer name, Pointer value, long size, int flags) throws ErrnoException {
        if (TierAttrs.isHidden(name)) {
            throw new ErrnoException(Errno.EPERM, "setxattr");
        }
        Pointer rel = FusePath.rel(path);
        if (root.setxattr(rel, name, value, size, flags) != 0) {
            throw ErrnoException.last("setxattr");
        }
        files.attributesChanged(rel);
    }

    public void remove(Pointer path, Pointer name) throws ErrnoException {
        if (TierAttrs.isHidden(name)) {
            throw new ErrnoException(Errno.EPERM, "removexattr");
        }
        Pointer rel = FusePath.rel(path);
        if (root.removexattr(rel, name) != 0) {
            throw ErrnoException.last("removexattr");
        }
        files.attributesChanged(rel);
    }

    /** The backing list without the hidden names; size 0 asks for the needed length; ERANGE when too small. */
    public int list(Pointer path, Pointer out, long size) throws ErrnoException {
        Pointer all = LIST.get();
        long n = root.listxattr(FusePath.rel(path), all, LIST_MAX);
        if (n < 0) {
            throw ErrnoException.last("listxattr");
        }
        int kept = 0;
        int at = 0;
        while (at < n) {
            int end = at + (int) all.indexOf(at, (byte) 0);
            int len = end - at + 1;
            if (!TierAttrs.isHidden(all.slice(at))) {
                if (size > 0) {
                    if (kept + len > size) {
                        throw new ErrnoException(Errno.ERANGE, "listxattr");
                    }
                    all.transferTo(at, out, kept, len);
                }
                kept += len;
            }
            at = end + 1;
        }
        return kept;
    }
}
