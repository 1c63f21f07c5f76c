package dev.zero.agent.status;

import dev.zero.agent.journal.JournalShipper;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Reports the journal's backlog. Always UP: the mount works while the service is away, and
 * restarting the agent would not bring the service back; the data says how far behind it is.
 */
@Liveness
@ApplicationScoped
public class JournalHealthCheck implements HealthCheck {
    private final JournalShipper shipper;

    JournalHealthCheck(JournalShipper shipper) {
        this.shipper = shipper;
    }

    @Override
    public HealthCheckResponse call() {
        JournalShipper.Status s = shipper.status();
        var answer = HealthCheckResponse.named("journal").up()
                .withData("connected", s.connected())
                .withData("durableSeq", s.durableSeq())
                .withData("appliedSeq", s.appliedSeq())
                .withData("backlog", Math.max(0, s.durableSeq() - s.appliedSeq()));
        if (s.lastError() != null) {
            answer.withData("lastError", s.lastError());
        }
        return answer.build();
    }
}
