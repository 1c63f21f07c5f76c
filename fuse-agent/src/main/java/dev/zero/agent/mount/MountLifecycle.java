package dev.zero.agent.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.FileIds;
import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.journal.ChangeLog;
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
    private final FileIds ids;
    private FuseMount mount;

    @Inject
    public MountLifecycle(AgentConfig config, ChangeLog changeLog, FileIds ids) {
        this.config = config;
        this.changeLog = changeLog;
        this.ids = ids;
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
        return config.cacheDir().toAbsolutePath().resolve("tree");
    }

    public synchronized void start() throws IOException {
        if (mount != null) {
            return;
        }
        Path cache = config.cacheDir().toAbsolutePath();
        ZeroFs fs = new ZeroFs(cache.resolve("tree"), changeLog, ids, config.mount().dirAttrTimeout());
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
