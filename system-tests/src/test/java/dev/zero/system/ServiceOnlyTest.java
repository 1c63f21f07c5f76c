package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./zero up --service-only` brings the service up on embedded PostgreSQL; `./zero down` leaves nothing running. */
class ServiceOnlyTest {
    @TempDir
    Path base;

    @Test
    @DisplayName("up: health UP, agent calls need a token; down: no process left")
    void upThenDown() throws Exception {
        long servicePid;
        try (ZeroStack zero = new ZeroStack(base, "service-only")) {
            ZeroStack.Result up = zero.zero("up", "--service-only");
            assertThat(up.exit()).as(up.output()).isZero();
            assertThat(up.output()).contains("Zero is up").contains(zero.url());

            var ready = zero.get("/q/health/ready", null);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ZeroStack.JSON.readTree(ready.body()).get("status").asText()).isEqualTo("UP");
            assertThat(ready.body()).contains("catalogue-database").contains("object-store");
            assertThat(zero.get("/q/health/live", null).statusCode()).isEqualTo(200);

            var anonymous = zero.get("/api/v1/hosts/h1/tasks", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("bearer token");
            assertThat(zero.get("/api/v1/admin/volumes", zero.token("enrolment")).statusCode()).isEqualTo(403);
            assertThat(zero.get("/api/v1/hosts/h1/tasks", zero.token("enrolment")).statusCode()).isEqualTo(403);
            assertThat(zero.get("/api/v1/admin/volumes", zero.token("admin")).statusCode()).isEqualTo(200);

            ZeroStack.Result env = zero.zero("env");
            assertThat(env.output()).contains("export ZERO_URL='" + zero.url() + "'").contains("ZERO_ADMIN_TOKEN=");

            servicePid = zero.pid("service");
            assertThat(ProcessHandle.of(servicePid)).isPresent();
        }
        assertThat(ProcessHandle.of(servicePid).map(ProcessHandle::isAlive)).as("service after down").isNotEqualTo(java.util.Optional.of(true));
        // no PostgreSQL of this ZERO_HOME is left either
        var leftovers = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(base.toString())).toList();
        assertThat(leftovers).as("processes of this instance").isEmpty();
    }
}
