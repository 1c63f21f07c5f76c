package dev.zero.service.auth;

import dev.zero.api.ApiError;
import dev.zero.service.config.ServiceConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Bearer-token authentication of the REST API. {@code /api/v1/admin/**} needs the admin
 * token; the rest of {@code /api/v1/**} needs the agent token (or the admin token). Health,
 * metrics and OpenAPI stay open for orchestrators. Runs before the request body is read, so a
 * refused upload stores nothing. Tokens are compared as SHA-256 digests in constant time.
 */
@ApplicationScoped
public class BearerTokens {
    static final int MIN_TOKEN_LENGTH = 16;
    private static final String API = "/api/v1/";
    private static final String ADMIN = "/api/v1/admin";

    private final byte[] agentDigest;
    private final byte[] adminDigest;

    BearerTokens(ServiceConfig config) {
        this.agentDigest = digest(requireStrong("zero.auth.agent-token", config.auth().agentToken()));
        this.adminDigest = digest(requireStrong("zero.auth.admin-token", config.auth().adminToken()));
    }

    /** Why a request is refused: its HTTP status and a sentence. */
    public record Refusal(int status, String message) {
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        return check(request.getUriInfo().getPath(), request.getHeaderString(HttpHeaders.AUTHORIZATION))
                .map(r -> refuse(r.status(), r.message()));
    }

    /** The refusal of a request for {@code path} with this Authorization header, or empty when it may proceed. */
    public Optional<Refusal> check(String path, String authorization) {
        if (!path.startsWith(API)) {
            return Optional.empty();
        }
        byte[] presented = presentedDigest(authorization);
        if (presented == null) {
            return Optional.of(new Refusal(401, "missing or invalid bearer token (Authorization: Bearer <token>)"));
        }
        boolean admin = MessageDigest.isEqual(presented, adminDigest);
        boolean agent = MessageDigest.isEqual(presented, agentDigest);
        if (path.startsWith(ADMIN) ? admin : (admin || agent)) {
            return Optional.empty();
        }
        if (agent) {
            return Optional.of(new Refusal(403, "this call needs the admin token"));
        }
        return Optional.of(new Refusal(401, "missing or invalid bearer token (Authorization: Bearer <token>)"));
    }

    private static byte[] presentedDigest(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : digest(token);
    }

    private static Response refuse(int status, String message) {
        Response.ResponseBuilder answer = Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(status, message));
        if (status == 401) {
            answer.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"zero\"");
        }
        return answer.build();
    }

    private static String requireStrong(String property, String token) {
        if (token == null || token.strip().length() < MIN_TOKEN_LENGTH) {
            throw new ConfigurationException(property + " must be at least " + MIN_TOKEN_LENGTH + " characters");
        }
        return token.strip();
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
