package dev.zero.agent.fs;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;

/**
 * The libc calls the passthrough needs, bound through jnr-ffi (glibc, x86-64/aarch64 Linux).
 * Paths are {@link Pointer}s to NUL-terminated bytes so that FUSE's own path buffers can be
 * passed straight through (no decoding, so non-UTF-8 names survive) and relative paths resolve
 * against the process working directory, which the mount sets to the backing root. Read errno
 * with {@link Native#errno()} right after a call, on the same thread.
 */
public interface LibC {
    int fstatat(int dirfd, Pointer path, @Out Pointer statbuf, int flags);

    int fstat(int fd, @Out Pointer statbuf);

    int statvfs(Pointer path, @Out Pointer buf);

    int openat(int dirfd, Pointer path, int flags, int mode);

    int close(int fd);

    long pread(int fd, Pointer buf, long count, long offset);

    long pwrite(int fd, Pointer buf, long count, long offset);

    int ftruncate(int fd, long length);

    int truncate(Pointer path, long length);

    int fsync(int fd);

    int fdatasync(int fd);

    int fallocate(int fd, int mode, long offset, long len);

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

    Pointer opendir(Pointer path);

    Pointer readdir(Pointer dir);

    void rewinddir(Pointer dir);

    int closedir(Pointer dir);

    int dirfd(Pointer dir);

    int chdir(Pointer path);

    int umask(int mask);
}
