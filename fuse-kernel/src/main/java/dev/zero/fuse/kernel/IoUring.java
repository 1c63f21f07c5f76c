package dev.zero.fuse.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The little of io_uring that FUSE over io_uring needs, without liburing: one ring with 128-byte
 * submission entries (a uring command carries 80 bytes), used by one thread only. Entries are
 * written with {@link #next}, handed to the kernel with {@link #submitAndWait}, and completions
 * read with {@link #completions}. See io_uring_setup(2) for the layout of the shared rings.
 */
final class IoUring implements AutoCloseable {
    static final int OP_READ = 22, OP_URING_CMD = 46;
    private static final int SETUP_CQSIZE = 1 << 3, SETUP_SQE128 = 1 << 10;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final int ENTER_GETEVENTS = 1;
    private static final long OFF_SQ_RING = 0, OFF_CQ_RING = 0x8000000L, OFF_SQES = 0x10000000L;
    static final int SQE_SIZE = 128, CQE_SIZE = 16;
    /** Where a uring command's own data starts in its submission entry. */
    static final long CMD = 48;
    /** The shared head and tail words are read and written with acquire and release ordering. */
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** One completion: what the entry's {@code user_data} said and its result (-errno on failure). */
    @FunctionalInterface
    interface Completion {
        void completed(long userData, int result);
    }

    final int fd;
    private final MemorySegment sqRing, cqRing, sqes;
    private final int sqHead, sqTail, sqMask, cqHead, cqTail, cqMask, cqes;
    private int tail; // the next submission's slot (only this ring's thread writes it)

    IoUring(int entries) throws Errno {
        MemorySegment p = Arena.ofAuto().allocate(120, 8);
        p.set(JAVA_INT, 8, SETUP_SQE128 | SETUP_CQSIZE);
        p.set(JAVA_INT, 4, entries * 2); // cq_entries: every entry may complete twice before it is read
        fd = Libc.ioUringSetup(entries, p);
        int sqEntries = p.get(JAVA_INT, 0);
        int cqEntries = p.get(JAVA_INT, 4);
        int features = p.get(JAVA_INT, 20);
        // struct io_sqring_offsets at 40, io_cqring_offsets at 80
        sqHead = p.get(JAVA_INT, 40);
        sqTail = p.get(JAVA_INT, 44);
        int sqMaskAt = p.get(JAVA_INT, 48);
        int sqArray = p.get(JAVA_INT, 64);
        cqHead = p.get(JAVA_INT, 80);
        cqTail = p.get(JAVA_INT, 84);
        int cqMaskAt = p.get(JAVA_INT, 88);
        cqes = p.get(JAVA_INT, 100);
        long sqSize = sqArray + 4L * sqEntries;
        long cqSize = cqes + (long) CQE_SIZE * cqEntries;
        try {
            if ((features & FEAT_SINGLE_MMAP) != 0) {
                sqRing = Libc.mmap(fd, Math.max(sqSize, cqSize), OFF_SQ_RING);
                cqRing = sqRing;
            } else {
                sqRing = Libc.mmap(fd, sqSize, OFF_SQ_RING);
                cqRing = Libc.mmap(fd, cqSize, OFF_CQ_RING);
            }
            sqes = Libc.mmap(fd, (long) SQE_SIZE * sqEntries, OFF_SQES);
        } catch (Errno e) {
            Libc.close(fd);
            throw e;
        }
        sqMask = sqRing.get(JAVA_INT, sqMaskAt);
        cqMask = cqRing.get(JAVA_INT, cqMaskAt);
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, sqArray + 4L * i, i); // slot i holds entry i, always
        }
        tail = (int) INT.getAcquire(sqRing, (long) sqTail);
    }

    /** The next submission entry, zeroed; it goes to the kernel at the next {@link #submitAndWait}. */
    MemorySegment next() {
        MemorySegment sqe = sqes.asSlice((long) (tail & sqMask) * SQE_SIZE, SQE_SIZE);
        sqe.fill((byte) 0);
        tail++;
        return sqe;
    }

    /** Fills {@code sqe} as a uring command {@code cmdOp} on {@code file}; its 80 bytes of command data start at {@link #CMD}. */
    static void uringCmd(MemorySegment sqe, int file, int cmdOp, long addr, int len, long userData) {
        sqe.set(JAVA_BYTE, 0, (byte) OP_URING_CMD);
        sqe.set(JAVA_INT, 4, file);
        sqe.set(JAVA_INT, 8, cmdOp);
        sqe.set(JAVA_LONG, 16, addr);
        sqe.set(JAVA_INT, 24, len);
        sqe.set(JAVA_LONG, 32, userData);
    }

    /** Fills {@code sqe} as a read of {@code len} bytes of {@code file} into {@code addr}. */
    static void read(MemorySegment sqe, int file, long addr, int len, long userData) {
        sqe.set(JAVA_BYTE, 0, (byte) OP_READ);
        sqe.set(JAVA_INT, 4, file);
        sqe.set(JAVA_LONG, 16, addr);
        sqe.set(JAVA_INT, 24, len);
        sqe.set(JAVA_LONG, 32, userData);
    }

    /**
     * Hands what {@link #next} filled to the kernel and waits until at least one completion is
     * there. After EINTR, calling it again submits what the kernel did not take.
     */
    void submitAndWait() throws Errno {
        INT.setRelease(sqRing, (long) sqTail, tail);
        int pending = tail - (int) INT.getAcquire(sqRing, (long) sqHead);
        Libc.ioUringEnter(fd, pending, 1, ENTER_GETEVENTS);
    }

    /** Hands what {@link #next} filled to the kernel, without waiting. */
    void submit() throws Errno {
        INT.setRelease(sqRing, (long) sqTail, tail);
        int pending = tail - (int) INT.getAcquire(sqRing, (long) sqHead);
        Libc.ioUringEnter(fd, pending, 0, 0);
    }

    /** Passes every completion there is to {@code c}, then frees their slots; returns how many. */
    int completions(Completion c) {
        int head = (int) INT.getAcquire(cqRing, (long) cqHead);
        int end = (int) INT.getAcquire(cqRing, (long) cqTail);
        int n = 0;
        for (; head != end; head++, n++) {
            long at = cqes + (long) (head & cqMask) * CQE_SIZE;
            c.completed(cqRing.get(JAVA_LONG, at), cqRing.get(JAVA_INT, at + 8));
        }
        INT.setRelease(cqRing, (long) cqHead, head);
        return n;
    }

    @Override
    public void close() {
        Libc.close(fd);
        Libc.munmap(sqes);
        Libc.munmap(sqRing);
        if (cqRing != sqRing) {
            Libc.munmap(cqRing);
        }
    }
}
