package dev.zero.api;

import java.time.Instant;

/** What one planning round of a volume decided: moves queued (files and bytes), how long it took, and why it did nothing if it did. */
public record PlannerRound(Instant at, long millis, long cacheBytes, long uploads, long uploadBytes, long evictions, long evictionBytes,
        long restores, long restoreBytes, String note) {
}
