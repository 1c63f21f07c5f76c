package dev.zero.agent.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jboss.logging.Logger;

/** The directory a volume is mounted on, whichever transport serves it: is it mounted, clear a stale mount, unmount. */
public final class Mountpoint {
    private static final Logger LOG = Logger.getLogger(Mountpoint.class);

    private Mountpoint() {
    }

    /** Mounting over files would hide them from their users (libfuse2 refuses it too, less clearly). */
    public static void requireEmpty(Path mountpoint) throws IOException {
        try (var entries = Files.list(mountpoint)) {
            if (entries.findAny().isPresent()) {
                throw new java.nio.file.DirectoryNotEmptyException(mountpoint + ": the mountpoint is not empty; Zero would hide its files."
                        + " Mount on an empty directory (and move the files in through the mount)");
            }
        }
    }

    /** Unmounts {@code mp} if it is mounted, lazily when it is busy. */
    public static void unmount(Path mp) throws IOException {
        if (isMounted(mp)) {
            if (run("fusermount", "-u", mp.toString()) != 0 && isMounted(mp)) {
                LOG.warnf("%s busy, detaching it lazily", mp);
                lazyUnmount(mp);
            }
        }
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

    public static void lazyUnmount(Path mp) throws IOException {
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
