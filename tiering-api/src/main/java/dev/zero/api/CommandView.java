package dev.zero.api;

import java.time.Instant;
import java.util.List;

/**
 * An operator's command and how far it has come: the files and bytes it covers, how many tasks
 * are done, refused or failed, the bytes moved so far, and why each refused or failed file was
 * not moved. {@code notFound} lists requested paths the catalogue does not have.
 */
public record CommandView(long id, String volume, TaskKind action, Instant createdAt, long files, long bytes, long done, long refused,
        long failed, long bytesDone, boolean finished, Instant finishedAt, List<String> notFound, List<Problem> problems) {

    /** One file the command did not move, and why. */
    public record Problem(String path, TaskOutcome outcome, String message) {
    }
}
