package dev.zero.agent.client;

import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.config.HostName;
import dev.zero.agent.config.StateFiles;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This host's credential towards the service: {@code zero.agent.token} when an admin gave one,
 * else the one the agent got at enrolment, kept in {@code <cacheDir>/state/host-credential}
 * (owner-only) so it survives restarts. The enrolment token is used once, to get it.
 */
@ApplicationScoped
public class HostCredentialStore {
    private final String host;
    private final Path file;
    private final Optional<String> enrolmentToken;
    private final boolean configured;
    private volatile String token;

    HostCredentialStore(AgentConfig config) {
        this.host = HostName.of(config);
        this.file = config.cacheDir().toAbsolutePath().resolve("state").resolve("host-credential");
        this.enrolmentToken = config.enrolmentToken().map(String::strip).filter(t -> !t.isEmpty());
        Optional<String> given = config.token().map(String::strip).filter(t -> !t.isEmpty());
        this.configured = given.isPresent();
        try {
            this.token = given.isPresent() ? given.get() : StateFiles.read(file).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the host credential " + file, e);
        }
    }

    public String host() {
        return host;
    }

    public Optional<String> current() {
        return Optional.ofNullable(token);
    }

    Optional<String> enrolmentToken() {
        return enrolmentToken;
    }

    /** Whether a refused credential may be replaced by enrolling again (it was not given by an admin). */
    boolean renewable() {
        return !configured && enrolmentToken.isPresent();
    }

    void store(String newToken) {
        try {
            StateFiles.write(file, newToken + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the host credential in " + file, e);
        }
        token = newToken;
    }

    /** What an operator does when the service refuses this host's credential. */
    String whenRefused() {
        String source = configured ? "zero.agent.token" : file.toString();
        return "the service does not accept the credential of host " + host + " (from " + source + "); an admin issues a new one with"
                + " POST /api/v1/admin/hosts/" + host + "/credential, to be set as zero.agent.token or written to " + file;
    }
}
