package dev.zero.agent.mount;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import dev.zero.agent.posix.Native;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;

/**
 * libfuse2's request loop run on Java threads instead of {@code fuse_main_real}'s
 * {@code fuse_loop_mt}: {@code fuse_setup} (argument parsing, mount, {@code fuse_new}, the same as
 * {@code fuse_main_real} does), then worker threads that each loop
 * {@code fuse_session_receive_buf} + {@code fuse_session_process_buf} until the session exits,
 * then {@code fuse_teardown} (unmount if still mounted, {@code destroy}, free).
 * <p>
 * Why: libfuse's own workers are native threads, and jffi attaches a native thread to the JVM and
 * detaches it again around each of its first ~1000 upcalls; {@code fuse_loop_mt} also stops
 * workers when more than 10 are idle and starts new ones on demand, so attach/detach pairs keep
 * recurring. Java threads are attached for life, so every upcall finds its JNI environment.
 * <p>
 * Threads: like {@code fuse_loop_mt}, a new worker is started when the last idle one takes a
 * request (so a blocking operation never starves the others), up to {@link #MAX_WORKERS}; unlike
 * it, workers are never stopped before the session ends.
 * <p>
 * End: the kernel unmounting (fusermount -u, umount) makes every blocked read of /dev/fuse fail
 * with ENODEV, libfuse marks the session exited, and all workers return. A worker that hits
 * another read error exits the session; the remaining workers are then released by detaching the
 * mount (the threads blocked in read cannot be woken otherwise).
 */
final class FuseLoop {
    private static final Logger LOG = Logger.getLogger(FuseLoop.class);
    private static final int EINTR = 4;
    static final int MAX_WORKERS = Integer.getInteger("zero.fuse.max-threads", 64);
    private static final int INITIAL_WORKERS = Math.max(1, Math.min(MAX_WORKERS, Integer.getInteger("zero.fuse.threads", 2)));
    /** struct fuse_buf: size_t size; enum flags; void *mem; int fd; off_t pos. */
    private static final int FUSE_BUF_SIZE = 40;
    private static final int FB_SIZE = 0;
    private static final int FB_FLAGS = 8;
    private static final int FB_MEM = 16;
    private static final int FB_FD = 24;
    private static final int FB_POS = 32;

    /** The libfuse2 exports the loop needs. */
    public interface Lib {
        Pointer fuse_setup(int argc, Pointer argv, Pointer op, long opSize, Pointer mountpoint, Pointer multithreaded, Pointer userData);

        void fuse_teardown(Pointer fuse, Pointer mountpoint);

        @IgnoreError
        Pointer fuse_get_session(Pointer fuse);

        @IgnoreError
        Pointer fuse_session_next_chan(Pointer se, Pointer ch);

        @IgnoreError
        long fuse_chan_bufsize(Pointer ch);

        @IgnoreError
        int fuse_session_receive_buf(Pointer se, Pointer buf, Pointer chp);

        @IgnoreError
        void fuse_session_process_buf(Pointer se, Pointer buf, Pointer ch);

        @IgnoreError
        void fuse_session_exit(Pointer se);

        @IgnoreError
        int fuse_session_exited(Pointer se);
    }

    private static final Lib LIB = load();

    private final ZeroFs fs;
    private final List<String> args;
    private final Runnable detach;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger idle = new AtomicInteger();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Pointer session;
    private volatile Pointer channel;
    private volatile long bufsize;
    private volatile boolean failed;

    /**
     * @param args the command line as {@code fuse_main} would get it (program name first, mount point last)
     * @param detach detaches the mount; called to release blocked workers after a read error
     */
    FuseLoop(ZeroFs fs, List<String> args, Runnable detach) {
        this.fs = fs;
        this.args = List.copyOf(args);
        this.detach = detach;
    }

    /** Completes when the loop has ended and libfuse has been torn down. */
    CompletableFuture<Void> done() {
        return done;
    }

    /** Starts the thread that mounts, serves and tears down. */
    void start() {
        Thread t = new Thread(this::run, "zero-fuse-loop");
        t.setDaemon(true);
        t.start();
    }

    private void run() {
        try {
            // argv stays allocated for the life of the mount (libfuse copies it, but nothing requires that)
            List<Pointer> keep = new ArrayList<>();
            Pointer argv = Memory.allocateDirect(Native.RUNTIME, 8L * (args.size() + 1), true);
            for (int i = 0; i < args.size(); i++) {
                Pointer s = Native.cstr(args.get(i).getBytes(StandardCharsets.UTF_8));
                keep.add(s);
                argv.putPointer(8L * i, s);
            }
            Pointer mountpoint = Memory.allocateDirect(Native.RUNTIME, 8, true);
            Pointer multithreaded = Memory.allocateDirect(Native.RUNTIME, 8, true);
            Pointer fuse = LIB.fuse_setup(args.size(), argv, fs.operations(), fs.operationsSize(), mountpoint, multithreaded, null);
            if (fuse == null || fuse.address() == 0) {
                throw new IllegalStateException("fuse_setup failed (see libfuse's message on stderr)");
            }
            try {
                session = LIB.fuse_get_session(fuse);
                channel = LIB.fuse_session_next_chan(session, null);
                bufsize = LIB.fuse_chan_bufsize(channel);
                synchronized (workers) {
                    for (int i = 1; i < INITIAL_WORKERS; i++) {
                        spawn();
                    }
                }
                idle.incrementAndGet();
                work();
                awaitWorkers();
            } finally {
                LIB.fuse_teardown(fuse, mountpoint.getPointer(0));
                keep.clear();
            }
            if (failed) {
                throw new IllegalStateException("reading /dev/fuse failed; the FUSE session ended");
            }
            done.complete(null);
        } catch (Throwable e) {
            done.completeExceptionally(e);
        }
    }

    /** Starts one more worker (caller holds the {@code workers} lock). */
    private void spawn() {
        if (workers.size() + 1 >= MAX_WORKERS) {
            return;
        }
        idle.incrementAndGet();
        Thread t = new Thread(this::work, "zero-fuse-" + (workers.size() + 1));
        t.setDaemon(true);
        workers.add(t);
        t.start();
    }

    private void work() {
        Pointer se = session;
        Pointer ch = channel;
        long size = bufsize;
        Pointer mem = Memory.allocateDirect(Native.RUNTIME, size, false);
        Pointer fbuf = Memory.allocateDirect(Native.RUNTIME, FUSE_BUF_SIZE, true);
        Pointer chp = Memory.allocateDirect(Native.RUNTIME, 8, true);
        try {
            while (LIB.fuse_session_exited(se) == 0) {
                fbuf.putLong(FB_SIZE, size);
                fbuf.putInt(FB_FLAGS, 0);
                fbuf.putPointer(FB_MEM, mem);
                fbuf.putInt(FB_FD, 0);
                fbuf.putLong(FB_POS, 0);
                chp.putPointer(0, ch);
                int res = LIB.fuse_session_receive_buf(se, fbuf, chp);
                if (res == -EINTR) {
                    continue;
                }
                if (res <= 0) {
                    if (res < 0) {
                        LOG.errorf("reading /dev/fuse failed: errno %d", -res);
                        failed = true;
                        LIB.fuse_session_exit(se);
                    }
                    break;
                }
                if (idle.decrementAndGet() == 0) {
                    synchronized (workers) {
                        spawn();
                    }
                }
                try {
                    LIB.fuse_session_process_buf(se, fbuf, chp.getPointer(0));
                } finally {
                    idle.incrementAndGet();
                }
            }
        } catch (Throwable e) {
            LOG.error("FUSE worker failed", e);
            failed = true;
            LIB.fuse_session_exit(se);
        }
    }

    private void awaitWorkers() throws InterruptedException {
        boolean detached = false;
        while (true) {
            List<Thread> all;
            synchronized (workers) {
                all = List.copyOf(workers);
            }
            boolean alive = false;
            for (Thread t : all) {
                t.join(TimeUnit.SECONDS.toMillis(2));
                alive |= t.isAlive();
            }
            if (!alive) {
                synchronized (workers) {
                    if (workers.size() == all.size()) {
                        return;
                    }
                }
                continue;
            }
            if (!detached) {
                // workers still blocked in read after the session ended: only ending the connection wakes them
                LOG.warn("FUSE workers still blocked after the session ended; detaching the mount");
                detached = true;
                detach.run();
            }
        }
    }

    private static Lib load() {
        try {
            return LibraryLoader.create(Lib.class).failImmediately().load("fuse");
        } catch (Throwable e) {
            return LibraryLoader.create(Lib.class).failImmediately().load("libfuse.so.2");
        }
    }
}
