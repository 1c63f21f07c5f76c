package dev.zero.api;

import java.time.Instant;
import java.util.List;

/**
 * A volume at a glance, for {@code ./zero status}: its disk against the target and the hard
 * limit, files and bytes per tier state, the moves queued, the planner's last round and the
 * last failures.
 */
public record VolumeStatus(String volume, String host, Long targetBytes, Long highBytes, Long lowBytes, Long maxBytes, long cacheBytes,
        long neededBytes, Instant lastHeartbeat, List<StateTotal> states, List<Pending> pending, PlannerRound lastRound,
        long neverUploadBytes, List<Failure> lastFailures, StoreUsage store) {

    /** The same status with what the volume holds in the object store and what that costs. */
    public VolumeStatus withStore(StoreUsage usage) {
        return new VolumeStatus(volume, host, targetBytes, highBytes, lowBytes, maxBytes, cacheBytes, neededBytes, lastHeartbeat, states,
                pending, lastRound, neverUploadBytes, lastFailures, usage);
    }

    /**
     * The volume in the object store: objects and bytes kept (current and older versions until
     * collected), downloads over the last 30 days, the store calls this service replica made
     * since it started by Backblaze's transaction class, and the monthly cost that implies at
     * the configured prices (null for a store that costs nothing per use, such as fs).
     */
    public record StoreUsage(String kind, long objects, long storedBytes, long downloads30d, long downloadedBytes30d,
            java.util.Map<String, Long> callsByClass, Double estimatedMonthlyUsd) {
    }

    /** Files and logical bytes in one tier state. */
    public record StateTotal(TierState state, long files, long bytes) {
    }

    /** Tasks of one kind not finished yet. */
    public record Pending(TaskKind kind, long tasks, long bytes) {
    }

    /** A task that was refused or failed, recently. */
    public record Failure(Instant at, TaskKind kind, String path, TaskOutcome outcome, String message) {
    }
}
