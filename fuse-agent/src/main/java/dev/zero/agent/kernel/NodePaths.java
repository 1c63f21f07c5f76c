package dev.zero.agent.kernel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.fuse.kernel.Backing;
import dev.zero.fuse.kernel.Node;
import jnr.ffi.Pointer;

/**
 * The FUSE path ("/a/b") of an inode-transport {@link Node}, for the tree operations that keep
 * tier records and the journal by path. The kernel names nodes, not paths, so the path is read
 * back from the node's descriptor ({@code /proc/self/fd/N} follows renames) and checked to
 * lead to the same (device, inode) from the root; a rename racing with the check is retried,
 * and a node with no name left in the tree is ENOENT.
 */
final class NodePaths {
    private static final int PATH_MAX = 4096;
    private static final int ATTEMPTS = 8;
    private static final ThreadLocal<Pointer> LINK = ThreadLocal.withInitial(() -> Native.allocate(PATH_MAX + 1));
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    private final BackingRoot root;
    /** The tree's real path, as the kernel shows it in /proc/self/fd links. */
    private final byte[] rootPath;

    NodePaths(BackingRoot root) throws IOException {
        this.root = root;
        this.rootPath = root.path().toRealPath().toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The node's FUSE path now (raw bytes, "/" for the root). */
    byte[] of(Node n) throws ErrnoException {
        Pointer link = LINK.get();
        Pointer st = STAT.get();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long len = Native.LIBC.readlinkat(Native.AT_FDCWD, Native.cstr("/proc/self/fd/" + n.fd()), link, PATH_MAX + 1);
            if (len < 0) {
                throw ErrnoException.last("readlink of a node");
            }
            if (len > PATH_MAX) {
                throw new ErrnoException(Errno.ENAMETOOLONG, "path of a node");
            }
            byte[] abs = new byte[(int) len];
            link.get(0, abs, 0, abs.length);
            byte[] path = relative(abs);
            if (path == null) {
                break; // not in the tree any more ("... (deleted)")
            }
            Pointer rel = path.length == 1 ? Native.DOT : Native.cstr(Arrays.copyOfRange(path, 1, path.length));
            if (Native.LIBC.fstatat(root.fd(), rel, st, Native.AT_SYMLINK_NOFOLLOW) == 0 && Stat.ino(st) == n.inode()
                    && st.getLong(0) == n.device()) {
                return path;
            }
        }
        throw new ErrnoException(Errno.ENOENT, "path of a node (it has no name in the tree)");
    }

    /** The FUSE path of entry {@code name} of directory {@code dir}, NUL-terminated. */
    Pointer child(Node dir, MemorySegment name) throws ErrnoException {
        byte[] parent = of(dir);
        byte[] leaf = Backing.bytes(name);
        int slash = parent.length == 1 ? 0 : 1;
        byte[] path = Arrays.copyOf(parent, parent.length + slash + leaf.length);
        if (slash == 1) {
            path[parent.length] = '/';
        }
        System.arraycopy(leaf, 0, path, parent.length + slash, leaf.length);
        return Native.cstr(path);
    }

    /** The node's FUSE path, NUL-terminated. */
    Pointer path(Node n) throws ErrnoException {
        return Native.cstr(of(n));
    }

    /** "/x" for "{root}/x", "/" for the root itself, null for anything outside. */
    private byte[] relative(byte[] abs) {
        if (abs.length < rootPath.length || !Arrays.equals(abs, 0, rootPath.length, rootPath, 0, rootPath.length)) {
            return null;
        }
        if (abs.length == rootPath.length) {
            return new byte[] {'/'};
        }
        if (abs[rootPath.length] != '/') {
            return null;
        }
        return Arrays.copyOfRange(abs, rootPath.length, abs.length);
    }
}
