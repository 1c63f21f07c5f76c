package dev.zero.agent.cache;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the cache moves content (see {@code zero.agent.tiering.*}).
 *
 * @param stateDir where partly restored files keep their chunk maps ({@code <stateDir>/restoring})
 * @param readAheadChunks chunks fetched beyond what a sequential reader asked for
 * @param restoreTimeout longest a read waits for the service to serve a chunk before it fails with EIO
 * @param roomWait longest a restore waits for room under the disk target before it fails
 * @param durableEvery restored bytes between two fdatasyncs (after which the chunk map records them)
 * @param stepDelay a pause after each crash-safe step (fault-injection tests make kills land inside transitions); 0 in use
 */
public record CacheSettings(Path stateDir, int readAheadChunks, Duration restoreTimeout, Duration roomWait, long durableEvery,
        Duration stepDelay) {

    Path restoringDir() {
        return stateDir.resolve("restoring");
    }

    void pause() {
        if (!stepDelay.isZero()) {
            try {
                Thread.sleep(stepDelay.toMillis()); // fault injection only: widens the window between two persisted steps
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
