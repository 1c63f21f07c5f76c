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
        long neverUploadBytes, List<Failure> lastFailures) {

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
