package dev.zero.agent.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.Pointer;

/**
 * The root of a backing tree, held as an open directory descriptor: every path the agent uses
 * is relative to it ({@code openat(fd(), rel, ...)}), so nothing depends on the process's
 * working directory, several trees can be served by one process, and paths near PATH_MAX work.
 * Extended attributes by path use the {@code *xattrat} system calls (Linux 6.13) where the
 * kernel has them, else {@code /proc/self/fd/<root>/<rel>}.
 */
public final class BackingRoot implements AutoCloseable {
    private static final long SETXATTRAT = 463;
    private static final long GETXATTRAT = 464;
    private static final long LISTXATTRAT = 465;
    private static final long REMOVEXATTRAT = 466;
    /** struct xattr_args { u64 value; u32 size; u32 flags; } */
    private static final int XATTR_ARGS_SIZE = 16;
    private static final ThreadLocal<Pointer> ARGS = ThreadLocal.withInitial(() -> Native.allocate(XATTR_ARGS_SIZE));

    private final Path path;
    private final int fd;
    private final boolean xattrat;
    private final byte[] procPrefix;
    private volatile boolean closed;

    private BackingRoot(Path path, int fd) {
        this.path = path;
        this.fd = fd;
        this.procPrefix = ("/proc/self/fd/" + fd + "/").getBytes(StandardCharsets.US_ASCII);
        long probe = Native.LIBC.syscall(LISTXATTRAT, fd, Native.DOT, 0, null, 0L);
        this.xattrat = probe >= 0 || Native.errno() != Errno.ENOSYS;
    }

    /** Opens (creating it if needed) the directory {@code path} as a backing root. */
    public static BackingRoot open(Path path) throws IOException {
        Path dir = Files.createDirectories(path.toAbsolutePath().normalize());
        int fd = Native.LIBC.openat(Native.AT_FDCWD, Native.cstr(dir.toString()), Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("open backing root " + dir);
        }
        return new BackingRoot(dir, fd);
    }

    /** The directory descriptor every relative path is resolved against. */
    public int fd() {
        return fd;
    }

    public Path path() {
        return path;
    }

    /** Opens a path of the tree; returns the descriptor or throws with the errno. */
    public int open(Pointer rel, int flags, int mode, String op) throws ErrnoException {
        int opened = Native.LIBC.openat(fd, rel, flags | Native.O_CLOEXEC, mode);
        if (opened < 0) {
            throw ErrnoException.last(op);
        }
        return opened;
    }

    /** A new open file description of the file behind {@code openFd}, with other flags (e.g. read-write for a reader's file). */
    public static int reopen(int openFd, int flags) throws ErrnoException {
        int opened = Native.LIBC.openat(Native.AT_FDCWD, Native.cstr("/proc/self/fd/" + openFd), flags | Native.O_CLOEXEC, 0);
        if (opened < 0) {
            throw ErrnoException.last("reopen");
        }
        return opened;
    }

    /** lgetxattr of a relative path (the symlink itself, not its target); libc's return convention (-1 and errno). */
    public long getxattr(Pointer rel, Pointer name, Pointer value, long size) {
        if (xattrat) {
            Pointer args = ARGS.get();
            args.putAddress(0, value == null ? 0 : value.address());
            args.putInt(8, (int) size);
            args.putInt(12, 0);
            return Native.LIBC.syscall(GETXATTRAT, fd, rel, Native.AT_SYMLINK_NOFOLLOW, name, args, XATTR_ARGS_SIZE);
        }
        return Native.LIBC.lgetxattr(proc(rel), name, value, size);
    }

    public int setxattr(Pointer rel, Pointer name, Pointer value, long size, int flags) {
        if (xattrat) {
            Pointer args = ARGS.get();
            args.putAddress(0, value == null ? 0 : value.address());
            args.putInt(8, (int) size);
            args.putInt(12, flags);
            return (int) Native.LIBC.syscall(SETXATTRAT, fd, rel, Native.AT_SYMLINK_NOFOLLOW, name, args, XATTR_ARGS_SIZE);
        }
        return Native.LIBC.lsetxattr(proc(rel), name, value, size, flags);
    }

    public long listxattr(Pointer rel, Pointer list, long size) {
        if (xattrat) {
            return Native.LIBC.syscall(LISTXATTRAT, fd, rel, Native.AT_SYMLINK_NOFOLLOW, list, size);
        }
        return Native.LIBC.llistxattr(proc(rel), list, size);
    }

    public int removexattr(Pointer rel, Pointer name) {
        if (xattrat) {
            return (int) Native.LIBC.syscall(REMOVEXATTRAT, fd, rel, Native.AT_SYMLINK_NOFOLLOW, name);
        }
        return Native.LIBC.lremovexattr(proc(rel), name);
    }

    private Pointer proc(Pointer rel) {
        byte[] tail = Native.bytes(rel);
        byte[] full = new byte[procPrefix.length + tail.length];
        System.arraycopy(procPrefix, 0, full, 0, procPrefix.length);
        System.arraycopy(tail, 0, full, procPrefix.length, tail.length);
        return Native.cstr(full);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Native.LIBC.close(fd);
        }
    }
}
