package dev.zero.service.health;

import dev.zero.service.store.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the object store accepts writes. */
@Readiness
@ApplicationScoped
public class ObjectStoreHealthCheck implements HealthCheck {
    private final ObjectStore store;

    ObjectStoreHealthCheck(ObjectStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        var answer = HealthCheckResponse.named("object-store").withData("kind", store.kind());
        try {
            store.check();
            return answer.up().build();
        } catch (Exception e) {
            return answer.down().withData("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }
}
