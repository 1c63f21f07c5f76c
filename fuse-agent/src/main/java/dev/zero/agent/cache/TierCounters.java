package dev.zero.agent.cache;

import java.util.concurrent.atomic.LongAdder;

/** Running totals of tier moves on this host, for metrics and status. */
public final class TierCounters {
    private final LongAdder uploads = new LongAdder();
    private final LongAdder uploadedBytes = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder evictedBytes = new LongAdder();
    private final LongAdder restoredBytes = new LongAdder();
    private final LongAdder restores = new LongAdder();
    private final LongAdder restoreFailures = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private volatile java.util.function.LongConsumer readWaits = nanos -> { };

    /** Where the time a read of an evicted file waited for its content goes (a latency histogram). */
    public void onReadWait(java.util.function.LongConsumer sink) {
        readWaits = sink;
    }

    void readWaited(long nanos) {
        readWaits.accept(nanos);
    }

    public void uploaded(long bytes) {
        uploads.increment();
        uploadedBytes.add(bytes);
    }

    void evicted(long bytesFreed) {
        evictions.increment();
        evictedBytes.add(bytesFreed);
    }

    void restored(long bytes) {
        restoredBytes.add(bytes);
    }

    void restoreCompleted() {
        restores.increment();
    }

    void restoreFailed() {
        restoreFailures.increment();
    }

    void corruptFound() {
        corrupt.increment();
    }

    public long uploads() {
        return uploads.sum();
    }

    public long uploadedBytes() {
        return uploadedBytes.sum();
    }

    public long evictions() {
        return evictions.sum();
    }

    public long evictedBytes() {
        return evictedBytes.sum();
    }

    public long restoredBytes() {
        return restoredBytes.sum();
    }

    public long restores() {
        return restores.sum();
    }

    public long restoreFailures() {
        return restoreFailures.sum();
    }

    /** Chunks or whole files whose bytes did not match their SHA-256 (never served). */
    public long corrupt() {
        return corrupt.sum();
    }
}
