package dev.zero.service.planner;

import dev.zero.service.config.ServiceConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import org.jboss.logging.Logger;

/** Runs a planning round every {@code zero.planner.interval}; a round still running when the next is due is skipped. */
@ApplicationScoped
public class PlannerSchedule {
    private static final Logger LOG = Logger.getLogger(PlannerSchedule.class);

    private final Planner planner;
    private final ServiceConfig config;
    private final Clock clock = Clock.systemUTC();

    PlannerSchedule(Planner planner, ServiceConfig config) {
        this.planner = planner;
        this.config = config;
    }

    @Scheduled(every = "${zero.planner.interval:5s}", delayed = "${zero.planner.interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void round() {
        if (!config.planner().enabled()) {
            return;
        }
        try {
            planner.planOnce(clock.instant());
        } catch (RuntimeException e) {
            LOG.errorf("planning round failed: %s", e.toString());
        }
    }
}
