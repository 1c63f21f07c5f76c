package dev.zero.service.store;

import dev.zero.service.config.ServiceConfig;
import dev.zero.service.store.b2.B2ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.jboss.logging.Logger;

/** Builds the configured object store ({@code zero.store.kind}) and checks it once at start. */
@ApplicationScoped
public class ObjectStores {
    private static final Logger LOG = Logger.getLogger(ObjectStores.class);

    @Produces
    @ApplicationScoped
    ObjectStore objectStore(ServiceConfig config, MeterRegistry meters) {
        ObjectStore store = switch (config.store().kind()) {
            case "fs" -> fs(config);
            case "b2" -> B2ObjectStore.open(config.store().b2(), meters);
            default -> throw new ConfigurationException("zero.store.kind must be 'fs' or 'b2', got '" + config.store().kind() + "'");
        };
        return new MeteredObjectStore(store, meters);
    }

    void close(@Disposes ObjectStore store) throws Exception {
        if (store instanceof MeteredObjectStore metered && metered.unwrap() instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /**
     * One clear line when the store cannot be used (a wrong key, a missing bucket), then the
     * readiness probe stays DOWN until it can; and uploads a killed predecessor left unfinished
     * are cancelled.
     */
    void atStart(@Observes StartupEvent start, ObjectStore store, ServiceConfig config) {
        Thread.ofVirtual().name("store-start-check").start(() -> {
            try {
                store.check();
                LOG.infof("object store %s is ready", store.kind());
                store.cancelIncompleteUploads(Instant.now().minus(config.gc().stagedRetention()));
            } catch (IOException | RuntimeException e) {
                LOG.errorf("the %s object store is not usable: %s; the service stays not ready until it is", store.kind(), e.getMessage());
            }
        });
    }

    private static ObjectStore fs(ServiceConfig config) {
        var root = config.store().fsRoot()
                .orElseThrow(() -> new ConfigurationException("zero.store.fs-root must name a directory when zero.store.kind=fs"));
        try {
            return new FsObjectStore(root, (int) config.transfer().bufferSize().asLongValue());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use " + root + " as the object store", e);
        }
    }
}
