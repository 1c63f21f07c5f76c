package dev.zero.agent.cache;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the backing tree holds, kept up to date by the operations that change it instead of by
 * walking: bytes allocated on disk (what the disk target limits), logical bytes of all files
 * (evicted ones included; what {@code df} on the mount shows as used) and the number of files.
 * The start-up walk sets the totals; every change through the mount, and every eviction and
 * restore, adds its difference. Changes made behind the agent's back show after the next start.
 */
public final class SpaceAccounting {
    private final LongAdder allocated = new LongAdder();
    private final LongAdder logical = new LongAdder();
    private final LongAdder files = new LongAdder();

    /** Sets the totals found by a walk of the whole tree. */
    public synchronized void reset(long allocatedBytes, long logicalBytes, long fileCount) {
        allocated.reset();
        logical.reset();
        files.reset();
        add(allocatedBytes, logicalBytes, fileCount);
    }

    public void add(long allocatedDelta, long logicalDelta, long fileDelta) {
        if (allocatedDelta != 0) {
            allocated.add(allocatedDelta);
        }
        if (logicalDelta != 0) {
            logical.add(logicalDelta);
        }
        if (fileDelta != 0) {
            files.add(fileDelta);
        }
    }

    public long allocatedBytes() {
        return Math.max(0, allocated.sum());
    }

    public long logicalBytes() {
        return Math.max(0, logical.sum());
    }

    public long files() {
        return Math.max(0, files.sum());
    }
}
