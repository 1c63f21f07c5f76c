package dev.zero.service.local;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Starts the service. When {@code zero.embedded-postgres.dir} is set (system property, or
 * {@code ZERO_EMBEDDED_POSTGRES_DIR}), it first starts a private PostgreSQL with its data in
 * that directory and points the datasource at it: the local default of {@code ./zero up}.
 * Otherwise the datasource comes from configuration (compose, Kubernetes).
 */
@QuarkusMain
public class ServiceMain {
    private static final Logger LOG = Logger.getLogger(ServiceMain.class);

    public static void main(String... args) throws IOException {
        String dir = System.getProperty("zero.embedded-postgres.dir", System.getenv("ZERO_EMBEDDED_POSTGRES_DIR"));
        if (dir != null && !dir.isBlank()) {
            EmbeddedPostgres postgres = startEmbedded(Path.of(dir));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException e) {
                    LOG.warn("embedded PostgreSQL did not stop cleanly", e);
                }
            }, "embedded-postgres-stop"));
        }
        Quarkus.run(args);
    }

    static EmbeddedPostgres startEmbedded(Path dir) throws IOException {
        Path data = Files.createDirectories(dir).resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        int port = Integer.getInteger("zero.embedded-postgres.port", 0);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(work.toFile());
        if (port > 0) {
            builder.setPort(port);
        }
        EmbeddedPostgres postgres = builder.start();
        System.setProperty("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
        System.setProperty("quarkus.datasource.username", "postgres");
        System.setProperty("quarkus.datasource.password", "postgres");
        LOG.infof("embedded PostgreSQL on port %d, data in %s", postgres.getPort(), data);
        return postgres;
    }
}
