package dev.zero.api;

/**
 * How a task ended: DONE; REFUSED when the agent would not do it for a reason the file gives
 * (open, changed since upload, pinned, not synced: a later task may succeed); FAILED when it
 * tried and could not (the store or the service failed, a checksum did not match).
 */
public enum TaskOutcome {
    DONE, REFUSED, FAILED
}
