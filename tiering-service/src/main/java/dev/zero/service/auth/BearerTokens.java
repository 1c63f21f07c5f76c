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
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Bearer-token authentication and authorisation of the REST API:
 * <ul>
 * <li>{@code /api/v1/admin/**} needs the admin token;
 * <li>{@code /api/v1/hosts/{host}/**} needs {@code host}'s own credential (or the admin token);
 * the enrolment token is good only for {@code POST /api/v1/hosts/{host}/enrolment};
 * <li>{@code /api/v1/volumes/{volume}/**} needs the credential of the host serving the volume;
 * a volume that does not exist yet may only be registered, by the host named in the request.
 * </ul>
 * A call about another host or volume is refused with 403, so one compromised host reaches
 * nothing of the others. Health, metrics and OpenAPI stay open for orchestrators. Runs before
 * the request body is read, so a refused upload stores nothing. The shared tokens are compared
 * as digests in constant time; host tokens are looked up by digest.
 */
@ApplicationScoped
public class BearerTokens {
    static final int MIN_TOKEN_LENGTH = 16;
    private static final String API = "/api/v1/";
    private static final String INVALID = "missing or invalid bearer token (Authorization: Bearer <token>)";

    private final byte[] adminDigest;
    private final byte[] enrolmentDigest;
    private final HostCredentials credentials;
    private final CurrentCaller current;

    BearerTokens(ServiceConfig config, HostCredentials credentials, CurrentCaller current) {
        if (config.auth().agentToken().isPresent()) {
            throw new ConfigurationException("zero.auth.agent-token (ZERO_AUTH_AGENT_TOKEN) is no longer used: each host has its own"
                    + " credential now. Set zero.auth.enrolment-token (ZERO_AUTH_ENROLMENT_TOKEN) and give agents the same value as"
                    + " zero.agent.enrolment-token; each exchanges it once for its host's credential");
        }
        this.adminDigest = HostCredentials.digest(requireStrong("zero.auth.admin-token", config.auth().adminToken()));
        this.enrolmentDigest = config.auth().enrolmentToken()
                .map(t -> HostCredentials.digest(requireStrong("zero.auth.enrolment-token", t))).orElse(null);
        this.credentials = credentials;
        this.current = current;
    }

    /** Why a request is refused: its HTTP status and a sentence. */
    public record Refusal(int status, String message) {
    }

    /** Either the caller a request proceeds as, or why it is refused. */
    public record Access(Caller caller, Refusal refusal) {
        static Access allow(Caller caller) {
            return new Access(caller, null);
        }

        static Access refuse(int status, String message) {
            return new Access(null, new Refusal(status, message));
        }

        public boolean allowed() {
            return refusal == null;
        }
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        Access access = check(request.getMethod(), request.getUriInfo().getPath(), request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (access.allowed()) {
            current.set(access.caller());
            return Optional.empty();
        }
        return Optional.of(refuse(access.refusal().status(), access.refusal().message()));
    }

    /** Whether a request {@code method path} (path decoded) with this Authorization header may proceed, and as whom. */
    public Access check(String method, String path, String authorization) {
        if (!path.startsWith(API)) {
            return Access.allow(Caller.NONE);
        }
        String[] segments = path.substring(API.length()).split("/", -1);
        for (String segment : segments) {
            if (segment.equals(".") || segment.equals("..")) {
                return Access.refuse(400, "a request path may not contain '.' or '..' segments");
            }
        }
        String token = presented(authorization);
        Caller caller = token == null ? null : callerOf(token);
        if (caller == null) {
            return Access.refuse(401, INVALID);
        }
        if (caller.kind() == Caller.Kind.ADMIN) {
            return Access.allow(caller);
        }
        String area = segments[0];
        String subject = segments.length > 1 ? segments[1] : "";
        boolean enrolment = area.equals("hosts") && segments.length == 3 && segments[2].equals("enrolment") && method.equals("POST");
        if (caller.kind() == Caller.Kind.ENROLMENT) {
            return enrolment ? Access.allow(caller)
                    : Access.refuse(403, "the enrolment token is good only for enrolling a host: POST /api/v1/hosts/{host}/enrolment");
        }
        // an enrolled host
        switch (area) {
            case "admin":
                return Access.refuse(403, "this call needs the admin token");
            case "hosts":
                if (enrolment) {
                    return Access.refuse(409, "host " + caller.host() + " is already enrolled (this request carries its credential)");
                }
                return caller.actsFor(subject) ? Access.allow(caller) : Access.refuse(403, otherHost(caller, subject));
            case "volumes":
                Optional<String> servedBy = credentials.hostServing(subject);
                if (servedBy.isEmpty()) {
                    // only registration may name a new volume; the resource checks the host it names
                    boolean register = segments.length == 2 && method.equals("PUT");
                    return register ? Access.allow(caller) : Access.refuse(404, "volume " + subject + " does not exist");
                }
                return caller.actsFor(servedBy.get()) ? Access.allow(caller)
                        : Access.refuse(403, "volume " + subject + " is served by another host; host " + caller.host() + " may not reach it");
            default:
                return Access.allow(caller);
        }
    }

    /** The refusal of a caller that names a host it is not. */
    public static String otherHost(Caller caller, String host) {
        return "this credential belongs to host " + caller.host() + "; it may not act for host " + host;
    }

    private Caller callerOf(String token) {
        byte[] digest = HostCredentials.digest(token);
        if (MessageDigest.isEqual(digest, adminDigest)) {
            return Caller.ADMIN;
        }
        if (enrolmentDigest != null && MessageDigest.isEqual(digest, enrolmentDigest)) {
            return Caller.ENROLMENT;
        }
        return token.startsWith(HostCredentials.PREFIX) ? credentials.hostOf(token).map(Caller::host).orElse(null) : null;
    }

    private static String presented(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
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
        return Objects.requireNonNull(token.strip());
    }
}
