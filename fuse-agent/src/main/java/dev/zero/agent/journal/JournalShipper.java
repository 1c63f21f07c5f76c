package dev.zero.agent.journal;

import dev.zero.agent.cache.DiskBudget;
import dev.zero.agent.cache.SpaceAccounting;
import dev.zero.agent.client.TieringClient;
import dev.zero.agent.client.TieringClient.Refused;
import dev.zero.agent.client.TieringClient.Unreachable;
import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.config.HostName;
import dev.zero.api.HostReport;
import dev.zero.api.HostView;
import dev.zero.api.JournalAck;
import dev.zero.api.JournalBatch;
import dev.zero.api.JournalRecord;
import dev.zero.api.ReconcileReport;
import dev.zero.api.VolumeView;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Sends durable journal records to the service in ordered batches and keeps the host's
 * registration fresh. While the service cannot be reached the journal simply grows on disk and
 * the shipper retries with exponential back-off; the mount never notices. When the service's
 * position cannot be continued from ours, the journal restarts after it and a reconciling walk
 * brings the catalogue back in line with the tree.
 */
@ApplicationScoped
public class JournalShipper {
    private static final Logger LOG = Logger.getLogger(JournalShipper.class);

    /** What the shipper knows, for status and health. */
    public record Status(boolean connected, long appliedSeq, long durableSeq, String lastError, Instant lastShipped,
            ReconcileReport lastReconcile) {
    }

    private final Journal journal;
    private final JournalConfig config;
    private final AgentConfig agent;
    private final TieringClient client;
    private final Reconciler reconciler;
    private final SpaceAccounting space;
    private final DiskBudget budget;
    private final String host;
    private final java.util.concurrent.atomic.AtomicBoolean heartbeatSoon = new java.util.concurrent.atomic.AtomicBoolean();

    private volatile boolean registered;
    private volatile long lastHeartbeat = System.nanoTime();
    /** Time between two heartbeats while usage is past the high watermark. */
    private static final long PRESSED_HEARTBEAT = 1_000_000_000L;
    private volatile long appliedSeq = -1;
    private volatile String lastError;
    private volatile Instant lastShipped;
    private final AtomicReference<ReconcileReport> lastReconcile = new AtomicReference<>();
    private volatile boolean running;
    /** Released when the agent stops, so a back-off wait ends at once (an in-flight call is left to finish). */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Thread thread;

    JournalShipper(Journal journal, JournalConfig config, AgentConfig agent, TieringClient client, Reconciler reconciler,
            SpaceAccounting space, DiskBudget budget) {
        this.journal = journal;
        this.config = config;
        this.agent = agent;
        this.client = client;
        this.reconciler = reconciler;
        this.space = space;
        this.budget = budget;
        this.host = HostName.of(agent);
        // A restore waiting for room is reported at once, not at the next heartbeat.
        budget.onNeedsRoom(bytes -> heartbeatSoon.set(true));
    }

    synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "zero-journal-shipper");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER + 50) ShutdownEvent event) {
        running = false;
        stopped.countDown();
    }

    /**
     * Waits until the service has applied every change journaled so far (at most {@code timeout}):
     * what an operator just did on the mount is then in the catalogue. Returns whether it was.
     */
    public boolean sync(java.time.Duration timeout) throws InterruptedException {
        long target = journal.lastSeq();
        journal.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (appliedSeq < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20); // the shipper sends durable records at once; this only waits for its acknowledgement
        }
        return true;
    }

    public Status status() {
        return new Status(registered, appliedSeq, journal.durableSeq(), lastError, lastShipped, lastReconcile.get());
    }

    /**
     * Registers host and volume once; returns false if the service cannot be reached. A
     * journal position the service cannot continue from makes the journal start over after the
     * service's position (the caller then walks the tree).
     */
    boolean tryRegister() {
        try {
            register();
            return true;
        } catch (Unreachable | Refused e) {
            lastError = e.getMessage();
            LOG.warnf("tiering service not available yet (%s); journaling locally", e.getMessage());
            return false;
        } catch (IOException e) {
            lastError = e.getMessage();
            LOG.errorf(e, "journal restart failed");
            return false;
        }
    }

    private void register() throws IOException {
        client.ensureCredential();
        reported(client.heartbeat(host, diskReport()));
        VolumeView volume = client.register(agent.volume(), host);
        long applied = volume.appliedSeq();
        long firstOnDisk = journal.firstSeq();
        if (applied < firstOnDisk - 1 || applied > journal.lastSeq()) {
            LOG.warnf("volume %s: the service has applied up to %d, the local journal holds %d..%d; restarting the journal after %d "
                    + "and reconciling", agent.volume(), applied, firstOnDisk, journal.lastSeq(), applied);
            journal.restartAfter(applied);
            reconciler.requestWalk("journal restarted");
        }
        appliedSeq = applied;
        registered = true;
        lastError = null;
    }

    private void run() {
        long delay = config.retryDelay().toMillis();
        while (running) {
            try {
                if (!registered) {
                    register();
                }
                // past the high watermark the planner is told at once, and every second while it lasts
                if (heartbeatSoon.getAndSet(false) || budget.aboveHigh() && System.nanoTime() - lastHeartbeat > PRESSED_HEARTBEAT) {
                    heartbeat();
                }
                long from = appliedSeq + 1;
                if (from > journal.durableSeq()) {
                    journal.awaitDurable(from, 1_000);
                    continue;
                }
                List<JournalRecord> batch = journal.read(from, config.batchSize());
                if (batch.isEmpty() || batch.get(0).seq() != from) {
                    LOG.warnf("journal records from %d are missing on disk; restarting the journal and reconciling", from);
                    journal.restartAfter(appliedSeq);
                    reconciler.requestWalk("journal records missing");
                    continue;
                }
                JournalAck ack = client.ingest(agent.volume(), new JournalBatch(batch));
                appliedSeq = ack.appliedSeq();
                lastShipped = Instant.now();
                lastError = null;
                journal.acknowledged(appliedSeq);
                if (ack.reconciled() != null) {
                    lastReconcile.set(ack.reconciled());
                    LOG.infof("reconciled volume %s: %s", agent.volume(), ack.reconciled());
                }
                if (ack.drift() > 0) {
                    LOG.warnf("volume %s: %d journal records did not fit the catalogue; reconciling", agent.volume(), ack.drift());
                    reconciler.requestWalk("catalogue drift");
                }
                delay = config.retryDelay().toMillis();
            } catch (Unreachable e) {
                if (lastError == null) {
                    LOG.warnf("tiering service unreachable (%s); the journal keeps growing on disk until it returns", e.getMessage());
                }
                lastError = e.getMessage();
                registered = false;
                delay = backOff(delay);
            } catch (Refused e) {
                lastError = e.getMessage();
                LOG.warnf("tiering service refused the journal (%s); registering again", e.getMessage());
                registered = false;
                delay = backOff(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                lastError = e.toString();
                LOG.errorf(e, "journal shipping failed");
                delay = backOff(delay);
            }
        }
    }

    /** Keeps the host's disk figures fresh in the catalogue. */
    @Scheduled(every = "${zero.agent.journal.heartbeat-interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeat() {
        if (!registered) {
            return;
        }
        try {
            lastHeartbeat = System.nanoTime();
            reported(client.heartbeat(host, diskReport()));
        } catch (Unreachable | Refused | IOException e) {
            LOG.debugf("heartbeat failed: %s", e.getMessage());
        }
    }

    /** The service's answer carries this host's disk target, which restores must stay under. */
    private void reported(HostView view) {
        budget.setLimits(view.targetBytes(), view.highBytes(), view.maxBytes());
    }

    private HostReport diskReport() throws IOException {
        FileStore disk = Files.getFileStore(Files.createDirectories(agent.cacheDir().toAbsolutePath()));
        long total = disk.getTotalSpace();
        return new HostReport(total, total - disk.getUnallocatedSpace(), budget.usedBytes(), budget.neededBytes());
    }

    /** Waits {@code millis} before the next attempt, or less if the agent stops; returns the next, doubled, wait. */
    private long backOff(long millis) {
        try {
            stopped.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Math.min(millis * 2, config.maxRetryDelay().toMillis());
    }
}
