package dev.zero.agent.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Configuration of the FUSE agent ({@code zero.agent.*}). */
@ConfigMapping(prefix = "zero.agent")
public interface AgentConfig {
    /** Directory where the volume appears to users; created if missing. */
    @WithDefault("/mnt/zero")
    Path mountpoint();

    /**
     * The agent's cache directory. The backing tree (the files themselves, mirrored one to one
     * with the mount) lives in {@code <cacheDir>/tree}, the change journal in
     * {@code <cacheDir>/journal} and small state files (e.g. the file-id counter) in
     * {@code <cacheDir>/state}. Must be on a filesystem with extended attributes (ext4, xfs).
     */
    @WithDefault("/var/cache/zero")
    Path cacheDir();

    /** Name of the volume this agent serves. */
    @WithDefault("default")
    String volume();

    /** This host's name towards the service; the machine's hostname when unset (see {@link HostName}). */
    Optional<String> host();

    /** Base URL of the tiering service. */
    @WithDefault("http://localhost:8080")
    String serviceUrl();

    /**
     * This host's credential towards the tiering service, when an admin issued one
     * ({@code POST /api/v1/admin/hosts/{host}/credential}). Unset: the credential got at enrolment.
     */
    Optional<String> token();

    /**
     * The service's enrolment token: exchanged once, on first start, for this host's own
     * credential (kept in {@code <cacheDir>/state/host-credential}); not used after that.
     */
    Optional<String> enrolmentToken();

    /**
     * Bearer token for the agent's own API ({@code /agent/v1/*}; health and metrics stay open).
     * Unset: the agent makes one on first start and keeps it in {@code <cacheDir>/state/api-token}.
     */
    Optional<String> apiToken();

    /** How the volume is mounted. */
    Mount mount();

    /** How content moves between the host and the object store. */
    Tiering tiering();

    /** Tiering settings. */
    interface Tiering {
        /** Tasks (uploads, evictions, restores the service asks for) run at once. */
        @WithDefault("4")
        int concurrency();

        /** How long one poll for tasks waits at the service when there is nothing to do (a long poll). */
        @WithDefault("20s")
        Duration pollWait();

        /** Chunks (of the stored copy's chunk size, 4 MiB by default) fetched ahead of a sequential reader of an evicted file. */
        @WithDefault("4")
        int readAheadChunks();

        /**
         * Longest a read of an evicted file waits for the service to serve it (retrying while it
         * cannot be reached) before the read fails with EIO; the file stays evicted.
         */
        @WithDefault("30s")
        Duration restoreTimeout();

        /** Longest a restore waits for room under the disk target (reported to the service at once) before it fails. */
        @WithDefault("30s")
        Duration roomWait();

        /** Restored bytes between two fdatasyncs of the file, after which the restored chunks survive a crash. */
        @WithDefault("64M")
        io.quarkus.runtime.configuration.MemorySize durableEvery();

        /** The size {@code df} shows for the mount: the disk feels infinite; the cache's own usage is in {@code ./zero status}. */
        @WithDefault("1024T")
        io.quarkus.runtime.configuration.MemorySize reportedCapacity();

        /**
         * A pause after each crash-safe step of an upload, eviction or restore. Only for fault
         * injection: tests set it so that a kill lands inside a transition. 0 in use.
         */
        @WithDefault("0s")
        Duration stepDelay();
    }

    /** Mount settings. */
    interface Mount {
        /** Mount on start-up (and unmount on shutdown). Off in tests that do not need a mount. */
        @WithDefault("true")
        boolean enabled();

        /** Let users other than the agent's use the mount ({@code allow_other}); permissions are checked by the kernel ({@code default_permissions}). */
        @WithDefault("true")
        boolean allowOther();

        /**
         * Which FUSE transport serves the mount. {@code kernel}: Zero's own speaker of the
         * /dev/fuse protocol (inode-based, attributes cached, kernel passthrough for files on the
         * host); the agent falls back to {@code jnr-fuse} by itself, saying why, where the kernel
         * transport cannot mount. {@code jnr-fuse}: libfuse2's path API through jnr-fuse.
         */
        @WithDefault("kernel")
        Transport transport();

        enum Transport {
            KERNEL,
            JNR_FUSE
        }

        /**
         * Kernel transport: let the kernel read and write open files whose content is on the host
         * straight on the backing file (FUSE passthrough, Linux 6.9+, needs CAP_SYS_ADMIN).
         * Without it every read and write crosses into the agent.
         */
        @WithDefault("true")
        boolean passthrough();

        /**
         * Kernel transport: take requests over io_uring (Linux 6.14+), one queue per CPU, where
         * the kernel allows it; the agent turns on the fuse module's {@code enable_uring} if it
         * is off. Else, and for FORGET and INTERRUPT always, requests come over /dev/fuse.
         */
        @WithDefault("true")
        boolean ioUring();

        /** Kernel transport: request loops serving /dev/fuse (reads and writes that wait for a restore are answered off them). */
        @WithDefault("16")
        int threads();

        /**
         * How long the kernel may cache file attributes ({@code attr_timeout}). By default 1 h on
         * the kernel transport: every hard link of a file is one kernel inode and the agent is
         * the only writer of its tree, so the kernel keeps what it caches right itself, and the
         * agent tells it what changes behind it (eviction, restores); see
         * {@link #readWriteAttrTimeout()} for the one exception. 0 on jnr-fuse: libfuse2's path
         * API gives every hard-link name its own kernel inode, so a non-zero value there shows
         * stale link counts, modes and owners on the other names after link, unlink, rename or
         * chmod; the price is one GETATTR round trip per stat.
         */
        Optional<Duration> attrTimeout();

        /**
         * Kernel transport: how long the kernel may cache the attributes of a file once it was
         * opened read-write. Stores through a shared writable mapping of a passed-through file
         * change its backing file's mtime with no request to the agent; this bounds how long
         * {@code stat} can show the time before them.
         */
        @WithDefault("1s")
        Duration readWriteAttrTimeout();

        /**
         * jnr-fuse: how long the kernel may cache the attributes of directories, whatever
         * {@link #attrTimeout()} says: directories cannot be hard-linked, so their cached
         * attributes cannot go stale the way other files' can. It spares the GETATTR that the
         * kernel's permission check sends for every directory of every path walked. 0 turns it off.
         */
        @WithDefault("1s")
        Duration dirAttrTimeout();

        /** How long the kernel may cache name lookups ({@code entry_timeout}): 1 h on the kernel transport, 1 s on jnr-fuse. */
        Optional<Duration> entryTimeout();

        /**
         * How long the kernel may cache failed lookups ({@code negative_timeout}), so a name
         * looked for again and again (search paths, build tools) costs no request: 1 h on the
         * kernel transport, 1 s on jnr-fuse. A name made through the mount shows at once either way.
         */
        Optional<Duration> negativeTimeout();

        /** How long to wait for the mount to show up before start-up fails. */
        @WithDefault("30s")
        Duration startTimeout();

        /** Extra libfuse {@code -o} options, appended as given (e.g. {@code max_read=131072}). */
        Optional<List<String>> extraOptions();

        /** How many file ids to reserve per fsynced write of the id counter. */
        @WithDefault("65536")
        int idBlock();
    }
}
