package dev.zero.fuse.kernel;

/** The numbers of the FUSE protocol (linux/fuse.h, 7.40) that the transport uses. */
final class Protocol {
    private Protocol() {
    }

    static final int MAJOR = 7, MINOR = 40;
    static final long ROOT_ID = 1;

    // opcodes
    static final int LOOKUP = 1, FORGET = 2, GETATTR = 3, SETATTR = 4, READLINK = 5, SYMLINK = 6, MKNOD = 8, MKDIR = 9, UNLINK = 10, RMDIR = 11,
            RENAME = 12, LINK = 13, OPEN = 14, READ = 15, WRITE = 16, STATFS = 17, RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22,
            LISTXATTR = 23, REMOVEXATTR = 24, FLUSH = 25, INIT = 26, OPENDIR = 27, READDIR = 28, RELEASEDIR = 29, FSYNCDIR = 30, ACCESS = 34,
            CREATE = 35, INTERRUPT = 36, DESTROY = 38, BATCH_FORGET = 42, FALLOCATE = 43, READDIRPLUS = 44, RENAME2 = 45, LSEEK = 46;
    static final int OPCODES = 64;

    // INIT flags (the upper 32 bits travel in flags2)
    static final long ASYNC_READ = 1L << 0, ATOMIC_O_TRUNC = 1L << 3, BIG_WRITES = 1L << 5, DO_READDIRPLUS = 1L << 13, READDIRPLUS_AUTO = 1L << 14, PARALLEL_DIROPS = 1L << 18, MAX_PAGES = 1L << 22,
            WRITEBACK_CACHE = 1L << 16, HANDLE_KILLPRIV_V2 = 1L << 28, INIT_EXT = 1L << 30, DIRECT_IO_ALLOW_MMAP = 1L << 36, PASSTHROUGH = 1L << 37, OVER_IO_URING = 1L << 41;

    // notification codes (in the error field of an out header with unique 0)
    static final int NOTIFY_INVAL_INODE = 2, NOTIFY_INVAL_ENTRY = 3;

    // OPEN reply flags
    static final int FOPEN_DIRECT_IO = 1 << 0, FOPEN_NOFLUSH = 1 << 5, FOPEN_PASSTHROUGH = 1 << 7;
    // OPEN request open_flags, WRITE write_flags
    static final int OPEN_KILL_SUIDGID = 1 << 0, WRITE_KILL_SUIDGID = 1 << 2;

    // SETATTR valid bits
    static final int FATTR_MODE = 1, FATTR_UID = 2, FATTR_GID = 4, FATTR_SIZE = 8, FATTR_ATIME = 16, FATTR_MTIME = 32, FATTR_FH = 64,
            FATTR_ATIME_NOW = 128, FATTR_MTIME_NOW = 256, FATTR_KILL_SUIDGID = 2048;

    // /dev/fuse ioctls: struct fuse_backing_map { i32 fd; u32 flags; u64 padding; }
    static final long DEV_IOC_BACKING_OPEN = 0x4010E501L, DEV_IOC_BACKING_CLOSE = 0x4004E502L;

    // sizes of the structs
    static final int IN_HEADER = 40, OUT_HEADER = 16, ATTR = 88, ENTRY_OUT = 40 + ATTR, ATTR_OUT = 16 + ATTR, OPEN_OUT = 16, INIT_OUT = 64,
            WRITE_OUT = 8, STATFS_OUT = 80;
    static final int MAX_WRITE = 1 << 20, MAX_PAGES_COUNT = MAX_WRITE / 4096;
    /** A request buffer holds the largest WRITE and its headers. */
    static final int BUFFER = MAX_WRITE + 4096 * 2;
}
