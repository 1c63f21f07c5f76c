package dev.zero.agent.fs;

import java.nio.charset.StandardCharsets;

import dev.zero.agent.posix.Native;
import jnr.ffi.Pointer;

/**
 * Paths as FUSE hands them over ("/a/b", NUL-terminated, raw bytes) turned into paths relative
 * to the backing root's descriptor ({@link dev.zero.agent.posix.BackingRoot}). Relative paths
 * keep paths near PATH_MAX working (an absolute prefix would exceed it).
 */
public final class FusePath {
    private FusePath() {
    }

    /** The backing path of a FUSE path without copying: the same bytes after the leading '/', or "." for the root. */
    public static Pointer rel(Pointer fusePath) {
        if (fusePath.getByte(1) == 0) {
            return Native.DOT;
        }
        return fusePath.slice(1);
    }

    /** Index of the last '/' in a FUSE path's bytes. */
    private static int lastSlash(byte[] path) {
        for (int i = path.length - 1; i >= 0; i--) {
            if (path[i] == '/') {
                return i;
            }
        }
        return 0;
    }

    /** The backing path of the parent directory of a FUSE path. */
    public static Pointer parentRel(byte[] fusePath) {
        int slash = lastSlash(fusePath);
        if (slash == 0) {
            return Native.DOT;
        }
        byte[] parent = new byte[slash - 1];
        System.arraycopy(fusePath, 1, parent, 0, slash - 1);
        return Native.cstr(parent);
    }

    /** The last component of a FUSE path, decoded as UTF-8 (for the change journal). */
    public static String name(byte[] fusePath) {
        int slash = lastSlash(fusePath);
        return new String(fusePath, slash + 1, fusePath.length - slash - 1, StandardCharsets.UTF_8);
    }
}
