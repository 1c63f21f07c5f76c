package dev.zero.agent.cache;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * Keeps Zero's own writes to the backing tree (restores) under the disk target: a restore
 * reserves the bytes it is about to write and waits, for a bounded time, while the target
 * leaves no room. The room it waits for is reported at once (so the service can evict), and
 * every change of usage or target wakes the waiters. Users' writes are never held here.
 */
public final class DiskBudget {
    private final SpaceAccounting space;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomMade = lock.newCondition();
    private volatile Long target;
    private long reserved;
    private long waitingFor;
    private volatile LongConsumer needsRoom = bytes -> { };

    public DiskBudget(SpaceAccounting space) {
        this.space = space;
    }

    /** The disk target of this host's volume, or null when none is set (then only the disk itself limits). */
    public void setTarget(Long bytes) {
        target = bytes;
        wake();
    }

    public Long target() {
        return target;
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
                if (limit == null || space.allocatedBytes() + reserved + bytes <= limit) {
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
                    long need = space.allocatedBytes() + reserved + waitingFor - limit;
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
