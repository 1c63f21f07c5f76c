package dev.zero.agent.cache;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * Keeps the backing tree within its limits. Zero's own writes (restores) stay under the disk
 * target: a restore reserves the bytes it is about to write and waits, for a bounded time, while
 * the target leaves no room. Users' writes pass the target (the planner uploads and evicts the
 * excess) and wait only at the hard limit, when one is set. The room anyone waits for is reported
 * at once (so the service can evict), and every change of usage or limits wakes the waiters.
 * Usage is the tree's allocated bytes plus what open handles wrote since their space was last
 * counted (an upper bound: an overwrite allocates nothing).
 */
public final class DiskBudget {
    private final SpaceAccounting space;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomMade = lock.newCondition();
    private final java.util.concurrent.atomic.LongAdder uncounted = new java.util.concurrent.atomic.LongAdder();
    private volatile Long target;
    private volatile Long high;
    private volatile Long max;
    private long reserved;
    private long waitingFor;
    private volatile LongConsumer needsRoom = bytes -> { };

    public DiskBudget(SpaceAccounting space) {
        this.space = space;
    }

    /**
     * The limits of this host's volume, each null when not set: the disk target, the usage past
     * which the service is told at once ({@code high}), and the hard limit writers wait at.
     */
    public void setLimits(Long target, Long high, Long max) {
        this.target = target;
        this.high = high;
        this.max = max;
        wake();
    }

    public Long target() {
        return target;
    }

    public Long max() {
        return max;
    }

    /** Bytes the tree uses, counting what open handles wrote since their space was last counted. */
    public long usedBytes() {
        return space.allocatedBytes() + Math.max(0, uncounted.sum());
    }

    /** Whether usage is past the high watermark (then the service hears of it at once, and often). */
    public boolean aboveHigh() {
        Long h = high;
        return h != null && usedBytes() > h;
    }

    /** A handle wrote {@code bytes} not yet in the space totals (negative: they have been counted since). */
    public void uncounted(long bytes) {
        uncounted.add(bytes);
    }

    /**
     * Lets a user's write of {@code bytes} proceed under the hard limit, waiting up to
     * {@code wait} for the service to make room. Returns false (the write gets ENOSPC) when
     * there is still none.
     */
    public boolean admitWrite(long bytes, Duration wait) throws InterruptedException {
        Long limit = max;
        if (limit == null || usedBytes() + bytes <= limit) {
            return true;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        waitingFor += bytes;
        try {
            needsRoom.accept(Math.max(bytes, usedBytes() + reserved + waitingFor - limit));
            while (true) {
                limit = max;
                if (limit == null || usedBytes() + bytes <= limit) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                roomMade.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
        } finally {
            waitingFor -= bytes;
            if (waitingFor == 0) {
                needsRoom.accept(0);
            }
            lock.unlock();
        }
    }

    /** Where to report the room waiting restores need (bytes; 0 when none waits any more). */
    public void onNeedsRoom(LongConsumer reporter) {
        this.needsRoom = reporter;
    }

    /** Bytes restores are waiting for right now. */
    public long neededBytes() {
        lock.lock();
        try {
            return waitingFor;
        } finally {
            lock.unlock();
        }
    }

    /** Usage (or the target) changed: waiting restores look again. */
    public void wake() {
        lock.lock();
        try {
            roomMade.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reserves {@code bytes} of the target, waiting up to {@code wait} for room. Returns false
     * when there is still no room then. A reservation is given back with {@link #release}.
     */
    public boolean reserve(long bytes, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        boolean reported = false;
        lock.lock();
        try {
            while (true) {
                Long limit = target;
                if (limit == null || usedBytes() + reserved + bytes <= limit) {
                    reserved += bytes;
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (!reported) {
                    reported = true;
                    waitingFor += bytes;
                    long need = usedBytes() + reserved + waitingFor - limit;
                    needsRoom.accept(Math.max(need, bytes));
                }
                roomMade.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
        } finally {
            if (reported) {
                waitingFor -= bytes;
                if (waitingFor == 0) {
                    needsRoom.accept(0);
                }
            }
            lock.unlock();
        }
    }

    public void release(long bytes) {
        lock.lock();
        try {
            reserved = Math.max(0, reserved - bytes);
            roomMade.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
