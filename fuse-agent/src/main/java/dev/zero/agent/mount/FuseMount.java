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

/**
 * A mounted {@link ZeroFs}: serves it with {@link FuseLoop} (libfuse2's request loop on Java
 * threads), clears a stale mount left by a killed agent before mounting ("Transport endpoint is not connected"), probes
 * that the mount is really up (jnr-fuse's non-blocking mount only sleeps and hopes), and
 * unmounts on {@link #close()}.
 */
public final class FuseMount implements AutoCloseable {
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
    /** Mounting over files would hide them from their users (libfuse2 refuses it too, less clearly). */
    static void requireEmpty(Path mountpoint) throws IOException {
        try (var entries = Files.list(mountpoint)) {
            if (entries.findAny().isPresent()) {
                throw new java.nio.file.DirectoryNotEmptyException(mountpoint + ": the mountpoint is not empty; Zero would hide its files."
                        + " Mount on an empty directory (and move the files in through the mount)");
            }
        }
    }

    public static FuseMount mount(ZeroFs fs, Path mountpoint, List<String> options, Duration timeout) throws IOException {
        Path mp = mountpoint.toAbsolutePath().normalize();
        clearStale(mp);
        Files.createDirectories(mp);
        requireEmpty(mp);
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
                    lazyUnmount(mp);
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
        while (!isMounted(mp)) {
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

    public Path mountpoint() {
        return mountpoint;
    }

    public ZeroFs fs() {
        return fs;
    }

    /** Completes when the request loop has ended (for tests). */
    CompletableFuture<Void> loop() {
        return loop;
    }

    /** True while the kernel lists the mount and the loop runs. */
    public boolean isUp() {
        return !loop.isDone() && isMounted(mountpoint);
    }

    /** Unmounts (lazily if busy), waits for the loop to end and restores the process state. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (isMounted(mountpoint)) {
                if (run("fusermount", "-u", mountpoint.toString()) != 0 && isMounted(mountpoint)) {
                    LOG.warnf("%s busy, detaching it lazily", mountpoint);
                    lazyUnmount(mountpoint);
                }
            }
            try {
                loop.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("FUSE loop ended with", e);
            }
        } finally {
            fs.leave();
        }
        if (isMounted(mountpoint)) {
            throw new IOException("still mounted: " + mountpoint);
        }
        LOG.infof("unmounted %s", mountpoint);
    }

    /** Detaches whatever is mounted on {@code mp} (a FUSE mount whose daemon died, typically). */
    public static void clearStale(Path mp) throws IOException {
        if (!isMounted(mp)) {
            return;
        }
        LOG.warnf("%s is still mounted (stale mount of a killed agent?): unmounting it", mp);
        lazyUnmount(mp);
        if (isMounted(mp)) {
            throw new IOException("cannot clear the stale mount on " + mp);
        }
    }

    private static void lazyUnmount(Path mp) throws IOException {
        if (run("fusermount", "-u", "-z", mp.toString()) != 0 && isMounted(mp)) {
            run("umount", "-l", mp.toString());
        }
    }

    /**
     * Whether the topmost mount on {@code mp} in /proc/self/mountinfo is a FUSE mount. Other
     * mounts there are not ours: in a container the mountpoint is a bind mount from the host
     * (propagated back out), which the FUSE mount goes on top of.
     */
    public static boolean isMounted(Path mp) {
        String want = mp.toAbsolutePath().normalize().toString();
        try {
            String topType = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                int separator = java.util.Arrays.asList(f).indexOf("-");
                if (f.length > 4 && separator > 4 && separator + 1 < f.length && unescape(f[4]).equals(want)) {
                    topType = f[separator + 1];
                }
            }
            return topType != null && (topType.equals("fuse") || topType.startsWith("fuse."));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo", e);
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static int run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int rc = p.waitFor();
            if (rc != 0) {
                LOG.debugf("%s exited %d: %s", String.join(" ", command), rc, out);
            }
            return rc;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command[0], e);
        }
    }
}
