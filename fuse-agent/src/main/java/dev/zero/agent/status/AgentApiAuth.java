package dev.zero.agent.status;

import dev.zero.agent.config.AgentConfig;
import dev.zero.agent.config.StateFiles;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The agent's own API ({@code /agent/v1/*}) needs a bearer token, as the service's does:
 * {@code zero.agent.api-token}, or one the agent makes on first start and keeps, owner-only, in
 * {@code <cacheDir>/state/api-token} for the host's operator. Health and metrics stay open
 * for probes and scrapers.
 */
@Startup
@ApplicationScoped
public class AgentApiAuth {
    private static final Logger LOG = Logger.getLogger(AgentApiAuth.class);
    static final int MIN_TOKEN_LENGTH = 16;

    private final byte[] digest;

    AgentApiAuth(AgentConfig config) throws IOException {
        Path file = config.cacheDir().toAbsolutePath().resolve("state").resolve("api-token");
        Optional<String> given = config.apiToken().map(String::strip).filter(t -> !t.isEmpty());
        String token;
        if (given.isPresent()) {
            token = given.get();
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("zero.agent.api-token must be at least " + MIN_TOKEN_LENGTH + " characters");
            }
        } else {
            Optional<String> kept = StateFiles.read(file);
            if (kept.isPresent()) {
                token = kept.get();
            } else {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                token = HexFormat.of().formatHex(random);
                StateFiles.write(file, token + "\n");
                LOG.infof("the agent API token is in %s (set zero.agent.api-token to choose it)", file);
            }
        }
        this.digest = sha256(token);
    }

    @ServerRequestFilter
    public Optional<Response> authenticate(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/agent/")) {
            return Optional.empty();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                && MessageDigest.isEqual(sha256(header.substring(7).strip()), digest)) {
            return Optional.empty();
        }
        return Optional.of(Response.status(401).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"zero-agent\"")
                .type(MediaType.APPLICATION_JSON)
                .entity(new dev.zero.api.ApiError(401, "missing or invalid bearer token: the agent API needs zero.agent.api-token"
                        + " (or the token in <cacheDir>/state/api-token)"))
                .build());
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
