package dev.zero.fuse.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps the node table within the descriptors the process may open. Every node holds an O_PATH
 * descriptor, and with long entry timeouts the kernel forgets a node only under memory pressure,
 * so a walk over more files than RLIMIT_NOFILE allows would end every later lookup and open in
 * EMFILE. Past the budget a thread of its own asks the kernel to drop the least recently used
 * names (FUSE_NOTIFY_INVAL_ENTRY, never from a request thread: it waits for the directory's lock);
 * the kernel drops those dentries nothing uses and FORGETs their inodes, which closes the
 * descriptors. A name asked for again is looked up again, as after any FORGET.
 */
public final class NodeBudget {
    /** The name the kernel knows a node by: its parent's node id and its name there. */
    record Name(long parent, byte[] name) {
    }

    /** How long to wait for the kernel's FORGETs after a round: no reply says which names it drops (it keeps those in use). */
    private static final long FORGET_WAIT_NS = 100_000_000L;

    /** Descriptors kept out of the budget: open files, their passthrough, directories being read, the JVM's own. */
    private static final double SHARE_OF_LIMIT = 0.5;
    private static final int MIN_NODES = 64;

    private final InodeFs fs;
    private volatile Thread thread;
    /** The thread waits for FORGETs: each one that empties a node wakes it. */
    private volatile boolean awaitingForgets;
    private final LongAdder asked = new LongAdder();
    private volatile int limit;

    NodeBudget(InodeFs fs) {
        this.fs = fs;
        this.limit = Math.max(MIN_NODES, (int) Math.min(Integer.MAX_VALUE, (long) (openFileLimit() * SHARE_OF_LIMIT)));
    }

    /** The node table's size past which the kernel is asked to forget nodes. */
    public int limit() {
        return limit;
    }

    /** Sets the budget (tests: a small one shows the eviction without opening a million files). */
    void limit(int nodes) {
        this.limit = Math.max(MIN_NODES, nodes);
    }

    /** How many names the kernel was asked to forget so far. */
    public long asked() {
        return asked.sum();
    }

    /** The node table outgrew the budget (called holding the table: only a wake-up, no lock). */
    void exceeded() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * A lookup failed with EMFILE or ENFILE: the process holds fewer descriptors than the budget
     * assumed (many open files), so the budget shrinks to three quarters of the nodes held now.
     */
    void outOfDescriptors() {
        limit = Math.max(MIN_NODES, Math.min(limit, fs.nodes() * 3 / 4));
        exceeded();
    }

    /** A node left the table (called holding the table: only a wake-up, no lock). */
    void forgotten() {
        if (awaitingForgets) {
            exceeded();
        }
    }

    void start(KernelMount mount) {
        thread = Thread.ofPlatform().name("zero-fuse-forget").daemon().start(() -> run(mount));
    }

    private void run(KernelMount mount) {
        while (!mount.isClosed()) {
            int held = fs.nodes();
            if (held <= limit) {
                LockSupport.parkNanos(1_000_000_000L); // or until exceeded() wakes it
                continue;
            }
            int low = limit * 7 / 8;
            for (Name n : fs.forgettable(held - low)) {
                try {
                    mount.invalidateEntry(n.parent(), n.name());
                } catch (IOException e) {
                    return; // the connection is going away
                }
                asked.increment();
            }
            awaitForgets(low);
        }
    }

    /** Waits until the table is down to {@code low} nodes, or {@link #FORGET_WAIT_NS}: asking again sooner would drop more than needed. */
    private void awaitForgets(int low) {
        long deadline = System.nanoTime() + FORGET_WAIT_NS;
        awaitingForgets = true;
        try {
            for (long left = FORGET_WAIT_NS; left > 0 && fs.nodes() > low; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        } finally {
            awaitingForgets = false;
        }
    }

    /**
     * The open-file limit, raised first as far as this process may: the soft limit to the hard one,
     * and with CAP_SYS_RESOURCE the hard one to fs.nr_open (at most 1 Mi, what virtiofsd takes).
     */
    static long openFileLimit() {
        try {
            long[] now = Libc.getrlimit(Libc.RLIMIT_NOFILE);
            long wanted = Math.max(now[1], Math.min(1L << 20, nrOpen()));
            if (wanted > now[1]) {
                try {
                    Libc.setrlimit(Libc.RLIMIT_NOFILE, wanted, wanted);
                    return wanted;
                } catch (Errno e) {
                    // no CAP_SYS_RESOURCE: the hard limit stands
                }
            }
            if (now[0] < now[1]) {
                Libc.setrlimit(Libc.RLIMIT_NOFILE, now[1], now[1]);
            }
            return now[1];
        } catch (Errno e) {
            return 1024;
        }
    }

    private static long nrOpen() {
        try {
            return Long.parseLong(Files.readString(Path.of("/proc/sys/fs/nr_open")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
