package dev.zero.service.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The tiering service's own settings, under {@code zero.*}. */
@ConfigMapping(prefix = "zero")
public interface ServiceConfig {
    Auth auth();

    Store store();

    Transfer transfer();

    Tasks tasks();

    Planner planner();

    Gc gc();

    /** The planner: what moves, and when ({@code zero.planner.*}). */
    interface Planner {
        /** Time between two planning rounds. Only one replica plans at a time (a PostgreSQL advisory lock). */
        @WithDefault("5s")
        Duration interval();

        /** Off: nothing moves by itself (commands still work). */
        @WithDefault("true")
        boolean enabled();

        /** Most moves one round queues per volume. */
        @WithDefault("1000")
        int maxTasksPerRound();

        /**
         * The eviction order: {@code score} (the planner's ranking, see V3__planner.sql and docs/architecture.md) or
         * {@code lru} (least recently used first, to compare).
         */
        @WithDefault("score")
        Ranking ranking();

        enum Ranking { SCORE, LRU }
    }

    /** Garbage collection of objects no file needs ({@code zero.gc.*}). */
    interface Gc {
        /** Time between two collections. */
        @WithDefault("10m")
        Duration interval();

        /** How long content no file references any more (deleted, or replaced by a newer version) stays restorable (undelete, versions). */
        @WithDefault("7d")
        Duration retention();

        /** How long an uploaded object that was never confirmed (its uploader died, or it was stale) is kept. */
        @WithDefault("1d")
        Duration stagedRetention();

        /** How long finished tasks and commands are kept for status and history. */
        @WithDefault("7d")
        Duration taskHistory();
    }

    /**
     * The local default's private PostgreSQL, started by {@code ServiceMain} before the
     * application when {@code dir} is set (read there, before configuration exists; listed
     * here so it is documented and validated).
     */
    EmbeddedPostgres embeddedPostgres();

    interface EmbeddedPostgres {
        /** Directory for the database's files; unset: use the configured datasource. */
        Optional<Path> dir();

        /** Port to listen on; unset: a free one. */
        Optional<Integer> port();
    }

    /** Bearer tokens; both are secrets and are never logged. */
    interface Auth {
        /** Token agents present on {@code /api/v1/**} calls (at least 16 characters). */
        String agentToken();

        /** Token operators present on {@code /api/v1/admin/**} calls; also accepted on agent calls (at least 16 characters). */
        String adminToken();
    }

    interface Store {
        /** Which object store holds evicted content: {@code fs} (a local directory). */
        @WithDefault("fs")
        String kind();

        /** Root directory of the {@code fs} store. */
        Optional<Path> fsRoot();
    }

    interface Transfer {
        /** Largest content version accepted by one upload; larger uploads get 413. */
        @WithDefault("5T")
        io.quarkus.runtime.configuration.MemorySize maxObjectSize();

        /**
         * Size of the chunks whose SHA-256 is recorded with every stored object, so that a ranged
         * restore fetches and verifies only the chunks it reads. Recorded per object: changing it
         * affects new uploads only.
         */
        @WithDefault("4M")
        io.quarkus.runtime.configuration.MemorySize chunkSize();

        /** Buffer used to stream bytes between the agent and the store. */
        @WithDefault("256K")
        io.quarkus.runtime.configuration.MemorySize bufferSize();
    }

    interface Tasks {
        /** How long a polled task stays leased to the agent that claimed it before it may be handed out again. */
        @WithDefault("5m")
        Duration lease();
    }
}
