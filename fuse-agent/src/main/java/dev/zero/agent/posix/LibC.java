package dev.zero.agent.posix;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;

/**
 * The libc calls the agent needs, bound through jnr-ffi (glibc, x86-64/aarch64 Linux). Paths
 * are {@link Pointer}s to NUL-terminated bytes so that FUSE's own path buffers can be passed
 * straight through (no decoding, so non-UTF-8 names survive); the mount resolves them against
 * a descriptor of the backing root ({@link BackingRoot}), never the working directory. Read
 * errno with {@link Native#errno()} right after a call, on the same thread.
 */
public interface LibC {
    int fstatat(int dirfd, Pointer path, @Out Pointer statbuf, int flags);

    int fstat(int fd, @Out Pointer statbuf);

    int fstatvfs(int fd, @Out Pointer buf);

    int openat(int dirfd, Pointer path, int flags, int mode);

    int close(int fd);

    long pread(int fd, Pointer buf, long count, long offset);

    long pwrite(int fd, Pointer buf, long count, long offset);

    int ftruncate(int fd, long length);

    int fsync(int fd);

    int fdatasync(int fd);

    int fallocate(int fd, int mode, long offset, long len);

    int futimens(int fd, Pointer times);

    int mknodat(int dirfd, Pointer path, int mode, long dev);

    int mkdirat(int dirfd, Pointer path, int mode);

    int symlinkat(Pointer target, int newdirfd, Pointer linkpath);

    long readlinkat(int dirfd, Pointer path, Pointer buf, long bufsiz);

    int linkat(int olddirfd, Pointer oldpath, int newdirfd, Pointer newpath, int flags);

    int renameat2(int olddirfd, Pointer oldpath, int newdirfd, Pointer newpath, int flags);

    int unlinkat(int dirfd, Pointer path, int flags);

    int fchmodat(int dirfd, Pointer path, int mode, int flags);

    int fchownat(int dirfd, Pointer path, int owner, int group, int flags);

    int utimensat(int dirfd, Pointer path, Pointer times, int flags);

    int faccessat(int dirfd, Pointer path, int mode, int flags);

    long lgetxattr(Pointer path, Pointer name, Pointer value, long size);

    int lsetxattr(Pointer path, Pointer name, Pointer value, long size, int flags);

    long llistxattr(Pointer path, Pointer list, long size);

    int lremovexattr(Pointer path, Pointer name);

    long fgetxattr(int fd, Pointer name, Pointer value, long size);

    int fsetxattr(int fd, Pointer name, Pointer value, long size, int flags);

    int fremovexattr(int fd, Pointer name);

    /** getxattrat(2)/setxattrat(2) (Linux 6.13): dirfd, path, at_flags, name, struct xattr_args *, its size. */
    long syscall(long number, int dirfd, Pointer path, int atFlags, Pointer name, Pointer args, long argsSize);

    /** listxattrat(2) (Linux 6.13): dirfd, path, at_flags, list, size. */
    long syscall(long number, int dirfd, Pointer path, int atFlags, Pointer list, long size);

    /** removexattrat(2) (Linux 6.13): dirfd, path, at_flags, name. */
    long syscall(long number, int dirfd, Pointer path, int atFlags, Pointer name);

    Pointer fdopendir(int fd);

    Pointer readdir(Pointer dir);

    void rewinddir(Pointer dir);

    int closedir(Pointer dir);

    int dirfd(Pointer dir);

    int umask(int mask);
}
