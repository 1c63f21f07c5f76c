package dev.zero.fuse.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One queue of FUSE over io_uring (Linux 6.14+, fs/fuse/dev_uring.c): the kernel queues each
 * request on the queue of the CPU it was made on, so this queue's thread is bound to that CPU
 * and the request and its answer mostly stay there. The thread hands the kernel a few entries,
 * each a header and a payload buffer; a completion says one holds a request, and a single
 * COMMIT_AND_FETCH both answers it and offers the entry for the next one: one system call per
 * request where /dev/fuse needs a read and a write. FORGET, INTERRUPT and notifications still
 * go over /dev/fuse.
 */
final class UringQueue {
    private static final int CMD_REGISTER = 1, CMD_COMMIT_AND_FETCH = 2;
    /**
     * struct fuse_uring_req_header: the in or out header (128 bytes), the operation's first
     * argument (128), then struct fuse_uring_ent_in_out, whose commit_id the answer returns and
     * whose payload_sz says how much of the payload buffer is used each way.
     */
    private static final int OP_IN = 128, COMMIT_ID = 256 + 8, PAYLOAD_SIZE = 256 + 16, HEADER_BYTES = 4096;
    /** Room before the payload to put the in header and first argument back in front of it, as /dev/fuse delivers them. */
    private static final int PREFIX = 256;
    private static final long EVENT = -1;
    /**
     * Entries the queue keeps with the kernel for new requests while others wait off the thread:
     * the kernel gives a CPU's requests only to its own queue, and with none free they would wait
     * behind the slow ones. Past it the queue grows, up to as many as may wait at once. Growing
     * is not a cure for a burst that already found none free: the kernel hands requests it
     * queued to entries as they are answered, not to entries added (fs/fuse/dev_uring.c), so
     * those wait for the queue's next answer.
     */
    private static final int SPARE = 4;
    static final int MAX_ENTRIES = KernelMount.MAX_DEFERRED + SPARE;

    /** One entry: its buffers, and what the kernel last asked of it. */
    static final class Entry {
        final UringQueue queue;
        final int index;
        final MemorySegment mem;
        final MemorySegment payload;
        final MemorySegment iov;
        long commitId;
        /** The answer's payload length or -errno, once an answer computed off the queue's thread is ready. */
        int deferredResult;

        Entry(UringQueue queue, int index, int payloadBytes) throws Errno {
            this.queue = queue;
            this.index = index;
            mem = Libc.mmapAnonymous(HEADER_BYTES + PREFIX + payloadBytes);
            payload = mem.asSlice(HEADER_BYTES + PREFIX, payloadBytes);
            iov = Arena.ofAuto().allocate(32, 8);
            iov.set(JAVA_LONG, 0, mem.address());
            iov.set(JAVA_LONG, 8, HEADER_BYTES);
            iov.set(JAVA_LONG, 16, payload.address());
            iov.set(JAVA_LONG, 24, payloadBytes);
        }
    }

    private final KernelMount mount;
    private final int qid;
    private final int device;
    private final List<Entry> entries = new ArrayList<>();
    private final int payloadBytes;
    private final IoUring ring;
    private final int event;
    private final MemorySegment eventBuf = Arena.ofAuto().allocate(8, 8);
    /** What a thread that answered off the queue writes to the eventfd (only ever read). */
    private final MemorySegment one = Arena.ofAuto().allocateFrom(JAVA_LONG, 1L);
    /** Entries whose deferred answers are ready, committed by the queue's thread when the eventfd wakes it. */
    private final ConcurrentLinkedQueue<Entry> answered = new ConcurrentLinkedQueue<>();
    private final KernelMount.Request request = new KernelMount.Request(MemorySegment.NULL);
    /** Where a handler writes its answer's payload (never the entry's own buffer: the request is still read from it). */
    private final MemorySegment replyPayload;
    /** Entries the kernel holds (registered or committed, no completion yet) or whose answer is being computed off this thread. */
    private int inKernel, waiting;
    /** The last errno an entry failed with, and whether the queue has started serving (errors before that are the caller's to report). */
    private int lastError;
    private boolean started;

    UringQueue(KernelMount mount, int qid, int device, int depth, int payloadBytes) throws Errno {
        this.mount = mount;
        this.qid = qid;
        this.device = device;
        this.payloadBytes = payloadBytes;
        for (int i = 0; i < depth; i++) {
            entries.add(new Entry(this, i, payloadBytes));
        }
        replyPayload = Libc.mmapAnonymous(payloadBytes);
        ring = new IoUring(MAX_ENTRIES + 1); // every entry and the eventfd read may be submitted at once
        try {
            event = Libc.eventfd(Libc.EFD_CLOEXEC);
        } catch (Errno e) {
            ring.close();
            throw e;
        }
    }

    /**
     * Registers every entry with the kernel; returns the errno the kernel refused the first
     * with, or 0. Called on the queue's own thread, after INIT was answered.
     */
    int register() throws Errno {
        for (Entry e : entries) {
            submitRegister(e);
        }
        armEvent();
        ring.submit(); // the kernel checks each registration as it is submitted
        ring.completions(this::completed);
        started = true;
        return inKernel + waiting == 0 ? lastError : 0;
    }

    /** Serves requests until the connection ends. */
    void serve() {
        while (inKernel + waiting > 0) {
            try {
                ring.submitAndWait();
            } catch (Errno e) {
                if (e.errno == Libc.EINTR) {
                    continue;
                }
                System.err.println("zero-fuse: io_uring queue " + qid + " stopped: " + e.getMessage());
                return;
            }
            ring.completions(this::completed);
        }
    }

    private void completed(long data, int result) {
        if (data == EVENT) {
            for (Entry e; (e = answered.poll()) != null; ) {
                waiting--;
                submitCommit(e, e.deferredResult, null);
            }
            if (result >= 0) {
                armEvent();
            } else if (!mount.isClosed()) {
                System.err.println("zero-fuse: io_uring queue " + qid + " cannot wait for answers made off it: errno " + -result);
            }
            return;
        }
        Entry e = entries.get((int) data);
        inKernel--;
        if (result == -Libc.EINTR || result == -Libc.EAGAIN || result == -Libc.ENOENT) {
            // interrupted, or the answer's request was gone: offer the entry again
            submitRegister(e);
            return;
        }
        if (result < 0) {
            lastError = -result;
            if (started && result != -Libc.ENOTCONN && result != -Libc.ECONNABORTED && result != -Libc.ECANCELED && !mount.isClosed()) {
                System.err.println("zero-fuse: io_uring queue " + qid + " entry " + e.index + " failed: errno " + -result);
            }
            return; // the connection is gone
        }
        e.commitId = e.mem.get(JAVA_LONG, COMMIT_ID);
        try {
            take(e);
        } catch (RuntimeException bug) {
            System.err.println("zero-fuse: io_uring queue " + qid + ": a request failed: " + bug);
            bug.printStackTrace();
            submitCommit(e, -Libc.EIO, null);
        }
    }

    /** Handles the request entry {@code e} holds and commits its answer, unless it is answered off this thread. */
    private void take(Entry e) {
        int payloadLength = e.mem.get(JAVA_INT, PAYLOAD_SIZE);
        int length = e.mem.get(JAVA_INT, 0);
        int argLength = length - Protocol.IN_HEADER - payloadLength;
        // in header and first argument go back in front of the payload, where /dev/fuse has them
        long start = HEADER_BYTES + PREFIX - Protocol.IN_HEADER - argLength;
        MemorySegment.copy(e.mem, OP_IN, e.mem, start + Protocol.IN_HEADER, argLength);
        MemorySegment.copy(e.mem, 0, e.mem, start, Protocol.IN_HEADER);
        request.readHeader(e.mem.asSlice(start, length), e);
        mount.ringRequests.increment();
        // A request that may wait (fsync, a truncate that restores) would hold every request made
        // on this CPU: it is answered off this thread, straight into the entry's payload buffer,
        // which its arguments (all in front of it) do not share.
        if (payloadLength == 0 && KernelMount.mayWait(request) && mount.offload(request)) {
            waitingOffThread();
            return;
        }
        int answer = mount.dispatch(request, replyPayload);
        if (answer == KernelMount.DEFERRED) {
            waitingOffThread(); // committed when the answer is ready
            return;
        }
        if (answer == KernelMount.NO_REPLY) {
            answer = -Libc.EIO; // never sent over io_uring (FORGET goes over /dev/fuse); an entry must be answered to be used again
        }
        submitCommit(e, answer, replyPayload);
    }

    /** The entry just handled waits for an answer off this thread: keep {@link #SPARE} entries with the kernel. */
    private void waitingOffThread() {
        waiting++;
        if (inKernel < SPARE && entries.size() < MAX_ENTRIES) {
            try {
                Entry e = new Entry(this, entries.size(), payloadBytes);
                entries.add(e);
                submitRegister(e);
            } catch (Errno failed) {
                System.err.println("zero-fuse: io_uring queue " + qid + " cannot grow: " + failed.getMessage());
            }
        }
    }

    /** Answers entry {@code e}'s request from another thread, which wrote the payload into {@link Entry#payload}. */
    void answerLater(Entry e, int result) {
        e.deferredResult = result;
        answered.add(e);
        try {
            Libc.write(event, one, 8);
        } catch (Errno ignored) {
            // the queue is gone with the connection: nothing waits for the answer
        }
    }

    /** Puts the answer (payload length or -errno) in the entry's header and commits it, fetching the next request. */
    private void submitCommit(Entry e, int result, MemorySegment from) {
        int payloadLength = Math.max(result, 0);
        if (from != null && payloadLength > 0) {
            MemorySegment.copy(from, 0, e.payload, 0, payloadLength);
        }
        e.mem.set(JAVA_INT, 0, Protocol.OUT_HEADER + payloadLength);
        e.mem.set(JAVA_INT, 4, Math.min(result, 0));
        e.mem.set(JAVA_LONG, 8, e.commitId);
        e.mem.set(JAVA_INT, PAYLOAD_SIZE, payloadLength);
        MemorySegment sqe = ring.next();
        IoUring.uringCmd(sqe, device, CMD_COMMIT_AND_FETCH, 0, 0, e.index);
        command(sqe, e.commitId);
        inKernel++;
    }

    private void submitRegister(Entry e) {
        MemorySegment sqe = ring.next();
        IoUring.uringCmd(sqe, device, CMD_REGISTER, e.iov.address(), 2, e.index);
        command(sqe, 0);
        inKernel++;
    }

    /** struct fuse_uring_cmd_req: flags, commit_id, qid. */
    private void command(MemorySegment sqe, long commitId) {
        sqe.set(JAVA_LONG, IoUring.CMD, 0);
        sqe.set(JAVA_LONG, IoUring.CMD + 8, commitId);
        sqe.set(JAVA_SHORT, IoUring.CMD + 16, (short) qid);
    }

    private void armEvent() {
        IoUring.read(ring.next(), event, eventBuf.address(), 8, EVENT);
    }

    /** Frees the ring and the eventfd (once no thread can use them). */
    void close() {
        ring.close();
        Libc.close(event);
    }
}
