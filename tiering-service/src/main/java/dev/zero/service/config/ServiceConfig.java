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

    /** The seed's config.yml, read for B2 keys by SeedConfigSource (./zero up passes ZERO_CONFIG). */
    Optional<Path> seedConfig();

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
        /**
         * Token a new host exchanges once for its own credential ({@code POST /api/v1/hosts/{host}/enrolment});
         * good for nothing else (at least 16 characters). Unset: hosts get credentials only from an admin.
         */
        Optional<String> enrolmentToken();

        /** The shared agent token of earlier versions; refused at start-up with what replaced it. */
        Optional<String> agentToken();

        /** Token operators present on {@code /api/v1/admin/**} calls; also accepted on agent calls (at least 16 characters). */
        String adminToken();
    }

    interface Store {
        /** Which object store holds evicted content: {@code fs} (a local directory) or {@code b2} (a Backblaze B2 bucket). */
        @WithDefault("fs")
        String kind();

        /** Root directory of the {@code fs} store. */
        Optional<Path> fsRoot();

        B2 b2();
    }

    /** The {@code b2} store. The key id, key and bucket may also come from the seed's config.yml (see SeedConfigSource). */
    interface B2 {
        /** The application key's id ({@code accountId} in config.yml). */
        Optional<String> accountId();

        /** The application key itself: a secret, never logged, never in errors or metrics. */
        Optional<String> applicationKey();

        Optional<String> bucketId();

        /** Prepended to every object key, so one bucket can hold several Zero installations. */
        Optional<String> namePrefix();

        /** Where {@code b2_authorize_account} is called; every later call goes where its answer says. */
        @WithDefault("https://api.backblazeb2.com")
        String url();

        /** Allows a plain http:// URL: for a local emulator only, never for Backblaze itself. */
        @WithDefault("false")
        boolean allowInsecureHttp();

        /** Objects larger than this use the large-file API (parts of the account's recommended part size, in parallel). */
        @WithDefault("100M")
        io.quarkus.runtime.configuration.MemorySize largeFileCutoff();

        /** Parts of one large file uploaded at once. */
        @WithDefault("4")
        int uploadThreads();

        /** Attempts of one call before it fails (re-authorisation, a fresh upload URL, back-off with jitter between). */
        @WithDefault("8")
        int maxAttempts();

        /** Longest back-off between two attempts (a Retry-After from B2 is honoured as given). */
        @WithDefault("30s")
        Duration maxBackoff();

        /** Downloads are fetched in ranged pieces of this size, so a connection lost mid-body costs one piece, not the object. */
        @WithDefault("16M")
        io.quarkus.runtime.configuration.MemorySize downloadPiece();

        /** Server-side encryption of uploads: {@code none} or {@code SSE-B2} (Backblaze-managed keys). */
        @WithDefault("none")
        String serverSideEncryption();

        /** Backblaze's X-Bz-Test-Mode for every call (fail_some_uploads, expire_some_account_authorization_tokens, force_cap_exceeded): testing only. */
        Optional<String> testMode();

        /** Where uploads are spooled before they are sent (a retry must be able to send the bytes again). */
        Optional<Path> spoolDir();

        Prices prices();
    }

    /**
     * Backblaze's published prices (USD), for the cost estimate in status and metrics: storage
     * $6/TB-month, download $0.01/GB, class B $0.004 per 10,000 calls, class C $0.004 per 1,000
     * (backblaze.com/cloud-storage/pricing and b2-transactions-price, as of 2026-12). Free
     * allowances are not subtracted: the estimate is an upper bound.
     */
    interface Prices {
        @WithDefault("0.006")
        double storageGbMonth();

        @WithDefault("0.01")
        double downloadGb();

        @WithDefault("0.004")
        double classBPerTenThousand();

        @WithDefault("0.04")
        double classCPerTenThousand();
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
