package dev.zero.service.catalogue;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Runs catalogue work in one local transaction: commits on success, rolls back on any failure. */
@ApplicationScoped
public class Db {
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final AgroalDataSource dataSource;

    Db(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public <T> T inTransaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (Throwable e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new CatalogueException(e);
        }
    }

    /**
     * Binds parameters in order; Instants become timestamps (truncated to the microsecond PostgreSQL
     * keeps, as stat shows a time truncated, never rounded into the next unit), nulls keep their SQL type open.
     */
    public static PreparedStatement bind(PreparedStatement statement, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object value = values[i];
            if (value instanceof Instant instant) {
                statement.setTimestamp(i + 1, Timestamp.from(instant.truncatedTo(ChronoUnit.MICROS)));
            } else if (value instanceof Enum<?> e) {
                statement.setString(i + 1, e.name());
            } else {
                statement.setObject(i + 1, value);
            }
        }
        return statement;
    }

    static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    /** A database failure: the request fails with 503 and the transaction left nothing behind. */
    public static final class CatalogueException extends RuntimeException {
        public CatalogueException(SQLException cause) {
            super("catalogue database error: " + cause.getMessage(), cause);
        }
    }
}
