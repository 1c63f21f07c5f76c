package dev.zero.service.auth;

/** Who made a request, as its bearer token says. */
public record Caller(Kind kind, String host) {
    public enum Kind {
        /** The operator: every call. */
        ADMIN,
        /** A new host holding the enrolment token: only its enrolment. */
        ENROLMENT,
        /** An enrolled host: calls about itself and the volumes it serves. */
        HOST,
        /** No token, on the open paths (health, metrics, OpenAPI). */
        NONE
    }

    public static final Caller ADMIN = new Caller(Kind.ADMIN, null);
    public static final Caller ENROLMENT = new Caller(Kind.ENROLMENT, null);
    public static final Caller NONE = new Caller(Kind.NONE, null);

    public static Caller host(String name) {
        return new Caller(Kind.HOST, name);
    }

    /** Whether this caller may act for the host. */
    public boolean actsFor(String hostName) {
        return kind == Kind.ADMIN || (kind == Kind.HOST && host.equals(hostName));
    }
}
