package dev.zero.service.health;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the catalogue database answers. */
@Readiness
@ApplicationScoped
public class DatabaseHealthCheck implements HealthCheck {
    private final AgroalDataSource dataSource;

    DatabaseHealthCheck(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public HealthCheckResponse call() {
        var answer = HealthCheckResponse.named("catalogue-database");
        try (Connection c = dataSource.getConnection(); var s = c.createStatement()) {
            s.setQueryTimeout(5);
            try (var rs = s.executeQuery("select count(*) from volume")) {
                rs.next();
                return answer.up().withData("volumes", rs.getLong(1)).build();
            }
        } catch (SQLException e) {
            return answer.down().withData("error", e.getMessage()).build();
        }
    }
}
