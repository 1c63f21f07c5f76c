package dev.zero.agent.mount;

import java.time.Duration;

import org.jboss.logging.Logger;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.Function;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;

import dev.zero.agent.posix.Native;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;

/**
 * Per-reply attribute timeouts on top of libfuse2's high-level API, which only knows one global
 * {@code attr_timeout}: the mount runs with {@code attr_timeout=0} (never stale, see
 * {@link MountOptions}), and this class raises the timeout of replies that carry the attributes of
 * a <em>directory</em> to {@link #timeout}.
 * <p>
 * Why directories only: the high-level API gives every name its own kernel inode, so cached
 * attributes of one name of a hard-linked file go stale when another name is linked, unlinked,
 * renamed or chmod-ed. Directories cannot be hard-linked, and the kernel itself invalidates a
 * directory's cached attributes when it creates, removes or renames in it. Caching directory
 * attributes spares the GETATTR that {@code default_permissions} sends for every directory of
 * every path walked (the search-permission check), which is most of what attr_timeout=0 costs.
 * <p>
 * How: the channel's {@code send} function (libfuse2 {@code struct fuse_chan}: ops {receive,
 * send, destroy} at offsets 0, 8, 16) is replaced by {@link #send}, which calls the original.
 * {@link #directoryAttributes()} is called by getattr/fgetattr on the worker thread when they
 * return a directory; the next reply sent by that thread, if it is a successful
 * {@code fuse_attr_out} (104 bytes) or {@code fuse_entry_out} (128 bytes) whose mode is a
 * directory, gets the longer timeout. Every send clears the mark, and a worker sends the reply of
 * its request before it reads the next one, so no other reply can be touched.
 */
final class DirAttrCache {
    private static final Logger LOG = Logger.getLogger(DirAttrCache.class);
    private static final MemoryIO IO = MemoryIO.getInstance();
    private static final Invoker INVOKER = Invoker.getInstance();

    private static final int CHAN_SEND = 8;
    private static final int IOV_SIZE = 16;
    private static final int OUT_HEADER_ERROR = 4;
    private static final int ATTR_OUT_SIZE = 104;
    private static final int ENTRY_OUT_SIZE = 128;
    /** fuse_attr_out: attr_valid (u64) at 0, attr_valid_nsec (u32) at 8, fuse_attr at 16 (mode at +60). */
    private static final int ATTR_OUT_VALID = 0;
    private static final int ATTR_OUT_MODE = 16 + 60;
    /** fuse_entry_out: attr_valid (u64) at 24, attr_valid_nsec (u32) at 36, fuse_attr at 40. */
    private static final int ENTRY_OUT_VALID = 24;
    private static final int ENTRY_OUT_VALID_NSEC = 36;
    private static final int ENTRY_OUT_MODE = 40 + 60;

    /** libfuse2 exports needed to reach the channel. */
    public interface FuseLib {
        Pointer fuse_get_session(Pointer fuse);

        Pointer fuse_session_next_chan(Pointer session, Pointer ch);
    }

    /** libfuse2's {@code int (*send)(struct fuse_chan *ch, const struct iovec iov[], size_t count)}. */
    public interface Send {
        @Delegate
        int call(long ch, long iov, long count);
    }

    private static final ThreadLocal<boolean[]> PENDING = ThreadLocal.withInitial(() -> new boolean[1]);

    private final long seconds;
    private final int nanos;
    private volatile Function original;
    private Send callback;
    private Pointer callbackPointer;

    DirAttrCache(Duration timeout) {
        this.seconds = timeout.getSeconds();
        this.nanos = timeout.getNano();
    }

    boolean enabled() {
        return seconds > 0 || nanos > 0;
    }

    /** Marks the reply this thread sends next as carrying directory attributes. */
    void directoryAttributes() {
        if (original != null) {
            PENDING.get()[0] = true;
        }
    }

    /** Installs the send hook on the channel of the filesystem whose init is running (call from init). */
    void install(Pointer fuse) {
        if (!enabled() || fuse == null) {
            return;
        }
        try {
            FuseLib lib = loadLib();
            Pointer session = lib.fuse_get_session(fuse);
            Pointer ch = session == null ? null : lib.fuse_session_next_chan(session, null);
            if (ch == null || ch.address() == 0) {
                LOG.warn("no FUSE channel found; directory attributes are not cached");
                return;
            }
            long send = ch.getLong(CHAN_SEND);
            if (send == 0) {
                return;
            }
            original = new Function(send, Type.SINT, Type.POINTER, Type.POINTER, Type.ULONG);
            callback = this::send;
            callbackPointer = Native.RUNTIME.getClosureManager().getClosurePointer(Send.class, callback);
            ch.putLong(CHAN_SEND, callbackPointer.address());
            LOG.debugf("directory attributes cached for %d.%09d s", seconds, nanos);
        } catch (Throwable e) {
            original = null;
            LOG.warnf("cannot install the reply hook (%s); directory attributes are not cached", e.toString());
        }
    }

    private int send(long ch, long iov, long count) {
        Function fn = original;
        try {
            boolean[] pending = PENDING.get();
            if (pending[0]) {
                pending[0] = false;
                if (count == 2) {
                    extend(iov);
                }
            }
        } catch (Throwable e) {
            // never let a failure here lose the reply
        }
        CallContext ctx = fn.getCallContext();
        return (int) INVOKER.invokeN3(ctx, fn.getFunctionAddress(), ch, iov, count);
    }

    private void extend(long iov) {
        long header = IO.getLong(iov);
        if (IO.getInt(header + OUT_HEADER_ERROR) != 0) {
            return;
        }
        long arg = IO.getLong(iov + IOV_SIZE);
        long len = IO.getLong(iov + IOV_SIZE + 8);
        if (len == ATTR_OUT_SIZE && isDir(IO.getInt(arg + ATTR_OUT_MODE))) {
            IO.putLong(arg + ATTR_OUT_VALID, seconds);
            IO.putInt(arg + ATTR_OUT_VALID + 8, nanos);
        } else if (len == ENTRY_OUT_SIZE && isDir(IO.getInt(arg + ENTRY_OUT_MODE))) {
            IO.putLong(arg + ENTRY_OUT_VALID, seconds);
            IO.putInt(arg + ENTRY_OUT_VALID_NSEC, nanos);
        }
    }

    private static boolean isDir(int mode) {
        return (mode & Native.S_IFMT) == Native.S_IFDIR;
    }

    private static FuseLib loadLib() {
        try {
            return LibraryLoader.create(FuseLib.class).failImmediately().load("fuse");
        } catch (Throwable e) {
            return LibraryLoader.create(FuseLib.class).failImmediately().load("libfuse.so.2");
        }
    }
}
