package dev.zero.agent.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.config.AgentBeans;
import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.fs.ChangeLog;
import dev.zero.agent.kernel.KernelVolume;
import dev.zero.agent.volume.Volume;
import dev.zero.fuse.kernel.CacheTimeouts;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Mounts the volume when the application starts and unmounts it when it stops (SIGTERM runs
 * Quarkus's shutdown, hence {@link ShutdownEvent}). A stale mount left by a killed agent is
 * cleared before mounting. The volume is served by the configured transport (see
 * {@link AgentConfig.Mount#transport()}), the kernel one falling back to jnr-fuse where it cannot mount.
 */
@ApplicationScoped
public class MountLifecycle {
    private static final Logger LOG = Logger.getLogger(MountLifecycle.class);
    /**
     * The kernel transport caches names, missing names and attributes this long unless
     * configured: safe, every hard link is one inode and the agent tells the kernel what changes
     * behind it (see {@link CacheTimeouts}).
     */
    static final Duration KERNEL_CACHE_TIMEOUT = Duration.ofHours(1);
    /** The kernel transport's timeouts with nothing configured. */
    static final CacheTimeouts KERNEL_DEFAULTS = new CacheTimeouts(KERNEL_CACHE_TIMEOUT, KERNEL_CACHE_TIMEOUT, KERNEL_CACHE_TIMEOUT,
            Duration.ofSeconds(1));

    private final AgentConfig config;
    private final ChangeLog changeLog;
    private final TieredFiles tiered;
    private Volume mount;

    @Inject
    public MountLifecycle(AgentConfig config, ChangeLog changeLog, TieredFiles tiered) {
        this.config = config;
        this.changeLog = changeLog;
        this.tiered = tiered;
    }

    void onStart(@Observes StartupEvent event) throws IOException {
        if (config.mount().enabled()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** The backing tree: {@code <cacheDir>/tree}. */
    public Path backingRoot() {
        return AgentBeans.tree(config);
    }

    /** The kernel transport's cache timeouts: as configured, else {@link #KERNEL_CACHE_TIMEOUT}. */
    public static CacheTimeouts kernelTimeouts(AgentConfig.Mount m) {
        return new CacheTimeouts(m.entryTimeout().orElse(KERNEL_CACHE_TIMEOUT), m.negativeTimeout().orElse(KERNEL_CACHE_TIMEOUT),
                m.attrTimeout().orElse(KERNEL_CACHE_TIMEOUT), m.readWriteAttrTimeout());
    }

    public synchronized void start() throws IOException {
        if (mount != null) {
            return;
        }
        AgentConfig.Mount m = config.mount();
        long capacity = config.tiering().reportedCapacity().asLongValue();
        if (m.transport() == AgentConfig.Mount.Transport.KERNEL) {
            try {
                mount = KernelVolume.mount(tiered, changeLog, capacity, config.mountpoint(), m.passthrough(), m.ioUring(), kernelTimeouts(m),
                        m.threads());
                return;
            } catch (IOException | RuntimeException | LinkageError e) {
                LOG.warnf("the kernel transport cannot mount %s (%s); serving it with jnr-fuse instead", config.mountpoint(), e.getMessage());
            }
        }
        ZeroFs fs = new ZeroFs(tiered, changeLog, m.dirAttrTimeout(), capacity);
        mount = FuseMount.mount(fs, config.mountpoint(), MountOptions.of(config), m.startTimeout());
    }

    public synchronized void stop() {
        if (mount == null) {
            return;
        }
        try {
            mount.close();
        } catch (IOException e) {
            LOG.errorf(e, "unmounting %s failed", mount.mountpoint());
        } finally {
            mount = null;
        }
    }

    public synchronized Optional<Volume> current() {
        return Optional.ofNullable(mount);
    }
}
