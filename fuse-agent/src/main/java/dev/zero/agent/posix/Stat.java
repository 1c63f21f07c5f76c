package dev.zero.agent.posix;

import java.time.Instant;

import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import jnr.ffi.Pointer;

/** Reads and writes fields of a {@code struct stat} (x86-64 glibc layout) and turns it into a {@link FileMeta}. */
public final class Stat {
    private static final int DEV = 0;
    private static final int INO = 8;
    private static final int NLINK = 16;
    private static final int MODE = 24;
    private static final int UID = 28;
    private static final int GID = 32;
    private static final int SIZE = 48;
    private static final int BLOCKS = 64;
    private static final int ATIME = 72;
    private static final int MTIME = 88;
    private static final int CTIME = 104;

    private Stat() {
    }

    public static Pointer allocate() {
        return Native.allocate(Native.STAT_SIZE);
    }

    /** lstat of a path relative to {@code dirfd} (AT_FDCWD for absolute paths) into {@code buf}. */
    public static void lstat(int dirfd, Pointer rel, Pointer buf) throws ErrnoException {
        if (Native.LIBC.fstatat(dirfd, rel, buf, Native.AT_SYMLINK_NOFOLLOW) != 0) {
            throw ErrnoException.last("lstat");
        }
    }

    public static void fstat(int fd, Pointer buf) throws ErrnoException {
        if (Native.LIBC.fstat(fd, buf) != 0) {
            throw ErrnoException.last("fstat");
        }
    }

    public static long dev(Pointer st) {
        return st.getLong(DEV);
    }

    public static long ino(Pointer st) {
        return st.getLong(INO);
    }

    public static int mode(Pointer st) {
        return st.getInt(MODE);
    }

    public static int uid(Pointer st) {
        return st.getInt(UID);
    }

    public static int gid(Pointer st) {
        return st.getInt(GID);
    }

    public static long nlink(Pointer st) {
        return st.getLong(NLINK);
    }

    public static long size(Pointer st) {
        return st.getLong(SIZE);
    }

    /** Bytes the file occupies on disk (st_blocks is in 512-byte units whatever the block size). */
    public static long allocated(Pointer st) {
        return st.getLong(BLOCKS) * 512;
    }

    public static boolean isRegular(Pointer st) {
        return (mode(st) & Native.S_IFMT) == Native.S_IFREG;
    }

    public static boolean isDirectory(Pointer st) {
        return (mode(st) & Native.S_IFMT) == Native.S_IFDIR;
    }

    public static Timespec atime(Pointer st) {
        return new Timespec(st.getLong(ATIME), (int) st.getLong(ATIME + 8));
    }

    public static Timespec mtime(Pointer st) {
        return new Timespec(st.getLong(MTIME), (int) st.getLong(MTIME + 8));
    }

    public static Timespec ctime(Pointer st) {
        return new Timespec(st.getLong(CTIME), (int) st.getLong(CTIME + 8));
    }

    public static void setMtime(Pointer st, Timespec t) {
        st.putLong(MTIME, t.sec());
        st.putLong(MTIME + 8, t.nsec());
    }

    public static void setCtime(Pointer st, Timespec t) {
        st.putLong(CTIME, t.sec());
        st.putLong(CTIME + 8, t.nsec());
    }

    public static FileType type(int mode) {
        return switch (mode & Native.S_IFMT) {
            case Native.S_IFDIR -> FileType.DIRECTORY;
            case Native.S_IFLNK -> FileType.SYMLINK;
            case Native.S_IFIFO -> FileType.FIFO;
            case Native.S_IFSOCK -> FileType.SOCKET;
            case Native.S_IFCHR -> FileType.CHAR_DEVICE;
            case Native.S_IFBLK -> FileType.BLOCK_DEVICE;
            default -> FileType.FILE;
        };
    }

    /** The file as the catalogue records it; {@code ctime} is the one users see (the mount may keep the true one itself). */
    public static FileMeta meta(Pointer st, long contentVersion, Timespec ctime) {
        int mode = st.getInt(MODE);
        return new FileMeta(type(mode), st.getLong(SIZE), mode & 07777, st.getInt(UID), st.getInt(GID),
                (int) Math.min(Integer.MAX_VALUE, st.getLong(NLINK)), atime(st).toInstant(), mtime(st).toInstant(), ctime.toInstant(),
                contentVersion);
    }

    public static FileMeta meta(Pointer st, long contentVersion) {
        return meta(st, contentVersion, ctime(st));
    }

    /** A {@code struct timespec}: seconds and nanoseconds since the epoch. */
    public record Timespec(long sec, int nsec) {
        public Instant toInstant() {
            return Instant.ofEpochSecond(sec, nsec);
        }
    }
}
