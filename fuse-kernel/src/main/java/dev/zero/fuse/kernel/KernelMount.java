package dev.zero.fuse.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A FUSE mount spoken directly over /dev/fuse: mounts the device itself with mount(2) (root),
 * negotiates INIT (passthrough where the kernel offers it and it is wanted), and serves
 * requests on platform threads, each with its own request and reply buffers, one write(2) per
 * reply. What the requests mean is the {@link Operations}' business.
 */
public final class KernelMount implements AutoCloseable {
    /** What the filesystem answers; a negative result is an errno, {@link #NO_REPLY} for FORGET and the like. */
    interface Operations {
        /** Called once INIT is negotiated ({@link #passthrough()} says whether the kernel took passthrough). */
        void initialised(KernelMount mount);

        /** How many stacked file systems the backing files are on (1: a plain one; 2 under overlayfs). */
        int backingStackDepth();

        /**
         * The reply to {@code request} (its payload {@code length} bytes of {@code payload}) never
         * reached the kernel (the request was interrupted): undo what it gave, lookups and handles.
         */
        void unanswered(Request request, MemorySegment payload, int length);

        /** Handles one request; writes the reply's payload into {@code out} and returns its length. */
        int handle(Request request, MemorySegment out);
    }

    static final int NO_REPLY = Integer.MIN_VALUE;
    /** The request is answered later, by {@link #defer}. */
    static final int DEFERRED = Integer.MIN_VALUE + 1;
    /** At most this many requests wait off the loops at once; past it they wait on a loop. */
    private static final int MAX_DEFERRED = 256;

    /** A reply computed off the request loops: writes its payload into {@code out}, returns its length (or -errno). */
    @FunctionalInterface
    interface Answer {
        int into(MemorySegment out) throws Errno;
    }

    /** One request as read from the device. */
    static final class Request {
        final MemorySegment buf;
        int opcode;
        long unique;
        long nodeid;
        int uid;
        int gid;
        int pid;
        int length;

        Request(MemorySegment buf) {
            this.buf = buf;
        }

        /** The payload after the header. */
        MemorySegment arg() {
            return buf.asSlice(Protocol.IN_HEADER, length - Protocol.IN_HEADER);
        }

        int argInt(long offset) {
            return buf.get(JAVA_INT_UNALIGNED, Protocol.IN_HEADER + offset);
        }

        long argLong(long offset) {
            return buf.get(JAVA_LONG_UNALIGNED, Protocol.IN_HEADER + offset);
        }

        /** The NUL-terminated name at {@code offset} of the payload, as a C string (no copy). */
        MemorySegment argName(long offset) {
            return buf.asSlice(Protocol.IN_HEADER + offset);
        }

        /** The offset just past the NUL-terminated string at {@code offset} of the payload. */
        long afterName(long offset) {
            long i = Protocol.IN_HEADER + offset;
            while (buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != 0) {
                i++;
            }
            return i + 1 - Protocol.IN_HEADER;
        }
    }

    private final Path mountpoint;
    private final int fd;
    private final Operations ops;
    private final boolean wantPassthrough;
    private final List<Thread> readers = new ArrayList<>();
    private final CountDownLatch initialised = new CountDownLatch(1);
    private final LongAdder[] requests = new LongAdder[Protocol.OPCODES];
    /** Platform threads (the answers make FFM calls) for requests that wait, made as needed, kept 30 s idle. */
    private final ThreadPoolExecutor deferred = new ThreadPoolExecutor(0, MAX_DEFERRED, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            Thread.ofPlatform().name("zero-fuse-wait-", 0).daemon().factory());
    private final LongAdder deferredCount = new LongAdder();
    private volatile boolean passthrough;
    private volatile boolean closed;
    /** Notifications come from threads of their own: the device is closed only when none is being written. */
    private final ReadWriteLock deviceOpen = new ReentrantReadWriteLock();
    private boolean deviceClosed; // guarded by deviceOpen
    private volatile String initFailure;

    private KernelMount(Path mountpoint, int fd, Operations ops, boolean wantPassthrough) {
        this.mountpoint = mountpoint;
        this.fd = fd;
        this.ops = ops;
        this.wantPassthrough = wantPassthrough;
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new LongAdder();
        }
    }

    /**
     * Mounts {@code ops} on {@code mountpoint} and returns once INIT is done.
     *
     * @param fsName what /proc/mounts shows as the source
     * @param threads how many request loops serve the device
     */
    static KernelMount mount(Path mountpoint, String fsName, Operations ops, boolean wantPassthrough, int threads) throws IOException {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = Libc.open(arena.allocateFrom("/dev/fuse"), Libc.O_RDWR | Libc.O_CLOEXEC, 0);
            String options = "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions";
            try {
                Libc.mount(arena.allocateFrom(fsName), arena.allocateFrom(mountpoint.toAbsolutePath().toString()), arena.allocateFrom("fuse.zero"),
                        Libc.MS_NOSUID | Libc.MS_NODEV, arena.allocateFrom(options));
            } catch (Errno e) {
                Libc.close(fd);
                throw new IOException("mount of /dev/fuse on " + mountpoint + " failed: errno " + e.errno + (e.errno == Libc.EPERM ? " (needs root)" : ""));
            }
        } catch (Errno e) {
            throw new IOException("cannot open /dev/fuse: errno " + e.errno);
        }
        KernelMount m = new KernelMount(mountpoint, fd, ops, wantPassthrough);
        for (int i = 0; i < threads; i++) {
            Thread t = Thread.ofPlatform().name("zero-fuse-" + i).daemon().start(m::serve);
            m.readers.add(t);
        }
        try {
            if (!m.initialised.await(30, TimeUnit.SECONDS)) {
                m.close();
                throw new IOException("the kernel sent no INIT within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            m.close();
            throw new IOException("interrupted while mounting", e);
        }
        if (m.initFailure != null) {
            m.close();
            throw new IOException(m.initFailure);
        }
        return m;
    }

    /** Whether the kernel agreed to pass open files through to their backing files. */
    public boolean passthrough() {
        return passthrough;
    }

    /** The /dev/fuse descriptor (for the passthrough ioctls). */
    int deviceFd() {
        return fd;
    }

    /** Whether any request loop still runs. */
    public boolean serving() {
        return readers.stream().anyMatch(Thread::isAlive);
    }

    /** How many requests of {@code opcode} reached the daemon. */
    public long requests(int opcode) {
        return requests[opcode].sum();
    }

    /** How many requests were answered off the request loops. */
    public long deferredRequests() {
        return deferredCount.sum();
    }

    /**
     * Answers request {@code unique} from a thread of its own with at most {@code capacity}
     * bytes, so that a request that waits (a restore) holds no request loop. Only for requests
     * whose reply gives the kernel nothing to take back should it never arrive (READ, WRITE).
     *
     * @return false if too many already wait: the caller answers it itself
     */
    boolean defer(long unique, int opcode, int capacity, Answer answer) {
        try {
            deferred.execute(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment reply = arena.allocate(Protocol.OUT_HEADER + capacity, 8);
                    int result;
                    try {
                        result = answer.into(reply.asSlice(Protocol.OUT_HEADER));
                    } catch (Errno e) {
                        result = -e.errno;
                    } catch (RuntimeException bug) {
                        System.err.println("zero-fuse: opcode " + opcode + " failed: " + bug);
                        bug.printStackTrace();
                        result = -Libc.EIO;
                    }
                    reply(reply, unique, opcode, result);
                }
            });
            deferredCount.increment();
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Writes the reply {@code result} (payload length or -errno) to request {@code unique}; false if the kernel did not take it. */
    private boolean reply(MemorySegment reply, long unique, int opcode, int result) {
        int length = Protocol.OUT_HEADER + Math.max(result, 0);
        reply.set(JAVA_INT_UNALIGNED, 0, length);
        reply.set(JAVA_INT_UNALIGNED, 4, Math.min(result, 0));
        reply.set(JAVA_LONG_UNALIGNED, 8, unique);
        try {
            Libc.write(fd, reply, length);
            return true;
        } catch (Errno e) {
            if (e.errno != Libc.ENOENT && !closed) {
                System.err.println("zero-fuse: the kernel refused the reply to opcode " + opcode + " (" + length + " bytes): errno " + e.errno);
            }
            return false;
        }
    }

    private void serve() {
        try (Arena arena = Arena.ofConfined()) {
            Request request = new Request(arena.allocate(Protocol.BUFFER, 8));
            MemorySegment reply = arena.allocate(Protocol.BUFFER, 8);
            MemorySegment payload = reply.asSlice(Protocol.OUT_HEADER);
            while (!closed) {
                long n;
                try {
                    n = Libc.read(fd, request.buf, Protocol.BUFFER);
                } catch (Errno e) {
                    if (e.errno == Libc.EINTR || e.errno == Libc.EAGAIN || e.errno == Libc.ENOENT) {
                        continue; // interrupted, or a request the kernel withdrew
                    }
                    break; // ENODEV: unmounted
                }
                if (n < Protocol.IN_HEADER) {
                    continue;
                }
                MemorySegment b = request.buf;
                request.length = b.get(JAVA_INT_UNALIGNED, 0);
                request.opcode = b.get(JAVA_INT_UNALIGNED, 4);
                request.unique = b.get(JAVA_LONG_UNALIGNED, 8);
                request.nodeid = b.get(JAVA_LONG_UNALIGNED, 16);
                request.uid = b.get(JAVA_INT_UNALIGNED, 24);
                request.gid = b.get(JAVA_INT_UNALIGNED, 28);
                request.pid = b.get(JAVA_INT_UNALIGNED, 32);
                if (request.opcode >= 0 && request.opcode < Protocol.OPCODES) {
                    requests[request.opcode].increment();
                }
                int result;
                if (request.opcode == Protocol.INIT) {
                    result = init(request, payload);
                } else {
                    try {
                        result = ops.handle(request, payload);
                    } catch (RuntimeException bug) {
                        System.err.println("zero-fuse: opcode " + request.opcode + " failed: " + bug);
                        bug.printStackTrace();
                        result = -Libc.EIO;
                    }
                }
                if (result == NO_REPLY || result == DEFERRED) {
                    continue;
                }
                if (!reply(reply, request.unique, request.opcode, result) && result > 0) {
                    // the request was interrupted and is gone, or the reply refused
                    ops.unanswered(request, payload, result);
                }
                if (request.opcode == Protocol.INIT) {
                    initialised.countDown();
                }
            }
        }
    }

    private int init(Request r, MemorySegment out) {
        int major = r.argInt(0);
        int minor = r.argInt(4);
        int maxReadahead = r.argInt(8);
        long flags = r.argInt(12) & 0xffffffffL;
        if ((flags & Protocol.INIT_EXT) != 0) {
            flags |= (r.argInt(16) & 0xffffffffL) << 32;
        }
        if (major != Protocol.MAJOR) {
            initFailure = "the kernel speaks FUSE " + major + "." + minor + ", not 7.x";
            out.set(JAVA_INT_UNALIGNED, 0, Protocol.MAJOR);
            out.set(JAVA_INT_UNALIGNED, 4, Protocol.MINOR);
            return 8;
        }
        long want = Protocol.ASYNC_READ | Protocol.ATOMIC_O_TRUNC | Protocol.BIG_WRITES | Protocol.PARALLEL_DIROPS | Protocol.MAX_PAGES
                | Protocol.HANDLE_KILLPRIV_V2 | Protocol.INIT_EXT | Protocol.DO_READDIRPLUS | Protocol.READDIRPLUS_AUTO;
        // Never WRITEBACK_CACHE: with it the kernel does not enable passthrough (and every
        // BACKING_OPEN is refused). DIRECT_IO_ALLOW_MMAP: files opened with direct I/O (an inode
        // that could not pass through) can still be mapped shared.
        if (wantPassthrough) {
            want |= Protocol.PASSTHROUGH | Protocol.DIRECT_IO_ALLOW_MMAP;
        }
        long granted = flags & want;
        passthrough = (granted & Protocol.PASSTHROUGH) != 0;
        MemorySegment o = out.asSlice(0, Protocol.INIT_OUT);
        o.fill((byte) 0);
        o.set(JAVA_INT_UNALIGNED, 0, Protocol.MAJOR);
        o.set(JAVA_INT_UNALIGNED, 4, Math.min(minor, Protocol.MINOR));
        o.set(JAVA_INT_UNALIGNED, 8, maxReadahead);
        o.set(JAVA_INT_UNALIGNED, 12, (int) granted);
        o.set(JAVA_SHORT_UNALIGNED, 16, (short) 64); // max_background
        o.set(JAVA_SHORT_UNALIGNED, 18, (short) 48); // congestion_threshold
        o.set(JAVA_INT_UNALIGNED, 20, Protocol.MAX_WRITE);
        o.set(JAVA_INT_UNALIGNED, 24, 1); // time_gran: nanoseconds
        o.set(JAVA_SHORT_UNALIGNED, 28, (short) Protocol.MAX_PAGES_COUNT);
        o.set(JAVA_INT_UNALIGNED, 32, (int) (granted >>> 32));
        o.set(JAVA_INT_UNALIGNED, 36, passthrough ? ops.backingStackDepth() : 0); // max_stack_depth
        ops.initialised(this);
        return Protocol.INIT_OUT;
    }

    /**
     * Tells the kernel that what it caches of node {@code nodeid} is stale: its attributes, and
     * with {@code offset} >= 0 its cached pages from there ({@code length} 0: to the end). Never
     * call it from a handler of a request about the same node: the kernel may wait on that request.
     *
     * @return false if the kernel does not know the node (it was forgotten: nothing to invalidate)
     */
    public boolean invalidateInode(long nodeid, long offset, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(Protocol.OUT_HEADER + 24, 8);
            m.set(JAVA_LONG_UNALIGNED, Protocol.OUT_HEADER, nodeid);
            m.set(JAVA_LONG_UNALIGNED, Protocol.OUT_HEADER + 8, offset);
            m.set(JAVA_LONG_UNALIGNED, Protocol.OUT_HEADER + 16, length);
            return notify(Protocol.NOTIFY_INVAL_INODE, m);
        }
    }

    /** Tells the kernel to forget the directory entry {@code name} of {@code parent} (same caveat). */
    public boolean invalidateEntry(long parent, byte[] name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(Protocol.OUT_HEADER + 16 + name.length + 1, 8);
            m.set(JAVA_LONG_UNALIGNED, Protocol.OUT_HEADER, parent);
            m.set(JAVA_INT_UNALIGNED, Protocol.OUT_HEADER + 8, name.length);
            m.set(JAVA_INT_UNALIGNED, Protocol.OUT_HEADER + 12, 0);
            MemorySegment.copy(MemorySegment.ofArray(name), 0, m, Protocol.OUT_HEADER + 16, name.length);
            return notify(Protocol.NOTIFY_INVAL_ENTRY, m);
        }
    }

    /** A notification: an out header with unique 0 and the code where the error goes. */
    private boolean notify(int code, MemorySegment m) throws IOException {
        m.set(JAVA_INT_UNALIGNED, 0, (int) m.byteSize());
        m.set(JAVA_INT_UNALIGNED, 4, code);
        m.set(JAVA_LONG_UNALIGNED, 8, 0);
        deviceOpen.readLock().lock();
        try {
            if (deviceClosed) {
                throw new IOException("the mount is closed");
            }
            Libc.write(fd, m, m.byteSize());
            return true;
        } catch (Errno e) {
            if (e.errno == Libc.ENOENT) {
                return false;
            }
            throw new IOException("notification " + code + " refused: errno " + e.errno);
        } finally {
            deviceOpen.readLock().unlock();
        }
    }

    /**
     * Unmounts (lazily: open files stay usable until closed) and stops the loops. Where files
     * are still open after 10 s the connection is aborted (those files then fail with ENOTCONN)
     * so that no loop outlives the device: its descriptor is closed only once every loop ended,
     * never under one that could still write a reply to whatever reuses the number.
     */
    /** Whether {@link #close} has begun. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        String connection = connectionId();
        try (Arena arena = Arena.ofConfined()) {
            Libc.umount2(arena.allocateFrom(mountpoint.toAbsolutePath().toString()), Libc.MNT_DETACH);
        } catch (Errno e) {
            // not mounted any more
        }
        if (!joinReaders(10) && connection != null) {
            try {
                Path abort = Path.of("/sys/fs/fuse/connections", connection, "abort");
                if (!java.nio.file.Files.exists(abort)) {
                    mountFusectl(); // the control file system is not always mounted
                }
                java.nio.file.Files.writeString(abort, "1");
            } catch (IOException e) {
                System.err.println("zero-fuse: cannot abort connection " + connection + ": " + e);
            }
            joinReaders(10);
        }
        deferred.shutdownNow(); // interrupts what waits: the requests are gone with the connection
        boolean answered;
        try {
            answered = deferred.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answered = false;
        }
        if (readers.stream().noneMatch(Thread::isAlive) && answered) {
            deviceOpen.writeLock().lock();
            try {
                deviceClosed = true;
                Libc.close(fd);
            } finally {
                deviceOpen.writeLock().unlock();
            }
        } else {
            System.err.println("zero-fuse: request loops or waiting answers still run after the abort; the device stays open");
        }
    }

    private static void mountFusectl() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dir = arena.allocateFrom("/sys/fs/fuse/connections");
            Libc.mount(arena.allocateFrom("fusectl"), dir, arena.allocateFrom("fusectl"), 0, MemorySegment.NULL);
        } catch (Errno e) {
            System.err.println("zero-fuse: cannot mount fusectl on /sys/fs/fuse/connections: errno " + e.errno);
        }
    }

    private boolean joinReaders(int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Thread t : readers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return readers.stream().noneMatch(Thread::isAlive);
    }

    /** The mount's entry in /sys/fs/fuse/connections (its device number), from /proc/self/mountinfo. */
    private String connectionId() {
        String want = mountpoint.toAbsolutePath().normalize().toString();
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].equals(want) && line.contains(" - fuse.zero ")) {
                    String[] mm = f[2].split(":");
                    return Long.toString((Long.parseLong(mm[0]) << 20) | Long.parseLong(mm[1]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no connection id: close() can only wait
        }
        return null;
    }
}
