package dev.zero.api;

/** How an agent finished a task; {@code message} explains a failure. */
public record TaskResult(boolean succeeded, String message) {
    public TaskResult {
        if (!succeeded && (message == null || message.isBlank())) {
            throw new IllegalArgumentException("message is required when a task did not succeed");
        }
    }
}
