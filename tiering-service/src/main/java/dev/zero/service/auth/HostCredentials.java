package dev.zero.service.auth;

import dev.zero.service.catalogue.Db;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;

/**
 * Each host's own credential ({@code host_credential}): issued at enrolment or by an admin, kept
 * only as a digest, looked up on every agent call. The token carries 256 random bits, so the
 * digest cannot be searched back to it.
 */
@ApplicationScoped
public class HostCredentials {
    /** Marks Zero host tokens, so a leaked one is recognisable (e.g. by secret scanners). */
    static final String PREFIX = "zh_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Db db;

    HostCredentials(Db db) {
        this.db = db;
    }

    /**
     * The first credential of the host, created if the catalogue does not know it yet. Refused
     * when the host already has one or had it revoked: only an admin gives a host a second one.
     */
    public String enrol(String host) {
        return db.inTransaction(c -> {
            long hostId = hostId(c, host);
            try (var s = Db.bind(c.prepareStatement("select revoked_at is not null from host_credential where host_id = ? for update"), hostId);
                    var rs = s.executeQuery()) {
                if (rs.next()) {
                    throw ApiException.conflict("host " + host + (rs.getBoolean(1) ? " had its credential revoked" : " is already enrolled")
                            + "; an admin issues it a new credential with POST /api/v1/admin/hosts/" + host + "/credential");
                }
            }
            String token = newToken();
            try (var s = Db.bind(c.prepareStatement("""
                    insert into host_credential (host_id, token_sha256, issued_by) values (?, ?, 'enrolment')
                    on conflict (host_id) do nothing"""), hostId, digest(token))) {
                if (s.executeUpdate() == 0) {
                    throw ApiException.conflict("host " + host + " was enrolled at the same moment by another caller");
                }
            }
            return token;
        });
    }

    /** A new credential for the host (created if unknown), replacing any earlier one, revoked or not. */
    public String issue(String host) {
        return db.inTransaction(c -> {
            long hostId = hostId(c, host);
            String token = newToken();
            try (var s = Db.bind(c.prepareStatement("""
                    insert into host_credential (host_id, token_sha256, issued_by) values (?, ?, 'admin')
                    on conflict (host_id) do update set token_sha256 = excluded.token_sha256, issued_at = now(),
                        issued_by = 'admin', revoked_at = null"""), hostId, digest(token))) {
                s.executeUpdate();
            }
            return token;
        });
    }

    /** Revokes the host's credential; 404 when it has none. */
    public void revoke(String host) {
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    update host_credential set token_sha256 = null, revoked_at = now()
                    from host h where h.id = host_credential.host_id and h.name = ? and revoked_at is null"""), host)) {
                if (s.executeUpdate() == 0) {
                    throw ApiException.notFound("host " + host + " has no credential to revoke");
                }
            }
            return null;
        });
    }

    /** The host whose live credential this token is. */
    public Optional<String> hostOf(String token) {
        return db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    select h.name from host_credential k join host h on h.id = k.host_id where k.token_sha256 = ?"""), digest(token));
                    var rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        });
    }

    /** The host that serves the volume, if the volume exists. */
    public Optional<String> hostServing(String volume) {
        return db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("select h.name from volume v join host h on h.id = v.host_id where v.name = ?"), volume);
                    var rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        });
    }

    private static long hostId(Connection c, String host) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                insert into host (name, capacity_bytes, used_bytes) values (?, 0, 0)
                on conflict (name) do update set name = excluded.name returning id"""), host); var rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
