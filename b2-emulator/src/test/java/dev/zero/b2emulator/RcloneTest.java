package dev.zero.b2emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rclone's B2 backend (1.60 speaks /b2api/v1) against the emulator, configured only through the
 * documented environment variables: nothing in the emulator knows about rclone.
 */
class RcloneTest {

    @TempDir
    Path dir;
    B2Emulator emu;

    @BeforeEach
    void start() {
        assumeTrue(onPath("rclone"), "rclone is not installed (apt-get install rclone)");
        // rclone's smallest chunk is 5 MiB, above B2's 5,000,000-byte minimum part: the defaults fit
        emu = B2Emulator.builder(dir.resolve("store")).bucketName("rclone-bucket").start();
    }

    @AfterEach
    void stop() {
        if (emu != null) {
            emu.close();
        }
    }

    @Test
    void copiesListsChecksDownloadsAndPurgesATree() throws Exception {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("sub/deeper"));
        Files.writeString(src.resolve("small.txt"), "small file\n");
        Files.writeString(src.resolve("sub/with space & plus+.txt"), "odd name\n");
        Files.writeString(src.resolve("sub/deeper/tiny.json"), "{}\n");
        byte[] big = new byte[25_000_000];
        new Random(1).nextBytes(big);
        Files.write(src.resolve("sub/big.bin"), big); // above the 10M cutoff: a large file in 5 MiB chunks

        String remote = "emu:" + emu.bucketName() + "/tree";
        run("copy", src.toString(), remote, "--b2-upload-cutoff", "10M", "--b2-chunk-size", "5M");
        assertThat(emu.calls("b2_start_large_file")).isEqualTo(1);
        assertThat(emu.calls("b2_finish_large_file")).isEqualTo(1);
        assertThat(emu.calls("b2_upload_part")).isEqualTo(5);
        assertThat(emu.unfinishedLargeFiles()).isZero();

        String listing = run("lsl", remote);
        assertThat(listing).contains("25000000", "sub/big.bin", "small.txt", "sub/with space & plus+.txt", "sub/deeper/tiny.json");

        run("check", src.toString(), remote); // sizes and SHA-1s, large_file_sha1 for the big one

        Path back = dir.resolve("back");
        run("copy", remote, back.toString());
        assertThat(Files.readAllBytes(back.resolve("sub/big.bin"))).isEqualTo(big);
        assertThat(Files.readString(back.resolve("sub/with space & plus+.txt"))).isEqualTo("odd name\n");

        run("delete", remote + "/small.txt");
        assertThat(run("lsf", "-R", remote)).doesNotContain("small.txt");
        assertThat(run("lsf", "-R", "--b2-versions", remote)).contains("small-v"); // hidden, old version kept

        run("purge", remote);
        assertThat(emu.fileVersions()).isZero();
        assertThat(emu.calls("b2_delete_file_version")).isPositive();
    }

    @Test
    void survivesFailingUploadsThroughTheTestModeHeader() throws Exception {
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        for (int i = 0; i < 8; i++) {
            Files.writeString(src.resolve("f" + i + ".txt"), "file " + i);
        }
        emu.faults().testModeRate(0.5);
        String remote = "emu:" + emu.bucketName() + "/flaky";
        run("copy", src.toString(), remote, "--b2-test-mode", "fail_some_uploads", "--low-level-retries", "30");
        run("check", src.toString(), remote);
        assertThat(emu.calls("b2_upload_file")).isGreaterThan(8);
    }

    private String run(String... args) throws IOException, InterruptedException {
        Path config = dir.resolve("rclone.conf");
        if (!Files.exists(config)) {
            Files.createFile(config);
        }
        List<String> command = new ArrayList<>(List.of("rclone", "--config", config.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("RCLONE_CONFIG_EMU_TYPE", "b2");
        env.put("RCLONE_CONFIG_EMU_ACCOUNT", emu.accountId());
        env.put("RCLONE_CONFIG_EMU_KEY", emu.applicationKey());
        env.put("RCLONE_CONFIG_EMU_ENDPOINT", emu.url());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("rclone %s:%n%s", String.join(" ", args), text).isZero();
        return text;
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
