package dev.zero.service.store;

import dev.zero.service.config.ServiceConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Builds the configured object store ({@code zero.store.kind}). */
@ApplicationScoped
public class ObjectStores {
    @Produces
    @ApplicationScoped
    ObjectStore objectStore(ServiceConfig config) {
        String kind = config.store().kind();
        if (!kind.equals("fs")) {
            throw new ConfigurationException("zero.store.kind must be 'fs', got '" + kind + "'");
        }
        var root = config.store().fsRoot()
                .orElseThrow(() -> new ConfigurationException("zero.store.fs-root must name a directory when zero.store.kind=fs"));
        try {
            return new FsObjectStore(root, (int) config.transfer().bufferSize().asLongValue());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use " + root + " as the object store", e);
        }
    }
}
