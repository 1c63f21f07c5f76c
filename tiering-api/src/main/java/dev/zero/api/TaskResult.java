package dev.zero.api;

/** How an agent finished a task: the outcome, the bytes it moved, and a sentence saying why when it did not do it. */
public record TaskResult(TaskOutcome outcome, String message, long bytes) {
    /** Longest message kept; the rest is cut. */
    public static final int MAX_MESSAGE = 2000;

    public TaskResult {
        Checks.present("outcome", outcome);
        Checks.nonNegative("bytes", bytes);
        if (outcome != TaskOutcome.DONE && (message == null || message.isBlank())) {
            throw new IllegalArgumentException("message is required when a task is " + outcome);
        }
        if (message != null) {
            message = Checks.text("message", message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message);
        }
    }

    public static TaskResult done(long bytes) {
        return new TaskResult(TaskOutcome.DONE, null, bytes);
    }

    public boolean succeeded() {
        return outcome == TaskOutcome.DONE;
    }
}
