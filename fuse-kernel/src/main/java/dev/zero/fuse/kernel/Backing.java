package dev.zero.fuse.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * What the backing tree does for the requests that change it or move file content: {@link InodeFs}
 * keeps the nodes, handles, attributes and passthrough, and asks its backing for the rest. The
 * defaults mirror the tree as it is ({@link #MIRROR}); the agent's tiering overrides them. Names
 * are NUL-terminated segments; a failure throws {@link Errno}, which the kernel is answered with.
 */
public interface Backing {
    /** The tree as it is, nothing added. */
    Backing MIRROR = new Backing() {
    };

    /** O_DIRECT and O_APPEND are not for the daemon's own descriptors (see {@link #ownFlags}). */
    int OWN_FD_STRIP = 040000 | 02000;

    /**
     * An open file: the daemon's descriptor, whether its content is all present (so the kernel
     * may read and write the backing file itself), and the backing's own state for it.
     */
    record Opened(int fd, boolean present, Object state) {
    }

    /**
     * The flags for the daemon's own descriptor of a file the kernel opens with {@code flags}:
     * not O_DIRECT (its buffers are not aligned, every pread would fail with EINVAL) nor O_APPEND
     * (the kernel gives each WRITE its offset; pwrite would append instead), and no O_CREAT,
     * O_EXCL or O_NOCTTY. The kernel applies the caller's own flags to the caller's file.
     */
    static int ownFlags(int flags) {
        return (flags & ~(Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOCTTY | OWN_FD_STRIP)) | Libc.O_CLOEXEC;
    }

    /** The bytes of a NUL-terminated name. */
    static byte[] bytes(MemorySegment name) {
        long end = 0;
        while (name.get(JAVA_BYTE, end) != 0) {
            end++;
        }
        return name.asSlice(0, end).toArray(JAVA_BYTE);
    }

    /** Corrects a backing file's {@code struct stat} before the kernel is told it (e.g. times the daemon hides). */
    default void attributes(Node node, MemorySegment stat) {
    }

    default void mkdir(Node dir, MemorySegment name, int mode, int uid, int gid) throws Errno {
        Libc.mkdirat(dir.fd, name, mode);
        Libc.fchownat(dir.fd, name, uid, newGroup(dir, gid), Libc.AT_SYMLINK_NOFOLLOW);
    }

    default void mknod(Node dir, MemorySegment name, int mode, long rdev, int uid, int gid) throws Errno {
        Libc.mknodat(dir.fd, name, mode, rdev);
        Libc.fchownat(dir.fd, name, uid, newGroup(dir, gid), Libc.AT_SYMLINK_NOFOLLOW);
    }

    default void symlink(Node dir, MemorySegment name, MemorySegment target, int uid, int gid) throws Errno {
        Libc.symlinkat(target, dir.fd, name);
        Libc.fchownat(dir.fd, name, uid, newGroup(dir, gid), Libc.AT_SYMLINK_NOFOLLOW);
    }

    default void link(Node from, Node dir, MemorySegment name) throws Errno {
        Libc.linkat(from.fd, Scratch.get().empty, dir.fd, name, Libc.AT_EMPTY_PATH);
    }

    default void unlink(Node dir, MemorySegment name) throws Errno {
        Libc.unlinkat(dir.fd, name, 0);
    }

    default void rmdir(Node dir, MemorySegment name) throws Errno {
        Libc.unlinkat(dir.fd, name, Libc.AT_REMOVEDIR);
    }

    default void rename(Node fromDir, MemorySegment from, Node toDir, MemorySegment to, int flags) throws Errno {
        Libc.renameat2(fromDir.fd, from, toDir.fd, to, flags);
    }

    /**
     * Opens the node's file for the kernel's OPEN with {@code flags}, through its /proc link
     * (itself a symlink, so without O_NOFOLLOW: the kernel has resolved the name already).
     */
    default Opened open(Node node, int flags, int uid, int gid) throws Errno {
        return new Opened(Libc.open(Scratch.get().procPath(node.fd), ownFlags(flags) & ~Libc.O_NOFOLLOW, 0), true, null);
    }

    /** CREATE: opens {@code name} in {@code dir}, creating it if need be (O_EXCL as asked), owned by the caller. */
    default Opened create(Node dir, MemorySegment name, int flags, int mode, int uid, int gid) throws Errno {
        int fd = Libc.openat(dir.fd, name, ownFlags(flags) | Libc.O_CREAT | (flags & Libc.O_EXCL), mode);
        try {
            Libc.fchownat(fd, Scratch.get().empty, uid, newGroup(dir, gid), Libc.AT_EMPTY_PATH);
        } catch (Errno e) {
            Libc.close(fd);
            throw e;
        }
        return new Opened(fd, true, null);
    }

    /**
     * The kernel reads and writes {@code file}, an open file of {@code node}, itself from now on
     * (its open is passed through): none of its reads or writes will reach {@link #read} or
     * {@link #write}. Failing fails the open.
     */
    default void passingThrough(Node node, Opened file) throws Errno {
    }

    /**
     * Whether a READ or WRITE of {@code file} may wait long (content to fetch first): those are
     * answered from a thread of their own, so that a slow one holds no request loop.
     */
    default boolean mayWait(Opened file) {
        return false;
    }

    /** A READ that reached the daemon (the file is not passed through); returns the bytes read. */
    default int read(Opened file, MemorySegment out, int size, long offset) throws Errno {
        return (int) Libc.pread(file.fd(), out, size, offset);
    }

    /** A WRITE that reached the daemon; returns the bytes written. */
    default int write(Opened file, MemorySegment data, int size, long offset) throws Errno {
        return (int) Libc.pwrite(file.fd(), data, size, offset);
    }

    /**
     * A close(2) of one of the file's descriptors (there may be more, and writes after it); not
     * sent for a passed-through open, whose changes {@link #release} is the first to see.
     */
    default void flush(Opened file) throws Errno {
    }

    default void fsync(Opened file, boolean dataOnly) throws Errno {
        Libc.fsync(file.fd(), dataOnly);
    }

    /** The last close of the open file: its descriptor is closed here. Never fails. */
    default void release(Opened file) {
        Libc.close(file.fd());
    }

    /** lseek(2) of an open file, SEEK_DATA and SEEK_HOLE included (where the backing's holes may not be the file's). */
    default long lseek(Opened file, long offset, int whence) throws Errno {
        return Libc.lseek(file.fd(), offset, whence);
    }

    default void fallocate(Opened file, int mode, long offset, long length) throws Errno {
        Libc.fallocate(file.fd(), mode, offset, length);
    }

    default void chmod(Node node, int mode) throws Errno {
        Libc.fchmodat(Libc.AT_FDCWD, Scratch.get().procPath(node.fd), mode & 07777, 0);
    }

    /** Either id may be -1: unchanged. */
    default void chown(Node node, int uid, int gid) throws Errno {
        Libc.fchownat(node.fd, Scratch.get().empty, uid, gid, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW);
    }

    /** Truncates through {@code file} when the kernel names an open file, else through the node. */
    default void truncate(Node node, Opened file, long size) throws Errno {
        if (file != null) {
            Libc.ftruncate(file.fd(), size);
        } else {
            Libc.truncate(Scratch.get().procPath(node.fd), size);
        }
    }

    /** Two timespecs (UTIME_NOW and UTIME_OMIT included), as for utimensat. */
    default void utimens(Node node, MemorySegment times) throws Errno {
        if (node.symlink) {
            throw new Errno("utimensat of a symlink", Libc.EOPNOTSUPP);
        }
        Libc.utimensat(Libc.AT_FDCWD, Scratch.get().procPath(node.fd), times, 0);
    }

    /** getxattr(2): {@code size} 0 asks for the length. */
    default long getxattr(Node node, MemorySegment name, MemorySegment out, long size) throws Errno {
        return Libc.getxattr(xattrPath(node), name, size == 0 ? MemorySegment.NULL : out, size);
    }

    /** listxattr(2): {@code size} 0 asks for the length. */
    default long listxattr(Node node, MemorySegment out, long size) throws Errno {
        return Libc.listxattr(xattrPath(node), size == 0 ? MemorySegment.NULL : out, size);
    }

    default void setxattr(Node node, MemorySegment name, MemorySegment value, long size, int flags) throws Errno {
        Libc.setxattr(xattrPath(node), name, value, size, flags);
    }

    default void removexattr(Node node, MemorySegment name) throws Errno {
        Libc.removexattr(xattrPath(node), name);
    }

    /** Fills {@code fuse_kstatfs} (80 bytes) for the tree whose root is {@code root}. */
    default void statfs(Node root, MemorySegment out) throws Errno {
        MemorySegment b = Scratch.get().statfs;
        Libc.fstatfs(root.fd, b);
        for (int i = 0; i < 5; i++) {
            out.set(JAVA_LONG_UNALIGNED, 8L * i, b.get(JAVA_LONG_UNALIGNED, 16 + 8L * i)); // blocks, bfree, bavail, files, ffree
        }
        out.set(JAVA_INT_UNALIGNED, 40, (int) b.get(JAVA_LONG_UNALIGNED, 8)); // bsize
        out.set(JAVA_INT_UNALIGNED, 44, (int) b.get(JAVA_LONG_UNALIGNED, 64)); // namelen
        out.set(JAVA_INT_UNALIGNED, 48, (int) b.get(JAVA_LONG_UNALIGNED, 72)); // frsize
        out.asSlice(52, Protocol.STATFS_OUT - 52).fill((byte) 0);
    }

    /**
     * Extended attributes through the node's descriptor ("/proc/self/fd/N" leads to its inode).
     * A symbolic link's own attributes cannot be reached that way: ENOTSUP, as for user.* there.
     */
    private static MemorySegment xattrPath(Node n) throws Errno {
        if (n.symlink) {
            throw new Errno("xattr of a symlink", Libc.EOPNOTSUPP);
        }
        return Scratch.get().procPath(n.fd);
    }

    /** The group a new entry of {@code dir} gets: the caller's, unless the directory is set-gid. */
    static int newGroup(Node dir, int callerGid) throws Errno {
        MemorySegment st = Scratch.get().stat2;
        Libc.fstatat(dir.fd, Scratch.get().empty, st, Libc.AT_EMPTY_PATH);
        return (st.get(JAVA_INT_UNALIGNED, 24) & Libc.S_ISGID) != 0 ? -1 : callerGid;
    }
}
