package dev.zero.api;

/**
 * A host's own credential: the bearer token with which its agent acts for that host and the
 * volumes it serves, and for nothing else. Shown once, when it is issued; the service keeps
 * only its digest.
 */
public record HostCredential(String host, String token) {
    @Override
    public String toString() {
        return "HostCredential[host=" + host + ", token=(hidden)]";
    }
}
