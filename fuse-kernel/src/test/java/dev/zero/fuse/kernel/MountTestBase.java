package dev.zero.fuse.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** A real /dev/fuse mount over a temp directory per test: {@code backing} is mounted on {@code mnt}, both under {@code base}. */
abstract class MountTestBase {
    protected Path base;
    protected Path backing;
    protected Path mnt;
    /** What the test mounted, unmounted after it. */
    protected InodeFs.Mounted mounted;

    @BeforeAll
    static void requirements() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this machine (modprobe fuse)");
        assumeTrue("0".equals(sh(Path.of("/"), "id -u").trim()), "mounting /dev/fuse with mount(2) needs root (run the tests as root)");
    }

    @BeforeEach
    void dirs() throws IOException {
        base = Files.createTempDirectory("zero-kernel-test");
        backing = Files.createDirectories(base.resolve("backing"));
        mnt = Files.createDirectories(base.resolve("mnt"));
    }

    @AfterEach
    void cleanup() throws Exception {
        if (mounted != null) {
            mounted.close();
        }
        sh(Path.of("/"), "umount -l " + mnt + " 2>/dev/null; rm -rf " + base);
    }

    /** Runs a shell script in {@code dir}; its stdout, or an AssertionError with its stderr. */
    static String sh(Path dir, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("`" + script + "` failed: " + err + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
