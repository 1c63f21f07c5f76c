package dev.zero.service.local;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Starts the service. When {@code zero.embedded-postgres.dir} is set (system property, or
 * {@code ZERO_EMBEDDED_POSTGRES_DIR}), it first starts a private PostgreSQL with its data in
 * that directory and points the datasource at it: the local default of {@code ./zero up}.
 * Otherwise the datasource comes from configuration (compose, Kubernetes).
 * <p>
 * The catalogue is user data once files live only in the object store, so the embedded
 * PostgreSQL runs durable (fsync and synchronous commit on, unlike the test library's defaults),
 * and a PostgreSQL left running on the data directory by a killed service is stopped first
 * instead of making every later start fail.
 */
@QuarkusMain
public class ServiceMain {
    private static final Logger LOG = Logger.getLogger(ServiceMain.class);
    private static final Duration ORPHAN_STOP = Duration.ofSeconds(30);

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
        stopOrphan(data);
        int port = Integer.getInteger("zero.embedded-postgres.port", 0);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(work.toFile())
                // durable: these follow the library's "-F" on the command line, so they win
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on");
        if (port > 0) {
            builder.setPort(port);
        }
        EmbeddedPostgres postgres = builder.start();
        requireDurable(postgres);
        System.setProperty("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
        System.setProperty("quarkus.datasource.username", "postgres");
        System.setProperty("quarkus.datasource.password", "postgres");
        LOG.infof("embedded PostgreSQL on port %d, data in %s (fsync on, synchronous commit on)", postgres.getPort(), data);
        return postgres;
    }

    /**
     * A postmaster still running on {@code data} (its service was killed, the database outlived
     * it) is asked to shut down fast (SIGINT), then immediately (SIGQUIT), and the pid file it
     * leaves is ignored by the next start. Nothing is lost: a fast shutdown checkpoints, an
     * immediate one is recovered from the WAL at the next start.
     */
    static void stopOrphan(Path data) throws IOException {
        Optional<ProcessHandle> orphan = orphan(data);
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = orphan.get();
        LOG.warnf("a PostgreSQL (pid %d) is still running on %s, left by a service that did not stop; shutting it down",
                postmaster.pid(), data);
        signal(postmaster.pid(), "INT");
        if (!waitExit(postmaster, ORPHAN_STOP)) {
            LOG.warnf("PostgreSQL %d did not shut down in %s; stopping it immediately", postmaster.pid(), ORPHAN_STOP);
            signal(postmaster.pid(), "QUIT");
            if (!waitExit(postmaster, ORPHAN_STOP)) {
                postmaster.destroyForcibly();
                waitExit(postmaster, ORPHAN_STOP);
            }
        }
    }

    /** The live postmaster named by {@code data/postmaster.pid}, if it really is one serving that directory. */
    static Optional<ProcessHandle> orphan(Path data) throws IOException {
        String pidFile;
        try {
            pidFile = Files.readString(data.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String[] lines = pidFile.split("\n");
        long pid;
        try {
            pid = Long.parseLong(lines[0].trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return Optional.empty();
        }
        String command = process.get().info().command().orElse("");
        boolean servesData = lines.length > 1 && Path.of(lines[1].trim()).toAbsolutePath().normalize()
                .equals(data.toAbsolutePath().normalize());
        return command.contains("postgres") && servesData ? process : Optional.empty();
    }

    private static void signal(long pid, String signal) throws IOException {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted stopping PostgreSQL " + pid, e);
        }
    }

    private static boolean waitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return !process.isAlive();
        }
    }

    /** Refuses to run the catalogue on a database that would lose commits on a power cut. */
    private static void requireDurable(EmbeddedPostgres postgres) throws IOException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); var s = c.createStatement();
                var rs = s.executeQuery("select current_setting('fsync'), current_setting('synchronous_commit')")) {
            rs.next();
            if (!"on".equals(rs.getString(1)) || !"on".equals(rs.getString(2))) {
                throw new IOException("the embedded PostgreSQL runs with fsync=" + rs.getString(1) + ", synchronous_commit="
                        + rs.getString(2) + "; the catalogue needs both on");
            }
        } catch (SQLException e) {
            throw new IOException("cannot check the embedded PostgreSQL's settings: " + e.getMessage(), e);
        }
    }
}
