package dev.zero.agent.fs;

import java.time.Instant;

import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import jnr.ffi.Pointer;

/** Reads fields of a {@code struct stat} (x86-64 glibc layout) and turns it into a {@link FileMeta}. */
public final class Stat {
    private static final int NLINK = 16;
    private static final int MODE = 24;
    private static final int UID = 28;
    private static final int GID = 32;
    private static final int SIZE = 48;
    private static final int ATIME = 72;
    private static final int MTIME = 88;
    private static final int CTIME = 104;

    private Stat() {
    }

    public static Pointer allocate() {
        return Native.allocate(Native.STAT_SIZE);
    }

    /** lstat of a backing path into {@code buf}. */
    public static void lstat(Pointer rel, Pointer buf) throws ErrnoException {
        if (Native.LIBC.fstatat(Native.AT_FDCWD, rel, buf, Native.AT_SYMLINK_NOFOLLOW) != 0) {
            throw ErrnoException.last("lstat");
        }
    }

    public static void fstat(int fd, Pointer buf) throws ErrnoException {
        if (Native.LIBC.fstat(fd, buf) != 0) {
            throw ErrnoException.last("fstat");
        }
    }

    public static int mode(Pointer st) {
        return st.getInt(MODE);
    }

    public static int gid(Pointer st) {
        return st.getInt(GID);
    }

    public static long nlink(Pointer st) {
        return st.getLong(NLINK);
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

    public static FileMeta meta(Pointer st, long contentVersion) {
        int mode = st.getInt(MODE);
        return new FileMeta(type(mode), st.getLong(SIZE), mode & 07777, st.getInt(UID), st.getInt(GID),
                (int) Math.min(Integer.MAX_VALUE, st.getLong(NLINK)), time(st, ATIME), time(st, MTIME), time(st, CTIME),
                contentVersion);
    }

    private static Instant time(Pointer st, int offset) {
        return Instant.ofEpochSecond(st.getLong(offset), st.getLong(offset + 8));
    }
}
