package dev.zero.service.catalogue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Wakes long polls when tasks are queued for their host, on whichever service replica the poll
 * waits: queueing a task sends a PostgreSQL NOTIFY on {@link #CHANNEL} with the host id, and one
 * listener connection per replica turns notifications into wake-ups. If the listener is down,
 * polls still re-check the queue every second, so nothing waits on it for long.
 */
@ApplicationScoped
public class TaskSignals {
    static final String CHANNEL = "zero_tasks";
    private static final Logger LOG = Logger.getLogger(TaskSignals.class);
    private static final long RECHECK_MILLIS = 1000;

    private final AgroalDataSource dataSource;
    private final ConcurrentHashMap<Long, Gate> gates = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private Thread listener;

    private static final class Gate {
        final ReentrantLock lock = new ReentrantLock();
        final Condition queued = lock.newCondition();
        long generation;
    }

    TaskSignals(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Sends the wake-up for the host inside the caller's transaction (delivered when it commits). */
    static void notifyHost(Connection c, long hostId) throws SQLException {
        try (var s = c.prepareStatement("select pg_notify('" + CHANNEL + "', ?)")) {
            s.setString(1, Long.toString(hostId));
            s.execute();
        }
    }

    /** The current generation of the host's gate, to pass to {@link #await}. */
    long generation(long hostId) {
        Gate gate = gate(hostId);
        gate.lock.lock();
        try {
            return gate.generation;
        } finally {
            gate.lock.unlock();
        }
    }

    /** Waits until a task was queued for the host after {@code generation} was read, at most {@code millis} (and at most a second). */
    void await(long hostId, long generation, long millis) throws InterruptedException {
        startListener();
        Gate gate = gate(hostId);
        gate.lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(Math.min(millis, RECHECK_MILLIS));
            while (gate.generation == generation && nanos > 0) {
                nanos = gate.queued.awaitNanos(nanos);
            }
        } finally {
            gate.lock.unlock();
        }
    }

    private void wake(long hostId) {
        Gate gate = gate(hostId);
        gate.lock.lock();
        try {
            gate.generation++;
            gate.queued.signalAll();
        } finally {
            gate.lock.unlock();
        }
    }

    private Gate gate(long hostId) {
        return gates.computeIfAbsent(hostId, id -> new Gate());
    }

    private synchronized void startListener() {
        if (listener != null || !running) {
            return;
        }
        listener = new Thread(this::listen, "zero-task-signals");
        listener.setDaemon(true);
        listener.start();
    }

    private void listen() {
        long backOff = 500;
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (var s = c.createStatement()) {
                    s.execute("listen " + CHANNEL);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                backOff = 500;
                while (running) {
                    PGNotification[] notes = pg.getNotifications(500);
                    if (notes == null) {
                        continue;
                    }
                    for (PGNotification note : notes) {
                        try {
                            wake(Long.parseLong(note.getParameter()));
                        } catch (NumberFormatException e) {
                            LOG.debugf("ignoring notification %s", note.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("task notifications interrupted (%s); polls re-check every second meanwhile", e.getMessage());
                try {
                    Thread.sleep(backOff); // waiting for the database to come back; polls do not depend on this thread
                } catch (InterruptedException interrupted) {
                    return;
                }
                backOff = Math.min(backOff * 2, 30_000);
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        Thread t = listener;
        if (t != null) {
            t.interrupt();
        }
    }
}
