package dev.zero.service.health;

import dev.zero.service.catalogue.Db;
import dev.zero.service.catalogue.PlannerQueries;
import dev.zero.service.config.ServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the planner runs: some replica (whichever holds the planner's lock) has planned
 * within twenty intervals, or there is nothing to plan yet. Restarting a replica whose planner
 * is stuck is what an orchestrator should do.
 */
@Liveness
@ApplicationScoped
public class PlannerHealthCheck implements HealthCheck {
    private final Db db;
    private final PlannerQueries queries;
    private final ServiceConfig config;
    private final Instant started = Instant.now();

    PlannerHealthCheck(Db db, PlannerQueries queries, ServiceConfig config) {
        this.db = db;
        this.queries = queries;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        var answer = HealthCheckResponse.named("planner").withData("enabled", config.planner().enabled());
        if (!config.planner().enabled()) {
            return answer.up().build();
        }
        Duration allowed = config.planner().interval().multipliedBy(20).plusSeconds(60);
        try {
            Instant last = db.inTransaction(queries::lastPlanned);
            Instant since = last == null ? started : last;
            answer.withData("lastRound", last == null ? "never" : last.toString());
            return Duration.between(since, Instant.now()).compareTo(allowed) <= 0 ? answer.up().build() : answer.down().build();
        } catch (RuntimeException e) {
            // the database being away is readiness' business, not a reason to restart
            return answer.up().withData("lastRound", "unknown: " + e.getMessage()).build();
        }
    }
}
