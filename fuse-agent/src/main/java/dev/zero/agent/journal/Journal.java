package dev.zero.agent.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.agent.cache.TierListener;
import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.fs.ChangeLog;
import dev.zero.api.FileMeta;
import dev.zero.api.JournalRecord;
import dev.zero.api.TierInfo;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;
import org.jboss.logging.Logger;

/**
 * The agent's change journal. A change is numbered and queued in memory, so no FUSE call waits
 * for a disk or the service; a writer thread appends what has queued to the on-disk journal
 * and fsyncs once per group (every {@code commitInterval}); a {@link JournalShipper} sends the
 * durable records to the service. What a crash takes from the unwritten tail, the reconciling
 * walk at the next start recovers from the backing tree.
 */
@ApplicationScoped
public class Journal implements ChangeLog, TierListener {
    private static final Logger LOG = Logger.getLogger(Journal.class);

    private final AgentConfig agent;
    private final JournalConfig config;
    private final ObjectMapper json;

    /** Guards the store and orders writers before {@link #lock}. */
    private final Object storeLock = new Object();
    /** Guards the numbering and the in-memory queue. */
    private final Object lock = new Object();
    private JournalStore store;
    private long nextSeq;
    private List<JournalRecord> queued = new ArrayList<>();
    private volatile long durableSeq;
    private final Object durableSignal = new Object();
    private final Map<Long, Long> accesses = new ConcurrentHashMap<>();
    private long lastAccessFlush = System.nanoTime();
    private Thread writer;
    private volatile boolean running;

    Journal(AgentConfig agent, JournalConfig config, ObjectMapper json) {
        this.agent = agent;
        this.config = config;
        this.json = json;
    }

    /** Opens the journal on disk and starts the writer; called by {@link AgentStartup} before anything is journaled. */
    synchronized void open() throws IOException {
        if (store != null) {
            return;
        }
        store = new JournalStore(agent.cacheDir().toAbsolutePath().resolve("journal"), json, config.segmentBytes());
        nextSeq = store.lastSeq() + 1;
        durableSeq = store.lastSeq();
        running = true;
        writer = new Thread(this::writeLoop, "zero-journal-writer");
        writer.setDaemon(true);
        writer.start();
        LOG.infof("journal open: records %d..%d on disk", store.firstSeq(), store.lastSeq());
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER + 100) ShutdownEvent event) {
        close();
    }

    /** Writes what is queued and stops the writer. */
    synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
        synchronized (storeLock) {
            store.close();
        }
    }

    // ---- ChangeLog: called on FUSE threads after the backing tree changed; never blocks on I/O ----

    @Override
    public void created(long fileId, long parentId, String name, FileMeta meta, String linkTarget) {
        append(seq -> JournalRecord.create(seq, fileId, parentId, name, meta, linkTarget));
    }

    @Override
    public void linked(long fileId, long parentId, String name, FileMeta meta) {
        append(seq -> JournalRecord.link(seq, fileId, parentId, name, meta));
    }

    @Override
    public void unlinked(Long fileId, long parentId, String name) {
        append(seq -> JournalRecord.unlink(seq, fileId, parentId, name));
    }

    @Override
    public void renamed(Long fileId, long parentId, String name, long newParentId, String newName) {
        append(seq -> JournalRecord.rename(seq, fileId, parentId, name, newParentId, newName));
    }

    @Override
    public void attributesChanged(long fileId, FileMeta meta) {
        append(seq -> JournalRecord.setattr(seq, fileId, meta));
    }

    @Override
    public void contentChanged(long fileId, FileMeta meta) {
        append(seq -> JournalRecord.content(seq, fileId, meta));
    }

    @Override
    public void tierChanged(long fileId, TierInfo tier) {
        append(seq -> JournalRecord.tier(seq, fileId, tier));
    }

    @Override
    public void accessed(long fileId) {
        accesses.put(fileId, System.currentTimeMillis());
    }

    /** Numbers and queues one record; returns its sequence number. */
    long append(LongFunction<JournalRecord> record) {
        synchronized (lock) {
            long seq = nextSeq++;
            queued.add(record.apply(seq));
            if (queued.size() >= config.batchSize()) {
                lock.notifyAll();
            }
            return seq;
        }
    }

    /** Highest sequence number written and fsynced. */
    public long durableSeq() {
        return durableSeq;
    }

    /** Waits until record {@code seq} is durable, at most {@code millis}. */
    void awaitDurable(long seq, long millis) throws InterruptedException {
        synchronized (durableSignal) {
            if (durableSeq < seq) {
                durableSignal.wait(millis);
            }
        }
    }

    /** Highest sequence number handed out so far. */
    public long lastSeq() {
        synchronized (lock) {
            return nextSeq - 1;
        }
    }

    /** Lowest sequence number still on disk ({@code durableSeq + 1} when nothing is). */
    long firstSeq() {
        synchronized (storeLock) {
            return store.firstSeq();
        }
    }

    /** Records written to disk from {@code from} on, for shipping. */
    List<JournalRecord> read(long from, int max) throws IOException {
        synchronized (storeLock) {
            return store.read(from, max);
        }
    }

    /** Drops records the service has applied. */
    void acknowledged(long appliedSeq) throws IOException {
        synchronized (storeLock) {
            store.trim(appliedSeq);
        }
    }

    /**
     * Starts numbering over after {@code appliedSeq}, dropping every record not yet applied.
     * Used when the service's journal position cannot be reconciled with ours (its catalogue
     * was reset, or it holds more than our disk does); a reconciling walk must follow.
     */
    void restartAfter(long appliedSeq) throws IOException {
        synchronized (storeLock) {
            synchronized (lock) {
                queued = new ArrayList<>();
                nextSeq = appliedSeq + 1;
                store.clear(appliedSeq);
                durableSeq = appliedSeq;
            }
        }
    }

    /** Writes and fsyncs everything queued now (also turns pending accesses into records). */
    void flush() {
        drainAccesses();
        writeQueued();
    }

    private void writeLoop() {
        long intervalMs = Math.max(1, config.commitInterval().toMillis());
        while (running) {
            synchronized (lock) {
                if (queued.isEmpty()) {
                    try {
                        lock.wait(intervalMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (System.nanoTime() - lastAccessFlush > config.accessInterval().toNanos()) {
                drainAccesses();
            }
            writeQueued();
        }
    }

    private void drainAccesses() {
        lastAccessFlush = System.nanoTime();
        for (Long fileId : List.copyOf(accesses.keySet())) {
            Long at = accesses.remove(fileId);
            if (at != null) {
                append(seq -> JournalRecord.access(seq, fileId, Instant.ofEpochMilli(at)));
            }
        }
    }

    private void writeQueued() {
        synchronized (storeLock) {
            List<JournalRecord> batch;
            synchronized (lock) {
                if (queued.isEmpty()) {
                    return;
                }
                batch = queued;
                queued = new ArrayList<>();
            }
            try {
                store.append(batch);
                durableSeq = batch.get(batch.size() - 1).seq();
                synchronized (durableSignal) {
                    durableSignal.notifyAll();
                }
            } catch (IOException e) {
                // Keep the records (in order, ahead of newer ones) and try again on the next round.
                LOG.errorf("journal write failed (%s); %d records kept in memory", e.getMessage(), batch.size());
                synchronized (lock) {
                    batch.addAll(queued);
                    queued = batch;
                }
            }
        }
    }
}
