package dev.zero.agent.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs shell commands outside the JVM, the way a user would touch the mount. */
final class Sh {
    record Result(int rc, String out, String err) {
    }

    private Sh() {
    }

    static Result run(Path cwd, String script) {
        try {
            Process p = new ProcessBuilder("sh", "-c", script).directory(cwd.toFile()).start();
            p.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            String out = read(p.getInputStream());
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + script);
            }
            return new Result(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs and asserts exit code 0; returns stdout trimmed. */
    static String ok(Path cwd, String script) {
        Result r = run(cwd, script);
        assertEquals(0, r.rc(), () -> "`" + script + "` failed: " + r.err() + r.out());
        return r.out().trim();
    }

    /** Runs a python3 snippet (given `import os, errno`) and returns stdout trimmed. */
    static String py(Path cwd, String code) {
        return ok(cwd, "python3 -c '" + "import os, errno, stat, sys\n"
                + "def err(f, *a, **k):\n    try:\n        f(*a, **k)\n        return 0\n    except OSError as x:\n        return errno.errorcode[x.errno]\n" + code.replace("'", "'\"'\"'") + "'");
    }

    /**
     * One field of a backing file's packed attribute (trusted.zero, see TierAttr): id, version,
     * state, stored (version or -), pinned, ctime (true ctime or -).
     */
    static String attr(Path tree, String rel, String field) {
        return ok(tree, "python3 -c '" + """
                import os, struct, sys
                v = os.getxattr(sys.argv[1], "trusted.zero", follow_symlinks=False)
                fmt, state, flags, fp, fid, ver, sver, nonce, cs, cn, _ = struct.unpack("<BBHiQQQQqiI", v)
                states = ["LOCAL", "UPLOADING", "SYNCED", "EVICTING", "EVICTED", "RESTORING"]
                f = {"id": fid, "version": ver, "state": states[state], "stored": sver if flags & 4 else "-",
                     "pinned": bool(flags & 1), "ctime": "%d.%09d" % (cs, cn) if flags & 2 else "-", "size": len(v)}
                print(f[sys.argv[2]])
                """ + "' '" + rel + "' " + field);
    }

    static void assertContains(String actual, String... parts) {
        for (String part : parts) {
            if (!actual.contains(part)) {
                throw new AssertionError("expected to find '" + part + "' in:\n" + actual);
            }
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
