package dev.zero.agent.transfer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.Refused;
import dev.zero.agent.cache.TierAttr;
import dev.zero.agent.cache.TieredFile;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.client.TieringClient;
import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.config.HostName;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.api.TaskOutcome;
import dev.zero.api.TaskResult;
import dev.zero.api.TaskView;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jnr.ffi.Pointer;

/**
 * Runs the tasks the service hands this host (upload, evict, restore one file): long-polls for
 * them, runs up to {@code zero.agent.tiering.concurrency} at once and reports each result. A
 * task is checked against the file before anything is done: the path it names must still lead to
 * the file it was made for. A task handed out again while it still runs here is not started twice.
 */
@ApplicationScoped
public class TaskRunner {
    private static final Logger LOG = Logger.getLogger(TaskRunner.class);

    private final TieringClient client;
    private final TieredFiles tiered;
    private final Uploader uploader;
    private final Undeleter undeleter;
    private final AgentConfig config;
    private final String host;
    /** Running tasks and how many bytes each has moved so far. */
    private final ConcurrentHashMap<Long, java.util.function.LongSupplier> running = new ConcurrentHashMap<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final ExecutorService workers;
    private volatile boolean stopping;
    private Thread poller;

    TaskRunner(TieringClient client, TieredFiles tiered, Uploader uploader, Undeleter undeleter, AgentConfig config) {
        this.client = client;
        this.tiered = tiered;
        this.uploader = uploader;
        this.undeleter = undeleter;
        this.config = config;
        this.host = HostName.of(config);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, config.tiering().concurrency()), task -> {
            Thread t = new Thread(task, "zero-task-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts after the start-up walk has resolved what a previous run left half done. */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 100) StartupEvent event) {
        poller = new Thread(this::poll, "zero-task-poller");
        poller.setDaemon(true);
        poller.start();
        Thread reporter = new Thread(this::reportProgress, "zero-task-progress");
        reporter.setDaemon(true);
        reporter.start();
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        stopping = true;
        workers.shutdownNow();
    }

    private void poll() {
        int concurrency = Math.max(1, config.tiering().concurrency());
        int waitSeconds = (int) Math.max(0, Math.min(60, config.tiering().pollWait().toSeconds()));
        long backOff = 500;
        while (!stopping) {
            int free = concurrency - busy.get();
            if (free <= 0) {
                pause(50);
                continue;
            }
            try {
                List<TaskView> tasks = client.pollTasks(host, free, waitSeconds);
                backOff = 500;
                for (TaskView task : tasks) {
                    if (running.putIfAbsent(task.id(), () -> 0) == null) {
                        busy.incrementAndGet();
                        workers.execute(() -> run(task));
                    }
                }
            } catch (TieringClient.Unreachable | TieringClient.Refused e) {
                // not registered yet, or the service is away: the journal shipper says so in the status
                LOG.debugf("task poll failed: %s", e.getMessage());
                pause(backOff);
                backOff = Math.min(backOff * 2, 10_000);
            } catch (RuntimeException e) {
                if (!stopping) {
                    LOG.warnf("task poll failed: %s", e.toString());
                    pause(backOff);
                }
            }
        }
    }

    /** Every second: how far each running task has come (which also keeps its lease while it runs long). */
    private void reportProgress() {
        while (!stopping) {
            pause(1000);
            running.forEach((id, bytes) -> {
                try {
                    client.taskProgress(host, id, bytes.getAsLong());
                } catch (RuntimeException e) {
                    LOG.debugf("progress of task %d not reported: %s", id, e.getMessage());
                }
            });
        }
    }

    private void run(TaskView task) {
        try {
            TaskResult result = execute(task);
            report(task, result);
        } finally {
            running.remove(task.id());
            busy.decrementAndGet();
        }
    }

    /** Does one task; never throws: what went wrong is the result. */
    TaskResult execute(TaskView task) {
        if (task.kind() == dev.zero.api.TaskKind.UNDELETE) {
            return undelete(task);
        }
        if (task.path() == null) {
            return refused("the file has no name in the catalogue any more (deleted)");
        }
        Pointer rel = task.path().isEmpty() ? Native.DOT : Native.cstr(task.path());
        int fd = Native.LIBC.openat(tiered.root().fd(), rel,
                Native.O_RDWR | Native.O_NOATIME | Native.O_NOFOLLOW | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Native.errno();
            return errno == Errno.ENOENT ? refused("no file at " + task.path() + " any more (renamed or deleted since)")
                    : new TaskResult(TaskOutcome.FAILED, "cannot open " + task.path() + ": errno " + errno, 0);
        }
        try {
            Pointer st = Stat.allocate();
            Stat.fstat(fd, st);
            if (!Stat.isRegular(st)) {
                return refused(task.path() + " is not a regular file");
            }
            TierAttr attr = tiered.attrs().read(fd);
            if (attr == null || attr.fileId() != task.fileId()) {
                return refused(task.path() + " now names another file");
            }
            TieredFile file = tiered.acquire(fd);
            try {
                java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
                running.put(task.id(), task.kind() == dev.zero.api.TaskKind.RESTORE ? file::restoredBytes : sent::get);
                return switch (task.kind()) {
                    case UPLOAD -> done(uploader.upload(file, fd, sent), "already in the store");
                    case EVICT -> done(file.evict(fd), "already evicted");
                    case RESTORE -> done(file.restoreAll(fd), "already on the host");
                    case UNDELETE -> throw new IllegalStateException("an undelete names no existing file");
                };
            } finally {
                tiered.release(file);
            }
        } catch (Refused e) {
            return refused(e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("%s of %s failed: %s", task.kind(), task.path(), e.getMessage());
            return new TaskResult(TaskOutcome.FAILED, String.valueOf(e.getMessage()), 0);
        } finally {
            Native.LIBC.close(fd);
        }
    }

    private TaskResult undelete(TaskView task) {
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        running.put(task.id(), written::get);
        try {
            return TaskResult.done(undeleter.undelete(task, written));
        } catch (Refused e) {
            return refused(e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("undelete to %s failed: %s", task.path(), e.getMessage());
            return new TaskResult(TaskOutcome.FAILED, String.valueOf(e.getMessage()), 0);
        }
    }

    private static TaskResult done(long bytes, String nothingToDo) {
        return bytes > 0 ? TaskResult.done(bytes) : new TaskResult(TaskOutcome.DONE, nothingToDo, 0);
    }

    private static TaskResult refused(String why) {
        return new TaskResult(TaskOutcome.REFUSED, why, 0);
    }

    /** Reports the result, retrying for a while if the service is away (the lease hands the task out again otherwise). */
    private void report(TaskView task, TaskResult result) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        long wait = 250;
        while (!stopping) {
            try {
                client.completeTask(host, task.id(), result);
                return;
            } catch (TieringClient.Refused e) {
                LOG.infof("result of task %d not taken: %s", task.id(), e.getMessage());
                return;
            } catch (TieringClient.Unreachable e) {
                if (System.nanoTime() > deadline) {
                    LOG.warnf("could not report task %d (%s); its lease will hand it out again", task.id(), e.getMessage());
                    return;
                }
                pause(wait);
                wait = Math.min(wait * 2, 5000);
            }
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis); // back-off while the service is away or every worker is busy
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tasks running right now. */
    public int running() {
        return busy.get();
    }
}
