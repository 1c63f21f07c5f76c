package dev.zero.api;

/** How far a running task has come: the bytes it has moved so far. */
public record TaskProgress(long bytes) {
    public TaskProgress {
        Checks.nonNegative("bytes", bytes);
    }
}
