package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero in containers: docker-compose.yml and the two Dockerfiles. The end-to-end part runs
 * {@code deploy/compose-check.sh} (engine, images, {@code docker compose up --wait}, a file written
 * on the host side of the mount, health, catalogue, store, teardown) and is skipped with the
 * script's reason where no Docker engine can be had; the static parts need no engine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeSystemTest {
    static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
    static final Path COMPOSE = REPO.resolve("docker-compose.yml");
    /** Where compose-check.sh keeps the Compose v2 plugin it fetched, when the machine has none. */
    static final Path CHECK_DOCKER_CONFIG = Path.of(System.getenv().getOrDefault("ZERO_DOCKER_WORK", "/var/tmp/zero-docker"), "docker-config");

    @TempDir
    Path tmp;

    @Test
    @Order(1) // first: on a fresh machine it installs the engine and Compose v2 that composeConfig uses
    @DisplayName("compose-check.sh: up --wait, a file written on the host side is read back, catalogued and stored; down -v")
    void endToEnd() throws Exception {
        ZeroStack.Result check = Shell.exec(REPO, Map.of(), 12, "bash", REPO.resolve("deploy/compose-check.sh").toString());
        Matcher skipped = Pattern.compile("(?m)^SKIPPED: (.*)$").matcher(check.output());
        if (check.exit() == 0 && skipped.find()) {
            assumeTrue(false, skipped.group(1));
        }
        System.out.println(check.output());
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).as(check.output()).contains("\nPASSED\n").doesNotContain("FAILED");
    }

    @Test
    @Order(2)
    @DisplayName("docker compose config -q accepts the file with .env.example, and a missing secret fails naming it")
    void composeConfig() throws Exception {
        Map<String, String> env = composeEnv();
        assumeTrue(env != null, "no Docker Compose v2 here (docker compose version fails)");
        ZeroStack.Result ok = Shell.exec(REPO, env, 2, "docker", "compose", "--env-file", REPO.resolve(".env.example").toString(), "-f", COMPOSE.toString(), "config", "-q");
        assertThat(ok.exit()).as(ok.output()).isZero();

        Path partial = tmp.resolve("env");
        Files.writeString(partial, Files.readString(REPO.resolve(".env.example")).replaceAll("(?m)^ZERO_AUTH_ADMIN_TOKEN=.*$", ""));
        ZeroStack.Result missing = Shell.exec(tmp, env, 2, "docker", "compose", "--env-file", partial.toString(), "-f", COMPOSE.toString(), "config", "-q");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.output()).contains("ZERO_AUTH_ADMIN_TOKEN").contains(".env");
    }

    /** The environment in which `docker compose` is v2, or null where there is none. */
    static Map<String, String> composeEnv() throws IOException, InterruptedException {
        List<Map<String, String>> candidates = new ArrayList<>();
        candidates.add(Map.of());
        if (Files.isExecutable(CHECK_DOCKER_CONFIG.resolve("cli-plugins/docker-compose"))) {
            candidates.add(Map.of("DOCKER_CONFIG", CHECK_DOCKER_CONFIG.toString()));
        }
        for (Map<String, String> env : candidates) {
            try {
                if (Shell.exec(REPO, env, 1, "docker", "compose", "version").exit() == 0) {
                    return env;
                }
            } catch (IOException noDocker) {
                return null;
            }
        }
        return null;
    }

    @Test
    @DisplayName("without an engine: least privilege, secrets only from .env, images as a user would write them")
    void staticShape() throws Exception {
        String compose = Files.readString(COMPOSE);
        assertThat(compose).doesNotContainPattern("(?m)^version:").doesNotContainPattern("(?m)^\\s*privileged:");
        assertThat(compose).contains("/dev/fuse").contains("SYS_ADMIN").contains("propagation: rshared")
                .contains("condition: service_healthy").contains("pg_isready").contains("/q/health/ready");

        // Every secret the file requires is in .env.example (which the README tells to copy), and
        // nothing in the compose file carries a literal secret value.
        Set<String> required = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+):\\?").matcher(compose);
        while (m.find()) {
            required.add(m.group(1));
        }
        assertThat(required).contains("POSTGRES_PASSWORD", "ZERO_AUTH_ADMIN_TOKEN", "ZERO_AUTH_ENROLMENT_TOKEN", "ZERO_AGENT_API_TOKEN");
        String example = Files.readString(REPO.resolve(".env.example"));
        for (String name : required) {
            assertThat(example).as(".env.example sets " + name).containsPattern("(?m)^" + name + "=.+$");
        }
        assertThat(Files.readString(REPO.resolve(".gitignore"))).containsPattern("(?m)^/?\\.env$");

        for (String module : List.of("tiering-service", "fuse-agent")) {
            String dockerfile = Files.readString(REPO.resolve(module).resolve("Dockerfile"));
            assertThat(dockerfile).as(module).contains("ARG BASE_IMAGE=").contains("FROM ${BASE_IMAGE}")
                    .contains("/deployments/quarkus-run.jar").doesNotContain("run-java");
            assertThat(dockerfile).as(module + ": no secret baked in").doesNotContainPattern("(?i)(TOKEN|PASSWORD|APPLICATION_KEY)\\s*=");
            assertThat(Files.readString(REPO.resolve(module).resolve(".dockerignore"))).as(module).contains("!target/quarkus-app");
        }
        String service = Files.readString(REPO.resolve("tiering-service/Dockerfile"));
        assertThat(service).containsPattern("(?m)^USER [1-9][0-9]*").contains("EXPOSE 8420").contains("QUARKUS_HTTP_HOST=0.0.0.0");
        String agent = Files.readString(REPO.resolve("fuse-agent/Dockerfile"));
        assertThat(agent).contains("libfuse2").contains("fuse3").contains("--enable-native-access=ALL-UNNAMED").contains("EXPOSE 8421");
    }
}
