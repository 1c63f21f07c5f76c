package dev.zero.agent.posix;

import java.nio.charset.StandardCharsets;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** Loads {@link LibC} once and holds the Linux constants and the small native-memory helpers the agent shares. */
public final class Native {
    public static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    public static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;

    public static final int O_ACCMODE = 03;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_DIRECT = 040000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;

    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;
    /** struct timespec's tv_nsec that leaves a time as it is (utimensat/futimens). */
    public static final long UTIME_OMIT = (1L << 30) - 2;

    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;

    public static final int XATTR_CREATE = 1;

    /** Size of {@code struct stat} on x86-64 glibc (also large enough on aarch64). */
    public static final int STAT_SIZE = 144;

    /** ".": a directory descriptor's own directory. */
    public static final Pointer DOT = cstr(".");
    /** "": with AT_EMPTY_PATH, the descriptor itself. */
    public static final int AT_EMPTY_PATH = 0x1000;

    private Native() {
    }

    /** errno of the last libc call on this thread. */
    public static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    public static Pointer cstr(String s) {
        return cstr(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Native NUL-terminated copy of {@code bytes}. */
    public static Pointer cstr(byte[] bytes) {
        Pointer p = Memory.allocateDirect(RUNTIME, bytes.length + 1);
        p.put(0, bytes, 0, bytes.length);
        p.putByte(bytes.length, (byte) 0);
        return p;
    }

    public static Pointer allocate(int size) {
        return Memory.allocateDirect(RUNTIME, size, true);
    }

    /** The bytes of a NUL-terminated string (looked for within the pointer's size where it has one, as {@link #cstr} gives). */
    public static byte[] bytes(Pointer p) {
        int len = p.indexOf(0, (byte) 0, (int) Math.min(p.size(), Integer.MAX_VALUE));
        byte[] b = new byte[len];
        p.get(0, b, 0, len);
        return b;
    }
}
