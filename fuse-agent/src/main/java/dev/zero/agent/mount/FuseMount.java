package dev.zero.agent.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jboss.logging.Logger;

import dev.zero.agent.volume.Mountpoint;
import dev.zero.agent.volume.Volume;

/**
 * A mounted {@link ZeroFs}: serves it with {@link FuseLoop} (libfuse2's request loop on Java
 * threads), clears a stale mount left by a killed agent before mounting ("Transport endpoint is not connected"), probes
 * that the mount is really up (jnr-fuse's non-blocking mount only sleeps and hopes), and
 * unmounts on {@link #close()}.
 */
public final class FuseMount implements Volume {
    private static final Logger LOG = Logger.getLogger(FuseMount.class);
    /**
     * Serve requests on Java threads ({@link FuseLoop}, the default) or in libfuse's own
     * {@code fuse_main_real} loop ({@code -Dzero.fuse.loop=libfuse}, kept to compare).
     */
    private static final boolean JAVA_LOOP = !"libfuse".equals(System.getProperty("zero.fuse.loop", "java"));

    private final ZeroFs fs;
    private final Path mountpoint;
    private final CompletableFuture<Void> loop = new CompletableFuture<>();
    private volatile boolean closed;

    private FuseMount(ZeroFs fs, Path mountpoint) {
        this.fs = fs;
        this.mountpoint = mountpoint;
    }

    /**
     * Mounts {@code fs} on {@code mountpoint} with libfuse options {@code options} (as given to
     * {@code -o}), waiting up to {@code timeout} for the kernel to show the mount.
     */
    public static FuseMount mount(ZeroFs fs, Path mountpoint, List<String> options, Duration timeout) throws IOException {
        Path mp = mountpoint.toAbsolutePath().normalize();
        Mountpoint.clearStale(mp);
        Files.createDirectories(mp);
        Mountpoint.requireEmpty(mp);
        fs.enter();
        FuseMount mount = new FuseMount(fs, mp);
        List<String> args = new ArrayList<>();
        args.add("zero-agent");
        args.add("-f");
        if (Boolean.getBoolean("zero.agent.fuse-debug")) {
            args.add("-d");
        }
        if (!options.isEmpty()) {
            args.add("-o");
            args.add(String.join(",", options));
        }
        if (JAVA_LOOP) {
            args.add(mp.toString());
            FuseLoop loop = new FuseLoop(fs, args, () -> {
                try {
                    Mountpoint.lazyUnmount(mp);
                } catch (IOException e) {
                    LOG.warn("cannot detach " + mp, e);
                }
            });
            loop.done().whenComplete((v, e) -> {
                if (e != null) {
                    mount.loop.completeExceptionally(e);
                } else {
                    mount.loop.complete(null);
                }
            });
            loop.start();
        } else {
            // libfuse's own multi-threaded loop (fuse_main_real) through jnr-fuse; jnr-fuse adds program name and -f
            List<String> opts = args.subList(args.indexOf("-f") + 1, args.size()).stream().filter(a -> !a.equals("-d")).toList();
            Thread thread = new Thread(() -> {
                try {
                    fs.mount(mp, true, Boolean.getBoolean("zero.agent.fuse-debug"), opts.toArray(String[]::new));
                    mount.loop.complete(null);
                } catch (Throwable e) {
                    mount.loop.completeExceptionally(e);
                }
            }, "zero-fuse-loop");
            thread.setDaemon(true);
            thread.start();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Mountpoint.isMounted(mp)) {
            if (mount.loop.isDone() || System.nanoTime() > deadline) {
                String why = mount.loop.isDone() ? "the FUSE loop ended" : "timed out after " + timeout;
                try {
                    mount.close();
                } catch (IOException e) {
                    LOG.debug("cleanup after failed mount", e);
                }
                throw new IOException("mount of " + mp + " did not come up: " + why, mount.failure());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        LOG.infof("mounted %s on %s (%s)", fs.backingRoot(), mp, String.join(",", options));
        return mount;
    }

    private Throwable failure() {
        try {
            loop.getNow(null);
            return null;
        } catch (Exception e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    @Override
    public Path mountpoint() {
        return mountpoint;
    }

    @Override
    public String transport() {
        return "jnr-fuse";
    }

    public ZeroFs fs() {
        return fs;
    }

    /** Completes when the request loop has ended (for tests). */
    CompletableFuture<Void> loop() {
        return loop;
    }

    /** True while the kernel lists the mount and the loop runs. */
    @Override
    public boolean isUp() {
        return !loop.isDone() && Mountpoint.isMounted(mountpoint);
    }

    /** Unmounts (lazily if busy), waits for the loop to end and restores the process state. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Mountpoint.unmount(mountpoint);
            try {
                loop.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("FUSE loop ended with", e);
            }
        } finally {
            fs.leave();
        }
        if (Mountpoint.isMounted(mountpoint)) {
            throw new IOException("still mounted: " + mountpoint);
        }
        LOG.infof("unmounted %s", mountpoint);
    }
}
