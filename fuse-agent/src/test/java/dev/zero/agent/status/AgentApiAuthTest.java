package dev.zero.agent.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The agent's own API needs its token; probes and scrapers reach health and metrics without one. */
@QuarkusTest
class AgentApiAuthTest {
    /** The test profile's cache directory; no api-token is configured, so the agent made one there. */
    private static final Path TOKEN_FILE = Path.of("target/test-cache/state/api-token");

    @TestHTTPResource("/")
    URI base;

    private final HttpClient http = HttpClient.newHttpClient();

    private int status(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    @DisplayName("/agent/v1/* answers 401 without the token or with a wrong one, and serves with the token the agent made (owner-only file)")
    void agentApiNeedsToken() throws Exception {
        String token = Files.readString(TOKEN_FILE).strip();
        assertThat(token).hasSize(64);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(TOKEN_FILE))).isEqualTo("rw-------");
        assertThat(status("/agent/v1/status", null)).isEqualTo(401);
        assertThat(status("/agent/v1/status", token + "x")).isEqualTo(401);
        assertThat(status("/agent/v1/files?path=a", "")).isEqualTo(401);
        assertThat(status("/agent/v1/status", token)).isEqualTo(200);
    }

    @Test
    @DisplayName("health and metrics need no token")
    void probesOpen() throws Exception {
        assertThat(status("/q/health/live", null)).isEqualTo(200);
        assertThat(status("/q/metrics", null)).isEqualTo(200);
    }
}
