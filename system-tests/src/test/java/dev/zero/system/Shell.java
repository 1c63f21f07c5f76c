package dev.zero.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs shell commands the way a user would, in a directory; fails with the output when they fail. */
final class Shell {
    private Shell() {
    }

    static String run(Path dir, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("shell failed in " + dir + ":\n" + script + "\n--- output:\n" + out);
        }
        return out;
    }

    /**
     * Runs {@code command} in {@code dir} with {@code env} added, its output (stdout and stderr)
     * and exit code whatever they are; stopped (TERM, then KILL) and failed after the timeout.
     * The output goes through a file, so a long-running command never blocks on a full pipe.
     */
    static ZeroStack.Result exec(Path dir, java.util.Map<String, String> env, long timeoutMinutes, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = java.nio.file.Files.createTempFile("zero-exec", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.destroy(); // scripts clean up on TERM
                if (!p.waitFor(2, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                }
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutMinutes + " min:\n" + java.nio.file.Files.readString(log));
            }
            return new ZeroStack.Result(p.exitValue(), java.nio.file.Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }

    /** A burst of mixed namespace and content operations, as real programs make them. */
    static String burst(String prefix) {
        return """
                P=%s
                mkdir -p $P/docs/2025/q1 $P/docs/2025/q2 $P/src
                for i in $(seq 1 40); do echo "file $i" > $P/src/f$i.txt; done
                dd if=/dev/urandom of=$P/docs/blob.bin bs=64k count=16 status=none
                dd if=/dev/zero of=$P/docs/blob.bin bs=4k count=3 seek=5 conv=notrunc status=none
                echo appended >> $P/src/f1.txt
                truncate -s 100000 $P/src/f2.txt
                truncate -s 3 $P/src/f3.txt
                mv $P/src/f4.txt $P/src/renamed4.txt
                mv $P/src/f5.txt $P/docs/2025/q1/
                mv -f $P/src/f6.txt $P/src/f7.txt
                mv $P/docs/2025 $P/docs/archive
                ln $P/src/f8.txt $P/docs/hardlink8
                ln $P/src/f9.txt $P/docs/hardlink9 && rm $P/src/f9.txt
                ln -s ../src/f10.txt $P/docs/symlink10
                rm $P/src/f11.txt $P/src/f12.txt
                chmod 600 $P/src/f13.txt
                chmod 2775 $P/docs
                touch -d '2001-02-03 04:05:06.123456789' $P/src/f14.txt
                touch -m -d '2002-02-02 02:02:02' $P/src/f15.txt
                mkfifo $P/docs/pipe
                mkdir $P/empty && rmdir $P/empty
                cp -r $P/src $P/src-copy
                rm -r $P/src-copy/f2*.txt
                mkdir -p $P/tmp && for i in 1 2 3; do echo $i > $P/tmp/t$i; done && rm -r $P/tmp
                printf 'x%%.0s' $(seq 1 5000) > $P/docs/archive/q2/written-in-pieces
                """.formatted(prefix);
    }
}
