package dev.zero.agent.journal;

import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.reconcile.TreeWalker;
import dev.zero.api.JournalRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Brings the catalogue back in line with the backing tree, which is the truth: journals a
 * walk of the whole tree between RECONCILE_BEGIN and RECONCILE_END; the service upserts what
 * the walk saw and removes what it did not, and reports what it fixed. Runs before the mount
 * at start-up, and on demand (catalogue drift, a journal restart, an operator's request) while
 * mounted, in which case changes made during the walk are journaled as usual in between.
 */
@ApplicationScoped
public class Reconciler {
    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final Journal journal;
    private final TreeWalker walker;
    private final AtomicBoolean requested = new AtomicBoolean();
    private final ExecutorService background = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "zero-reconcile");
        thread.setDaemon(true);
        return thread;
    });

    Reconciler(Journal journal, TieredFiles tiered) {
        this.journal = journal;
        this.walker = new TreeWalker(tiered);
    }

    /**
     * Walks now, on the caller's thread. {@code startUp}: nothing is mounted, so nothing can
     * change the tree meanwhile; transitional tier states are resolved and the space totals set.
     */
    public synchronized TreeWalker.Totals walk(boolean startUp) throws IOException {
        long generation = System.currentTimeMillis();
        long started = System.nanoTime();
        journal.append(seq -> JournalRecord.reconcileBegin(seq, generation));
        TreeWalker.Totals totals = walker.walk(startUp, (fileId, parentId, name, meta, target, tier) ->
                journal.append(seq -> JournalRecord.snapshot(seq, generation, fileId, parentId, name, meta, target, tier)));
        journal.append(seq -> JournalRecord.reconcileEnd(seq, generation));
        LOG.infof("reconciling walk %d journaled: %d files, %d given ids, %d leftovers removed, %d unreadable, %d transitional states"
                + " resolved, %d bytes on disk, in %d ms", generation, totals.files(), totals.idsAssigned(), totals.leftoversRemoved(),
                totals.unreadable(), totals.resolved(), totals.allocatedBytes(),
                (System.nanoTime() - started) / 1_000_000);
        return totals;
    }

    /** Asks for a walk in the background; requests made before it starts fold into it. */
    public void requestWalk(String reason) {
        if (!requested.compareAndSet(false, true)) {
            return;
        }
        background.execute(() -> {
            requested.set(false);
            try {
                LOG.infof("reconciling the tree with the catalogue (%s)", reason);
                walk(false);
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "reconciling walk failed");
            }
        });
    }
}
