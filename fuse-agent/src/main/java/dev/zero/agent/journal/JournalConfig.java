package dev.zero.agent.journal;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the change journal is written and shipped ({@code zero.agent.journal.*}). */
@ConfigMapping(prefix = "zero.agent.journal")
public interface JournalConfig {
    /**
     * Longest a change waits in memory before it is written and fsynced with others (group
     * commit). Each fsync forces a commit of the backing file system's journal, which creates
     * and unlinks on the mount then wait for: 250 ms measured 1.5-2.5x more creates/s than 20 ms
     * (docs/benchmarks.md), and the catalogue still follows within a second.
     */
    @WithDefault("250ms")
    Duration commitInterval();

    /** Most records sent to the service in one batch. */
    @WithDefault("2000")
    int batchSize();

    /** A journal segment file is closed and a new one started past this size (bytes). */
    @WithDefault("16777216")
    long segmentBytes();

    /** Accesses (opens, reads) of a file within this interval become one ACCESS record. */
    @WithDefault("30s")
    Duration accessInterval();

    /** First wait after the service could not be reached; doubles up to {@link #maxRetryDelay()}. */
    @WithDefault("500ms")
    Duration retryDelay();

    @WithDefault("30s")
    Duration maxRetryDelay();

    /** How often the host reports its cache disk usage to the service. */
    @WithDefault("15s")
    Duration heartbeatInterval();
}
