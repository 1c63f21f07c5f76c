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
    static final int MAX_DEFERRED = 256;

    /** A reply computed off the request loops: writes its payload into {@code out}, returns its length (or -errno). */
    @FunctionalInterface
    interface Answer {
        int into(MemorySegment out) throws Errno;
    }

    /** One request as read from the device or taken from an io_uring entry. */
    static final class Request {
        /** The in header and the arguments after it. */
        MemorySegment buf;
        /** The io_uring entry that holds it, or null: it came over /dev/fuse. */
        UringQueue.Entry via;
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

        /** Takes the request in {@code b} (in header first). */
        void readHeader(MemorySegment b, UringQueue.Entry entry) {
            buf = b;
            via = entry;
            length = b.get(JAVA_INT_UNALIGNED, 0);
            opcode = b.get(JAVA_INT_UNALIGNED, 4);
            unique = b.get(JAVA_LONG_UNALIGNED, 8);
            nodeid = b.get(JAVA_LONG_UNALIGNED, 16);
            uid = b.get(JAVA_INT_UNALIGNED, 24);
            gid = b.get(JAVA_INT_UNALIGNED, 28);
            pid = b.get(JAVA_INT_UNALIGNED, 32);
        }

        /** This request as a new object (same buffer), for a thread of its own. */
        Request copy() {
            Request c = new Request(buf);
            c.readHeader(buf, via);
            return c;
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
    private final boolean wantIoUring;
    private final List<Thread> readers = new ArrayList<>();
    private final List<UringQueue> queues = new ArrayList<>();
    private final CountDownLatch initialised = new CountDownLatch(1);
    private final LongAdder[] requests = new LongAdder[Protocol.OPCODES];
    /** Platform threads (the answers make FFM calls) for requests that wait, made as needed, kept 30 s idle. */
    private final ThreadPoolExecutor deferred = new ThreadPoolExecutor(0, MAX_DEFERRED, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            Thread.ofPlatform().name("zero-fuse-wait-", 0).daemon().factory());
    private final LongAdder deferredCount = new LongAdder();
    final LongAdder ringRequests = new LongAdder();
    private volatile boolean passthrough;
    private volatile boolean ioUringGranted;
    /** Every queue registered: requests come over io_uring. */
    private volatile boolean ioUring;
    /** How requests reach the daemon: "io_uring (N queues)", or "/dev/fuse" and why not io_uring. */
    private volatile String requestPath = "/dev/fuse";
    private volatile boolean closed;
    /** Notifications come from threads of their own: the device is closed only when none is being written. */
    private final ReadWriteLock deviceOpen = new ReentrantReadWriteLock();
    private boolean deviceClosed; // guarded by deviceOpen
    private volatile String initFailure;

    private KernelMount(Path mountpoint, int fd, Operations ops, boolean wantPassthrough, boolean wantIoUring) {
        this.mountpoint = mountpoint;
        this.fd = fd;
        this.ops = ops;
        this.wantPassthrough = wantPassthrough;
        this.wantIoUring = wantIoUring;
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new LongAdder();
        }
    }

    /**
     * Mounts {@code ops} on {@code mountpoint} and returns once INIT is done.
     *
     * @param fsName what /proc/mounts shows as the source
     * @param ioUring take requests over io_uring where the kernel offers it (the fuse module's
     *     {@code enable_uring}); else, and for FORGET and INTERRUPT always, over /dev/fuse
     * @param threads how many request loops serve /dev/fuse
     */
    static KernelMount mount(Path mountpoint, String fsName, Operations ops, boolean wantPassthrough, boolean ioUring, int threads)
            throws IOException {
        String uringOff = ioUring ? enableIoUring() : "not asked for";
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
        KernelMount m = new KernelMount(mountpoint, fd, ops, wantPassthrough, ioUring);
        // Over io_uring /dev/fuse carries only FORGET and INTERRUPT: the rest of the loops (each
        // with a request and a reply buffer of max_write) start only where requests stay on it
        int first = Math.min(threads, DEVICE_LOOPS_WITH_IO_URING);
        m.startLoops(0, first);
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
        if (m.ioUringGranted) {
            m.startQueues();
        } else {
            m.requestPath = "/dev/fuse (io_uring " + (uringOff != null ? uringOff : "not offered by the kernel") + ")";
        }
        if (!m.ioUring()) {
            m.startLoops(first, threads);
        }
        return m;
    }

    /** Loops on /dev/fuse while requests come over io_uring (FORGET, INTERRUPT, and what comes before the queues). */
    private static final int DEVICE_LOOPS_WITH_IO_URING = 2;

    private void startLoops(int from, int to) {
        for (int i = from; i < to; i++) {
            readers.add(Thread.ofPlatform().name("zero-fuse-" + i).daemon().start(this::serve));
        }
    }

    private static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");

    /**
     * Turns on the fuse module's {@code enable_uring} where it is off (it only lets daemons that
     * ask for io_uring have it; others are unchanged); null if it is on, else why not.
     */
    private static String enableIoUring() {
        try {
            if (!java.nio.file.Files.exists(ENABLE_URING)) {
                return "needs Linux 6.14+ with CONFIG_FUSE_IO_URING (no " + ENABLE_URING + ")";
            }
            if (java.nio.file.Files.readString(ENABLE_URING).trim().equals("Y")) {
                return null;
            }
            java.nio.file.Files.writeString(ENABLE_URING, "Y");
            System.err.println("zero-fuse: turned on FUSE over io_uring (" + ENABLE_URING + ")");
            return null;
        } catch (IOException e) {
            return "off: cannot turn on " + ENABLE_URING + " (" + e.getMessage() + ")";
        }
    }

    /** The entries a queue starts with (requests the kernel can hand it at once); it grows while answers wait off its thread. */
    private static final int QUEUE_DEPTH = 8;

    /**
     * Starts one io_uring queue per possible CPU (the kernel wants them all before it uses any),
     * each on a thread bound to its CPU; where that fails, requests stay on /dev/fuse.
     */
    private void startQueues() {
        int cpus = possibleCpus();
        CountDownLatch registered = new CountDownLatch(cpus);
        String[] refusal = new String[1];
        for (int q = 0; q < cpus; q++) {
            int qid = q;
            Thread t = Thread.ofPlatform().name("zero-fuse-ring-" + q).daemon().start(() -> {
                UringQueue queue;
                try {
                    try {
                        Libc.pinToCpu(qid);
                    } catch (Errno e) {
                        // an offline CPU or a narrower cpuset: the queue still works, off its CPU
                    }
                    queue = new UringQueue(this, qid, fd, QUEUE_DEPTH, Protocol.BUFFER);
                    synchronized (queues) {
                        queues.add(queue);
                    }
                    int errno = queue.register();
                    if (errno != 0) {
                        refusal[0] = "the kernel refused queue " + qid + ": errno " + errno;
                        return;
                    }
                } catch (Errno e) {
                    refusal[0] = "queue " + qid + ": " + e.getMessage();
                    return;
                } finally {
                    registered.countDown();
                }
                queue.serve();
            });
            readers.add(t);
        }
        try {
            registered.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ioUring = refusal[0] == null;
        requestPath = ioUring ? "io_uring (" + cpus + " queues)" : "/dev/fuse (io_uring: " + refusal[0] + ")";
    }

    /** How many CPUs the kernel may ever run (/sys/devices/system/cpu/possible, e.g. "0-3"): one io_uring queue each. */
    private static int possibleCpus() {
        try {
            int max = 0;
            for (String range : java.nio.file.Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim().split(",")) {
                String[] ends = range.split("-");
                max = Math.max(max, Integer.parseInt(ends[ends.length - 1]));
            }
            return max + 1;
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** How requests reach the daemon: over io_uring, or over /dev/fuse and why. */
    public String requestPath() {
        return requestPath;
    }

    /** Whether requests come over io_uring (FORGET and INTERRUPT still come over /dev/fuse). */
    public boolean ioUring() {
        return ioUring;
    }

    /** How many requests came over io_uring. */
    public long ringRequests() {
        return ringRequests.sum();
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
    boolean defer(Request r, int capacity, Answer answer) {
        long unique = r.unique;
        int opcode = r.opcode;
        UringQueue.Entry entry = r.via;
        try {
            deferred.execute(() -> {
                if (entry != null) {
                    entry.queue.answerLater(entry, answered(answer, entry.payload, opcode));
                    return;
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment reply = arena.allocate(Protocol.OUT_HEADER + capacity, 8);
                    reply(reply, unique, opcode, answered(answer, reply.asSlice(Protocol.OUT_HEADER), opcode));
                }
            });
            deferredCount.increment();
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Whether answering {@code r} may wait on the disk or a restore: FSYNC, FSYNCDIR, FALLOCATE and a SETATTR of size. */
    static boolean mayWait(Request r) {
        return switch (r.opcode) {
            case Protocol.FSYNC, Protocol.FSYNCDIR, Protocol.FALLOCATE -> true;
            case Protocol.SETATTR -> (r.argInt(0) & Protocol.FATTR_SIZE) != 0;
            default -> false;
        };
    }

    /**
     * Handles io_uring request {@code r} on a thread of its own, its answer written to its
     * entry's payload buffer (so only for requests with no payload after their first argument).
     *
     * @return false if too many already wait: the caller handles it itself
     */
    boolean offload(Request r) {
        Request copy = r.copy(); // the queue's own request object takes the next one
        try {
            deferred.execute(() -> {
                int result = dispatch(copy, copy.via.payload);
                if (result != DEFERRED) {
                    copy.via.queue.answerLater(copy.via, result == NO_REPLY ? -Libc.EIO : result);
                }
            });
            deferredCount.increment();
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private static int answered(Answer answer, MemorySegment out, int opcode) {
        try {
            return answer.into(out);
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException bug) {
            System.err.println("zero-fuse: opcode " + opcode + " failed: " + bug);
            bug.printStackTrace();
            return -Libc.EIO;
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
            MemorySegment buf = arena.allocate(Protocol.BUFFER, 8);
            Request request = new Request(buf);
            MemorySegment reply = arena.allocate(Protocol.BUFFER, 8);
            MemorySegment payload = reply.asSlice(Protocol.OUT_HEADER);
            while (!closed) {
                long n;
                try {
                    n = Libc.read(fd, buf, Protocol.BUFFER);
                } catch (Errno e) {
                    if (e.errno == Libc.EINTR || e.errno == Libc.EAGAIN || e.errno == Libc.ENOENT) {
                        continue; // interrupted, or a request the kernel withdrew
                    }
                    break; // ENODEV: unmounted
                }
                if (n < Protocol.IN_HEADER) {
                    continue;
                }
                request.readHeader(buf, null);
                int result = dispatch(request, payload);
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

    /** Counts and handles one request; its answer's payload goes to {@code payload}: its length, -errno, {@link #NO_REPLY} or {@link #DEFERRED}. */
    int dispatch(Request request, MemorySegment payload) {
        if (request.opcode >= 0 && request.opcode < Protocol.OPCODES) {
            requests[request.opcode].increment();
        }
        if (request.opcode == Protocol.INIT) {
            return init(request, payload);
        }
        try {
            return ops.handle(request, payload);
        } catch (RuntimeException bug) {
            System.err.println("zero-fuse: opcode " + request.opcode + " failed: " + bug);
            bug.printStackTrace();
            return -Libc.EIO;
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
        if (wantIoUring) {
            want |= Protocol.OVER_IO_URING;
        }
        long granted = flags & want;
        passthrough = (granted & Protocol.PASSTHROUGH) != 0;
        ioUringGranted = (granted & Protocol.OVER_IO_URING) != 0;
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

    /** Whether {@link #close} has begun. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Unmounts (lazily: open files stay usable until closed) and stops the loops. Where files
     * are still open after 10 s the connection is aborted (those files then fail with ENOTCONN)
     * so that no loop outlives the device: its descriptor is closed only once every loop ended,
     * never under one that could still write a reply to whatever reuses the number.
     */
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
        if (joinReaders(10) && answered) { // io_uring queues end once their deferred answers are committed
            deviceOpen.writeLock().lock();
            try {
                deviceClosed = true;
                Libc.close(fd);
            } finally {
                deviceOpen.writeLock().unlock();
            }
            synchronized (queues) {
                queues.forEach(UringQueue::close);
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
