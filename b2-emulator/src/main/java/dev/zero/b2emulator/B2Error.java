package dev.zero.b2emulator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A B2 error response: the HTTP status plus the JSON body {@code {"status","code","message"}} that
 * every failing B2 call returns. Thrown anywhere in request handling and rendered by the router.
 */
final class B2Error extends RuntimeException {

    final int status;
    final String code;
    /** Extra response headers, e.g. Retry-After on 429/503 or WWW-Authenticate on a refused authorize. */
    final Map<String, String> headers = new LinkedHashMap<>();

    B2Error(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    B2Error header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    static B2Error badRequest(String message) {
        return new B2Error(400, "bad_request", message);
    }

    static B2Error badBucketId(String bucketId) {
        return new B2Error(400, "bad_bucket_id", "Bucket " + bucketId + " does not exist");
    }

    static B2Error notFound(String message) {
        return new B2Error(404, "not_found", message);
    }

    static B2Error missingAuthToken() {
        return new B2Error(401, "missing_auth_token", "Authorization token is missing");
    }

    static B2Error badAuthToken() {
        return new B2Error(401, "bad_auth_token", "Invalid authorization token");
    }

    static B2Error expiredAuthToken() {
        return new B2Error(401, "expired_auth_token", "Authorization token has expired");
    }

    static B2Error serviceUnavailable(String message) {
        return new B2Error(503, "service_unavailable", message);
    }

    /** The code B2 uses for a status when a fault is injected without naming one. */
    static String defaultCode(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "expired_auth_token";
            case 403 -> "cap_exceeded";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 409 -> "conflict";
            case 416 -> "range_not_satisfiable";
            case 429 -> "too_many_requests";
            case 500 -> "internal_error";
            case 503 -> "service_unavailable";
            default -> "fault_injected";
        };
    }

    @Override
    public String toString() {
        return status + " " + code + ": " + getMessage();
    }
}
