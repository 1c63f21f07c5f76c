package dev.zero.agent.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.fs.Caller;
import dev.zero.agent.fs.ChangeLog;
import dev.zero.agent.fs.DirOps;
import dev.zero.agent.fs.FileOps;
import dev.zero.agent.fs.LinkOps;
import dev.zero.agent.fs.ErrnoMapper;
import dev.zero.agent.fs.OpenFile;
import dev.zero.agent.fs.TreeOps;
import dev.zero.agent.fs.XattrOps;
import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.provider.jffi.ClosureHelper;
import ru.serce.jnrfuse.FuseStubFS;

/**
 * The passthrough FUSE filesystem: every operation is one try/catch around a handler
 * ({@link FileOps}, {@link DirOps}, {@link LinkOps}, {@link XattrOps}) with errno from
 * {@link ErrnoMapper}. It extends jnr-fuse's {@link FuseStubFS} for library loading and its
 * operations struct (served by {@link FuseLoop}), but installs its own callbacks in that struct
 * so that paths and buffers stay raw pointers (non-UTF-8 names, no copies), and sets the struct's
 * {@code flag_nullpath_ok} and {@code flag_utime_omit_ok} bits that jnr-fuse leaves at 0.
 * <p>
 * The backing tree is reached through paths relative to a descriptor of its root
 * ({@link BackingRoot}); nothing depends on the working directory. Mount it with {@link FuseMount}.
 */
public final class ZeroFs extends FuseStubFS {
    private static final int FUSE_CAP_ATOMIC_O_TRUNC = 1 << 3;

    /** fuse_get_context: uid at offset 8, gid at 12. */
    public interface FuseContextLib {
        Pointer fuse_get_context();
    }

    private static final FuseContextLib CONTEXT = loadContextLib();
    public static final Duration DEFAULT_DIR_ATTR_TIMEOUT = Duration.ofSeconds(1);

    private final BackingRoot root;
    private final TieredFiles tiered;
    private final FileOps files;
    private final DirOps dirs;
    private final LinkOps links;
    private final XattrOps xattrOps;
    private final DirAttrCache dirAttrs;
    private final HandleTable<OpenFile> handles = new HandleTable<>();
    private final List<Object> closures = new ArrayList<>();
    private volatile Pointer fillerAddress;
    private volatile RawOps.FillDir filler;
    private int previousUmask = -1;

    /**
     * @param dirAttrTimeout how long the kernel may cache the attributes of directories (other
     *        files follow the mount's attr_timeout); see {@link DirAttrCache}. Zero disables it.
     * @param reportedCapacity the size {@code df} shows for the mount
     */
    public ZeroFs(TieredFiles tiered, ChangeLog changeLog, Duration dirAttrTimeout, long reportedCapacity) {
        this.dirAttrs = new DirAttrCache(dirAttrTimeout);
        this.tiered = tiered;
        this.root = tiered.root();
        TreeOps ops = TreeOps.of(tiered, changeLog, reportedCapacity);
        this.files = ops.files();
        this.dirs = ops.dirs();
        this.links = ops.links();
        this.xattrOps = ops.xattrs();
        install();
    }

    public Path backingRoot() {
        return root.path();
    }

    public TieredFiles tiered() {
        return tiered;
    }

    /** The {@code struct fuse_operations} to hand to libfuse. */
    Pointer operations() {
        return Struct.getMemory(fuseOperations);
    }

    long operationsSize() {
        return Struct.size(fuseOperations);
    }

    /** Open file handles right now (for tests and health). */
    public int openHandles() {
        return handles.size();
    }

    /**
     * Labels the root and sets umask 0 (the kernel has already applied the caller's umask, so the
     * agent must not apply its own again; the umask is per process). Called by {@link FuseMount}.
     */
    void enter() throws IOException {
        tiered.attrs().markRoot(root);
        previousUmask = Native.LIBC.umask(0);
    }

    /** Undoes {@link #enter()}: umask restored, handles closed. */
    void leave() {
        try {
            handles.closeAll(files::release);
        } catch (IOException e) {
            // descriptors of a dead mount; nothing else to do
        }
        if (previousUmask >= 0) {
            Native.LIBC.umask(previousUmask);
            previousUmask = -1;
        }
        mounted.set(false);
    }

    private static Caller caller() {
        Pointer ctx = CONTEXT.fuse_get_context();
        return new Caller(ctx.getInt(8), ctx.getInt(12));
    }

    // ---- the operations: one try/catch each ----

    int getattr(Pointer path, Pointer stbuf) {
        try {
            files.getattr(path, stbuf);
            if ((Stat.mode(stbuf) & Native.S_IFMT) == Native.S_IFDIR) {
                dirAttrs.directoryAttributes();
            }
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "getattr");
        }
    }

    int fgetattr(Pointer path, Pointer stbuf, Pointer fi) {
        try {
            files.fgetattr(handles.get(fi.getLong(RawOps.FI_FH)), stbuf);
            if ((Stat.mode(stbuf) & Native.S_IFMT) == Native.S_IFDIR) {
                dirAttrs.directoryAttributes();
            }
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "fgetattr");
        }
    }

    int readlink(Pointer path, Pointer buf, long size) {
        try {
            links.readlink(path, buf, size);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "readlink");
        }
    }

    int mknod(Pointer path, int mode, long dev) {
        try {
            files.mknod(path, mode, dev, caller());
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "mknod");
        }
    }

    int mkdir(Pointer path, int mode) {
        try {
            dirs.mkdir(path, mode, caller());
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "mkdir");
        }
    }

    int unlink(Pointer path) {
        try {
            links.unlink(path);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "unlink");
        }
    }

    int rmdir(Pointer path) {
        try {
            dirs.rmdir(path);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "rmdir");
        }
    }

    int symlink(Pointer target, Pointer path) {
        try {
            links.symlink(target, path, caller());
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "symlink");
        }
    }

    int rename(Pointer from, Pointer to) {
        try {
            links.rename(from, to, 0);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "rename");
        }
    }

    int link(Pointer from, Pointer to) {
        try {
            links.link(from, to);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "link");
        }
    }

    int chmod(Pointer path, int mode) {
        try {
            files.chmod(path, mode);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "chmod");
        }
    }

    int chown(Pointer path, int uid, int gid) {
        try {
            files.chown(path, uid, gid);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "chown");
        }
    }

    int truncate(Pointer path, long size) {
        try {
            files.truncate(path, size);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "truncate");
        }
    }

    int ftruncate(Pointer path, long size, Pointer fi) {
        try {
            files.ftruncate(handles.get(fi.getLong(RawOps.FI_FH)), size);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "ftruncate");
        }
    }

    int utimens(Pointer path, Pointer times) {
        try {
            files.utimens(path, times);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "utimens");
        }
    }

    int open(Pointer path, Pointer fi) {
        try {
            fi.putLong(RawOps.FI_FH, handles.add(files.open(path, fi.getInt(RawOps.FI_FLAGS))));
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "open");
        }
    }

    int create(Pointer path, int mode, Pointer fi) {
        try {
            fi.putLong(RawOps.FI_FH, handles.add(files.create(path, mode, fi.getInt(RawOps.FI_FLAGS), caller())));
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "create");
        }
    }

    int read(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
        try {
            return files.read(handles.get(fi.getLong(RawOps.FI_FH)), buf, size, offset);
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "read");
        }
    }

    int write(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
        try {
            return files.write(handles.get(fi.getLong(RawOps.FI_FH)), buf, size, offset);
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "write");
        }
    }

    int statfs(Pointer path, Pointer stbuf) {
        try {
            files.statfs(stbuf);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "statfs");
        }
    }

    int flush(Pointer path, Pointer fi) {
        try {
            files.flush(handles.get(fi.getLong(RawOps.FI_FH)));
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "flush");
        }
    }

    int release(Pointer path, Pointer fi) {
        try {
            files.release(handles.remove(fi.getLong(RawOps.FI_FH)));
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "release");
        }
    }

    int fsync(Pointer path, int dataOnly, Pointer fi) {
        try {
            files.fsync(handles.get(fi.getLong(RawOps.FI_FH)), dataOnly != 0);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "fsync");
        }
    }

    int fallocate(Pointer path, int mode, long offset, long length, Pointer fi) {
        try {
            files.fallocate(handles.get(fi.getLong(RawOps.FI_FH)), mode, offset, length);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "fallocate");
        }
    }

    int setxattr(Pointer path, Pointer name, Pointer value, long size, int flags) {
        try {
            xattrOps.set(path, name, value, size, flags);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "setxattr");
        }
    }

    int getxattr(Pointer path, Pointer name, Pointer value, long size) {
        try {
            return xattrOps.get(path, name, value, size);
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "getxattr");
        }
    }

    int listxattr(Pointer path, Pointer list, long size) {
        try {
            return xattrOps.list(path, list, size);
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "listxattr");
        }
    }

    int removexattr(Pointer path, Pointer name) {
        try {
            xattrOps.remove(path, name);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "removexattr");
        }
    }

    int opendir(Pointer path, Pointer fi) {
        try {
            fi.putLong(RawOps.FI_FH, dirs.opendir(path));
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "opendir");
        }
    }

    int readdir(Pointer path, Pointer buf, Pointer fillerFn, long offset, Pointer fi) {
        try {
            RawOps.FillDir fill = filler(fillerFn);
            dirs.readdir(fi.getLong(RawOps.FI_FH), (name, st) -> fill.call(buf, name, st, 0) != 0);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "readdir");
        }
    }

    int releasedir(Pointer path, Pointer fi) {
        try {
            dirs.releasedir(fi.getLong(RawOps.FI_FH));
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "releasedir");
        }
    }

    int fsyncdir(Pointer path, int dataOnly, Pointer fi) {
        try {
            dirs.fsyncdir(fi.getLong(RawOps.FI_FH));
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "fsyncdir");
        }
    }

    int access(Pointer path, int mask) {
        try {
            files.access(path, mask);
            return 0;
        } catch (Throwable e) {
            return ErrnoMapper.toErrno(e, "access");
        }
    }

    /** Asks for atomic O_TRUNC (one request instead of open + setattr) when the kernel offers it. */
    Pointer onInit(Pointer conn) {
        try {
            dirAttrs.install(CONTEXT.fuse_get_context().getPointer(0));
        } catch (Throwable e) {
            ErrnoMapper.toErrno(e, "init");
        }
        try {
            if ((conn.getInt(20) & FUSE_CAP_ATOMIC_O_TRUNC) != 0) {
                conn.putInt(24, conn.getInt(24) | FUSE_CAP_ATOMIC_O_TRUNC);
            }
        } catch (Throwable e) {
            ErrnoMapper.toErrno(e, "init");
        }
        return null;
    }

    void onDestroy(Pointer data) {
        try {
            handles.closeAll(files::release);
        } catch (Throwable e) {
            ErrnoMapper.toErrno(e, "destroy");
        }
    }

    // ---- wiring ----

    private RawOps.FillDir filler(Pointer fn) {
        RawOps.FillDir f = filler;
        Pointer at = fillerAddress;
        if (f != null && at != null && at.address() == fn.address()) {
            return f;
        }
        ClosureHelper helper = ClosureHelper.getInstance();
        f = helper.getNativeConveter(RawOps.FillDir.class).fromNative(fn, helper.getFromNativeContext());
        filler = f;
        fillerAddress = fn;
        return f;
    }

    private void install() {
        Pointer ops = Struct.getMemory(fuseOperations);
        if (Struct.size(fuseOperations) < RawOps.SIZE) {
            throw new IllegalStateException("jnr-fuse's fuse_operations is " + Struct.size(fuseOperations) + " bytes, expected " + RawOps.SIZE);
        }
        set(ops, RawOps.GETATTR, RawOps.PP.class, (RawOps.PP) this::getattr);
        set(ops, RawOps.READLINK, RawOps.PPL.class, (RawOps.PPL) this::readlink);
        set(ops, RawOps.MKNOD, RawOps.PIL.class, (RawOps.PIL) this::mknod);
        set(ops, RawOps.MKDIR, RawOps.PI.class, (RawOps.PI) this::mkdir);
        set(ops, RawOps.UNLINK, RawOps.P.class, (RawOps.P) this::unlink);
        set(ops, RawOps.RMDIR, RawOps.P.class, (RawOps.P) this::rmdir);
        set(ops, RawOps.SYMLINK, RawOps.PP.class, (RawOps.PP) this::symlink);
        set(ops, RawOps.RENAME, RawOps.PP.class, (RawOps.PP) this::rename);
        set(ops, RawOps.LINK, RawOps.PP.class, (RawOps.PP) this::link);
        set(ops, RawOps.CHMOD, RawOps.PI.class, (RawOps.PI) this::chmod);
        set(ops, RawOps.CHOWN, RawOps.PII.class, (RawOps.PII) this::chown);
        set(ops, RawOps.TRUNCATE, RawOps.PL.class, (RawOps.PL) this::truncate);
        set(ops, RawOps.OPEN, RawOps.PP.class, (RawOps.PP) this::open);
        set(ops, RawOps.READ, RawOps.Io.class, (RawOps.Io) this::read);
        set(ops, RawOps.WRITE, RawOps.Io.class, (RawOps.Io) this::write);
        set(ops, RawOps.STATFS, RawOps.PP.class, (RawOps.PP) this::statfs);
        set(ops, RawOps.FLUSH, RawOps.PP.class, (RawOps.PP) this::flush);
        set(ops, RawOps.RELEASE, RawOps.PP.class, (RawOps.PP) this::release);
        set(ops, RawOps.FSYNC, RawOps.PIP.class, (RawOps.PIP) this::fsync);
        set(ops, RawOps.SETXATTR, RawOps.SetXattr.class, (RawOps.SetXattr) this::setxattr);
        set(ops, RawOps.GETXATTR, RawOps.GetXattr.class, (RawOps.GetXattr) this::getxattr);
        set(ops, RawOps.LISTXATTR, RawOps.PPL.class, (RawOps.PPL) this::listxattr);
        set(ops, RawOps.REMOVEXATTR, RawOps.PP.class, (RawOps.PP) this::removexattr);
        set(ops, RawOps.OPENDIR, RawOps.PP.class, (RawOps.PP) this::opendir);
        set(ops, RawOps.READDIR, RawOps.Readdir.class, (RawOps.Readdir) this::readdir);
        set(ops, RawOps.RELEASEDIR, RawOps.PP.class, (RawOps.PP) this::releasedir);
        set(ops, RawOps.FSYNCDIR, RawOps.PIP.class, (RawOps.PIP) this::fsyncdir);
        set(ops, RawOps.INIT, RawOps.Init.class, (RawOps.Init) this::onInit);
        set(ops, RawOps.DESTROY, RawOps.Destroy.class, (RawOps.Destroy) this::onDestroy);
        set(ops, RawOps.ACCESS, RawOps.PI.class, (RawOps.PI) this::access);
        set(ops, RawOps.CREATE, RawOps.PIP.class, (RawOps.PIP) this::create);
        set(ops, RawOps.FTRUNCATE, RawOps.PLP.class, (RawOps.PLP) this::ftruncate);
        set(ops, RawOps.FGETATTR, RawOps.PPP.class, (RawOps.PPP) this::fgetattr);
        set(ops, RawOps.UTIMENS, RawOps.PP.class, (RawOps.PP) this::utimens);
        set(ops, RawOps.FALLOCATE, RawOps.Fallocate.class, (RawOps.Fallocate) this::fallocate);
        ops.putInt(RawOps.FLAGS, RawOps.FLAG_NULLPATH_OK | RawOps.FLAG_UTIME_OMIT_OK);
    }

    private <T> void set(Pointer ops, int offset, Class<T> type, T callback) {
        Pointer fn = Native.RUNTIME.getClosureManager().getClosurePointer(type, callback);
        closures.add(callback);
        closures.add(fn);
        ops.putPointer(offset, fn);
    }

    private static FuseContextLib loadContextLib() {
        try {
            return LibraryLoader.create(FuseContextLib.class).failImmediately().load("fuse");
        } catch (Throwable e) {
            return LibraryLoader.create(FuseContextLib.class).failImmediately().load("libfuse.so.2");
        }
    }
}
