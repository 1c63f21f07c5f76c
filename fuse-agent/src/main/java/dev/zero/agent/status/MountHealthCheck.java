package dev.zero.agent.status;

import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.mount.MountLifecycle;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the volume is mounted (when mounting is enabled). */
@Readiness
@ApplicationScoped
public class MountHealthCheck implements HealthCheck {
    private final MountLifecycle mount;
    private final AgentConfig config;

    MountHealthCheck(MountLifecycle mount, AgentConfig config) {
        this.mount = mount;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        var answer = HealthCheckResponse.named("mount").withData("mountpoint", config.mountpoint().toString());
        if (!config.mount().enabled()) {
            return answer.up().withData("enabled", false).build();
        }
        return mount.current().map(v -> answer.status(v.isUp()).withData("transport", v.transport()).build()).orElseGet(() -> answer.down().build());
    }
}
