package dev.zero.agent.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.config.AgentBeans;
import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.fs.ChangeLog;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Mounts the volume when the application starts and unmounts it when it stops (SIGTERM runs
 * Quarkus's shutdown, hence {@link ShutdownEvent}). A stale mount left by a killed agent is
 * cleared before mounting.
 */
@ApplicationScoped
public class MountLifecycle {
    private static final Logger LOG = Logger.getLogger(MountLifecycle.class);

    private final AgentConfig config;
    private final ChangeLog changeLog;
    private final TieredFiles tiered;
    private FuseMount mount;

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

    public synchronized void start() throws IOException {
        if (mount != null) {
            return;
        }
        ZeroFs fs = new ZeroFs(tiered, changeLog, config.mount().dirAttrTimeout(), config.tiering().reportedCapacity().asLongValue());
        mount = FuseMount.mount(fs, config.mountpoint(), MountOptions.of(config), config.mount().startTimeout());
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

    public synchronized Optional<FuseMount> current() {
        return Optional.ofNullable(mount);
    }
}
