package dev.zero.fuse.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the transport makes, as FFM downcalls that capture errno. A failing call
 * throws {@link Errno}; handlers turn it into the reply's error. Blocking calls pin a virtual
 * thread, so the request loops run on platform threads.
 */
final class Libc {
    static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400, O_TRUNC = 01000,
            O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000, O_CLOEXEC = 02000000, O_PATH = 010000000;
    static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000, S_ISUID = 04000, S_ISGID = 02000;
    static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, EACCES = 13, EEXIST = 17, ENODEV = 19, EISDIR = 21,
            EINVAL = 22, ENFILE = 23, EMFILE = 24, EROFS = 30, ERANGE = 34, ENOSYS = 38, ELOOP = 40, ENODATA = 61, EOPNOTSUPP = 95, ECONNABORTED = 103, ENOTCONN = 107, ECANCELED = 125;
    static final long MS_NOSUID = 2, MS_NODEV = 4;
    static final int MNT_DETACH = 2;
    static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CALL_STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE));

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd, options);
    }

    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPENAT = fn("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PREAD = fn("pread64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = fn("pwrite64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MOUNT = fn("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = fn("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FSTATAT = fn("fstatat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle FSTATFS = fn("fstatfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MKDIRAT = fn("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKNODAT = fn("mknodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle UNLINKAT = fn("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RENAMEAT2 = fn("renameat2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYMLINKAT = fn("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT = fn("readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle LINKAT = fn("linkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCHOWNAT = fn("fchownat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT = fn("fchmodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle TRUNCATE = fn("truncate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FTRUNCATE = fn("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle UTIMENSAT = fn("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle FSYNC = fn("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC = fn("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FALLOCATE = fn("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle GETDENTS64 = fn("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle GETXATTR = fn("getxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle SETXATTR = fn("setxattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LISTXATTR = fn("listxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle REMOVEXATTR = fn("removexattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle LSEEK = fn("lseek64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle GETRLIMIT = fn("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETRLIMIT = fn("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle UMASK = fn("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MMAP = fn("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = fn("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle EVENTFD = fn("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SCHED_SETAFFINITY = fn("sched_setaffinity", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    /** syscall(2) for io_uring, which glibc does not wrap: every argument passed as a long. */
    private static final MethodHandle SYSCALL6 = fn("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));

    private Libc() {
    }

    private static MemorySegment state() {
        return CALL_STATE.get();
    }

    /** A downcall returning int, given this thread's errno capture segment. */
    private interface IntCall {
        int call(MemorySegment state) throws Throwable;
    }

    /** A downcall returning long (ssize_t, off_t). */
    private interface LongCall {
        long call(MemorySegment state) throws Throwable;
    }

    private static int callInt(String name, IntCall call) throws Errno {
        return (int) callLong(name, call::call);
    }

    /** Makes a call; a negative result throws {@link Errno} with the errno it left. */
    private static long callLong(String name, LongCall call) throws Errno {
        MemorySegment s = state();
        long rc;
        try {
            rc = call.call(s);
        } catch (Throwable t) {
            throw bug(t);
        }
        if (rc < 0) {
            throw new Errno(name, (int) ERRNO.get(s, 0L));
        }
        return rc;
    }

    private static RuntimeException bug(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    static int open(MemorySegment path, int flags, int mode) throws Errno {
        return callInt("open", s -> (int) OPEN.invokeExact(s, path, flags, mode));
    }

    static int openat(int dir, MemorySegment name, int flags, int mode) throws Errno {
        return callInt("openat", s -> (int) OPENAT.invokeExact(s, dir, name, flags, mode));
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(state(), fd);
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    static long read(int fd, MemorySegment buf, long n) throws Errno {
        return callLong("read", s -> (long) READ.invokeExact(s, fd, buf, n));
    }

    static long write(int fd, MemorySegment buf, long n) throws Errno {
        return callLong("write", s -> (long) WRITE.invokeExact(s, fd, buf, n));
    }

    static long pread(int fd, MemorySegment buf, long n, long offset) throws Errno {
        return callLong("pread", s -> (long) PREAD.invokeExact(s, fd, buf, n, offset));
    }

    static long pwrite(int fd, MemorySegment buf, long n, long offset) throws Errno {
        return callLong("pwrite", s -> (long) PWRITE.invokeExact(s, fd, buf, n, offset));
    }

    static int ioctl(int fd, long request, MemorySegment arg) throws Errno {
        return callInt("ioctl", s -> (int) IOCTL.invokeExact(s, fd, request, arg));
    }

    static void mount(MemorySegment source, MemorySegment target, MemorySegment type, long flags, MemorySegment data) throws Errno {
        callInt("mount", s -> (int) MOUNT.invokeExact(s, source, target, type, flags, data));
    }

    static void umount2(MemorySegment target, int flags) throws Errno {
        callInt("umount2", s -> (int) UMOUNT2.invokeExact(s, target, flags));
    }

    static void fstatat(int dir, MemorySegment name, MemorySegment stat, int flags) throws Errno {
        callInt("fstatat", s -> (int) FSTATAT.invokeExact(s, dir, name, stat, flags));
    }

    static void fstatfs(int fd, MemorySegment buf) throws Errno {
        callInt("fstatfs", s -> (int) FSTATFS.invokeExact(s, fd, buf));
    }

    static void mkdirat(int dir, MemorySegment name, int mode) throws Errno {
        callInt("mkdirat", s -> (int) MKDIRAT.invokeExact(s, dir, name, mode));
    }

    static void mknodat(int dir, MemorySegment name, int mode, long dev) throws Errno {
        callInt("mknodat", s -> (int) MKNODAT.invokeExact(s, dir, name, mode, dev));
    }

    static void unlinkat(int dir, MemorySegment name, int flags) throws Errno {
        callInt("unlinkat", s -> (int) UNLINKAT.invokeExact(s, dir, name, flags));
    }

    static void renameat2(int fromDir, MemorySegment from, int toDir, MemorySegment to, int flags) throws Errno {
        callInt("renameat2", s -> (int) RENAMEAT2.invokeExact(s, fromDir, from, toDir, to, flags));
    }

    static void symlinkat(MemorySegment target, int dir, MemorySegment name) throws Errno {
        callInt("symlinkat", s -> (int) SYMLINKAT.invokeExact(s, target, dir, name));
    }

    static long readlinkat(int dir, MemorySegment name, MemorySegment buf, long size) throws Errno {
        return callLong("readlinkat", s -> (long) READLINKAT.invokeExact(s, dir, name, buf, size));
    }

    static void linkat(int fromDir, MemorySegment from, int toDir, MemorySegment to, int flags) throws Errno {
        callInt("linkat", s -> (int) LINKAT.invokeExact(s, fromDir, from, toDir, to, flags));
    }

    static void fchownat(int dir, MemorySegment name, int uid, int gid, int flags) throws Errno {
        callInt("fchownat", s -> (int) FCHOWNAT.invokeExact(s, dir, name, uid, gid, flags));
    }

    static void fchmodat(int dir, MemorySegment name, int mode, int flags) throws Errno {
        callInt("fchmodat", s -> (int) FCHMODAT.invokeExact(s, dir, name, mode, flags));
    }

    static void truncate(MemorySegment path, long size) throws Errno {
        callInt("truncate", s -> (int) TRUNCATE.invokeExact(s, path, size));
    }

    static void ftruncate(int fd, long size) throws Errno {
        callInt("ftruncate", s -> (int) FTRUNCATE.invokeExact(s, fd, size));
    }

    static void utimensat(int dir, MemorySegment name, MemorySegment times, int flags) throws Errno {
        callInt("utimensat", s -> (int) UTIMENSAT.invokeExact(s, dir, name, times, flags));
    }

    static void fsync(int fd, boolean dataOnly) throws Errno {
        callInt("fsync", s -> dataOnly ? (int) FDATASYNC.invokeExact(s, fd) : (int) FSYNC.invokeExact(s, fd));
    }

    static void fallocate(int fd, int mode, long offset, long length) throws Errno {
        callInt("fallocate", s -> (int) FALLOCATE.invokeExact(s, fd, mode, offset, length));
    }

    static long getdents64(int fd, MemorySegment buf, long size) throws Errno {
        return callLong("getdents64", s -> (long) GETDENTS64.invokeExact(s, fd, buf, size));
    }

    static long getxattr(MemorySegment path, MemorySegment name, MemorySegment value, long size) throws Errno {
        return callLong("getxattr", s -> (long) GETXATTR.invokeExact(s, path, name, value, size));
    }

    static void setxattr(MemorySegment path, MemorySegment name, MemorySegment value, long size, int flags) throws Errno {
        callInt("setxattr", s -> (int) SETXATTR.invokeExact(s, path, name, value, size, flags));
    }

    static long listxattr(MemorySegment path, MemorySegment list, long size) throws Errno {
        return callLong("listxattr", s -> (long) LISTXATTR.invokeExact(s, path, list, size));
    }

    static void removexattr(MemorySegment path, MemorySegment name) throws Errno {
        callInt("removexattr", s -> (int) REMOVEXATTR.invokeExact(s, path, name));
    }

    static long lseek(int fd, long offset, int whence) throws Errno {
        return callLong("lseek", s -> (long) LSEEK.invokeExact(s, fd, offset, whence));
    }

    static final int RLIMIT_NOFILE = 7;

    /** The soft and hard limit of {@code resource} (a struct rlimit: two 64-bit words). */
    static long[] getrlimit(int resource) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(16, 8);
            callInt("getrlimit", s -> (int) GETRLIMIT.invokeExact(s, resource, r));
            return new long[] {r.get(JAVA_LONG, 0), r.get(JAVA_LONG, 8)};
        }
    }

    static void setrlimit(int resource, long soft, long hard) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(16, 8);
            r.set(JAVA_LONG, 0, soft);
            r.set(JAVA_LONG, 8, hard);
            callInt("setrlimit", s -> (int) SETRLIMIT.invokeExact(s, resource, r));
        }
    }

    static int umask(int mask) {
        try {
            return (int) UMASK.invokeExact(state(), mask);
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    static final int PROT_READ_WRITE = 3, MAP_SHARED_POPULATE = 0x01 | 0x8000, MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20, EFD_CLOEXEC = 02000000;
    private static final long SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426;

    /** Maps {@code length} bytes of {@code fd} at {@code offset}, shared (for io_uring's rings). */
    static MemorySegment mmap(int fd, long length, long offset) throws Errno {
        return map(length, MAP_SHARED_POPULATE, fd, offset);
    }

    static void munmap(MemorySegment at) {
        try {
            int ignored = (int) MUNMAP.invokeExact(state(), at, at.byteSize());
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** Private anonymous memory, zero pages until touched (buffers the kernel fills only as far as a request goes). */
    static MemorySegment mmapAnonymous(long length) throws Errno {
        return map(length, MAP_PRIVATE_ANONYMOUS, -1, 0L);
    }

    /** mmap(2), read-write, anywhere; MAP_FAILED throws. */
    private static MemorySegment map(long length, int flags, int fd, long offset) throws Errno {
        MemorySegment s = state();
        MemorySegment at;
        try {
            at = (MemorySegment) MMAP.invokeExact(s, MemorySegment.NULL, length, PROT_READ_WRITE, flags, fd, offset);
        } catch (Throwable t) {
            throw bug(t);
        }
        if (at.address() == -1L) {
            throw new Errno("mmap", (int) ERRNO.get(s, 0L));
        }
        return at.reinterpret(length);
    }

    static int eventfd(int flags) throws Errno {
        return callInt("eventfd", s -> (int) EVENTFD.invokeExact(s, 0, flags));
    }

    /** Binds the calling thread to {@code cpu}. */
    static void pinToCpu(int cpu) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(128, 8); // a cpu_set_t: 1024 bits
            mask.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            callInt("sched_setaffinity", s -> (int) SCHED_SETAFFINITY.invokeExact(s, 0, mask.byteSize(), mask));
        }
    }

    static int ioUringSetup(int entries, MemorySegment params) throws Errno {
        return (int) callLong("io_uring_setup", s -> (long) SYSCALL6.invokeExact(s, SYS_IO_URING_SETUP, (long) entries, params.address(), 0L, 0L, 0L, 0L));
    }

    static int ioUringEnter(int ring, int toSubmit, int minComplete, int flags) throws Errno {
        return (int) callLong("io_uring_enter",
                s -> (long) SYSCALL6.invokeExact(s, SYS_IO_URING_ENTER, (long) ring, (long) toSubmit, (long) minComplete, (long) flags, 0L, 0L));
    }
}
