package dev.zero.b2emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emulator as its own process, the way a developer or a system test starts it. */
class StandaloneTest {

    @TempDir
    Path dir;

    @Test
    void printsItsUrlAndServes() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                B2Emulator.class.getName(), "--port", Integer.toString(port), "--dir", dir.toString(),
                "--account", "standalone", "--key", "secret", "--bucket", "standalone-bucket")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String url = out.readLine();
            assertThat(url).isEqualTo("http://127.0.0.1:" + port);
            Raw raw = new Raw(url, "standalone", "secret", null, "standalone-bucket");
            assertThat(raw.authorize(2, "standalone", "secret").status()).isEqualTo(200);
            assertThat(raw.authorize(2, "standalone", "wrong").status()).isEqualTo(401);
        } finally {
            p.destroy();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
