package dev.zero.agent.mount;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;

/**
 * Native signatures of libfuse2's {@code struct fuse_operations} members, with every path as a
 * raw {@link Pointer} (jnr-fuse's own callbacks decode paths to {@code String}, which loses
 * non-UTF-8 names and allocates per call). Offsets are those of the C struct on 64-bit Linux.
 */
public final class RawOps {
    static final int GETATTR = 0;
    static final int READLINK = 8;
    static final int MKNOD = 24;
    static final int MKDIR = 32;
    static final int UNLINK = 40;
    static final int RMDIR = 48;
    static final int SYMLINK = 56;
    static final int RENAME = 64;
    static final int LINK = 72;
    static final int CHMOD = 80;
    static final int CHOWN = 88;
    static final int TRUNCATE = 96;
    static final int OPEN = 112;
    static final int READ = 120;
    static final int WRITE = 128;
    static final int STATFS = 136;
    static final int FLUSH = 144;
    static final int RELEASE = 152;
    static final int FSYNC = 160;
    static final int SETXATTR = 168;
    static final int GETXATTR = 176;
    static final int LISTXATTR = 184;
    static final int REMOVEXATTR = 192;
    static final int OPENDIR = 200;
    static final int READDIR = 208;
    static final int RELEASEDIR = 216;
    static final int FSYNCDIR = 224;
    static final int INIT = 232;
    static final int DESTROY = 240;
    static final int ACCESS = 248;
    static final int CREATE = 256;
    static final int FTRUNCATE = 264;
    static final int FGETATTR = 272;
    static final int UTIMENS = 288;
    /** The bit-field word after bmap: flag_nullpath_ok (bit 0), flag_nopath (1), flag_utime_omit_ok (2). */
    static final int FLAGS = 304;
    static final int FALLOCATE = 352;
    static final int SIZE = 360;

    static final int FLAG_NULLPATH_OK = 1;
    static final int FLAG_UTIME_OMIT_OK = 1 << 2;

    /** struct fuse_file_info: flags at 0, fh at 24. */
    static final int FI_FLAGS = 0;
    static final int FI_FH = 24;

    private RawOps() {
    }

    public interface P {
        @Delegate
        int call(Pointer path);
    }

    public interface PP {
        @Delegate
        int call(Pointer path, Pointer p);
    }

    public interface PI {
        @Delegate
        int call(Pointer path, int v);
    }

    public interface PII {
        @Delegate
        int call(Pointer path, int a, int b);
    }

    public interface PL {
        @Delegate
        int call(Pointer path, long v);
    }

    public interface PIL {
        @Delegate
        int call(Pointer path, int mode, long dev);
    }

    public interface PPL {
        @Delegate
        int call(Pointer path, Pointer buf, long size);
    }

    public interface PIP {
        @Delegate
        int call(Pointer path, int v, Pointer fi);
    }

    public interface PLP {
        @Delegate
        int call(Pointer path, long v, Pointer fi);
    }

    public interface PPP {
        @Delegate
        int call(Pointer path, Pointer p, Pointer fi);
    }

    public interface Io {
        @Delegate
        int call(Pointer path, Pointer buf, long size, long offset, Pointer fi);
    }

    public interface GetXattr {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, long size);
    }

    public interface SetXattr {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, long size, int flags);
    }

    public interface Readdir {
        @Delegate
        int call(Pointer path, Pointer buf, Pointer filler, long offset, Pointer fi);
    }

    public interface Fallocate {
        @Delegate
        int call(Pointer path, int mode, long offset, long length, Pointer fi);
    }

    public interface Init {
        @Delegate
        Pointer call(Pointer conn);
    }

    public interface Destroy {
        @Delegate
        void call(Pointer data);
    }

    /** libfuse2's fuse_fill_dir_t, called back from readdir. */
    public interface FillDir {
        @Delegate
        int call(Pointer buf, Pointer name, Pointer stbuf, long offset);
    }
}
