package dev.zero.b2emulator;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Authorization tokens: account tokens from b2_authorize_account, upload tokens bound to one upload
 * URL (b2_get_upload_url / b2_get_upload_part_url) and download tokens from
 * b2_get_download_authorization. Tokens live in memory only, like on B2 a restart does not matter to
 * a client that re-authorizes on 401.
 */
final class Tokens {

    enum Kind { ACCOUNT, UPLOAD, PART, DOWNLOAD }

    static final class Token {
        final String value;
        final Kind kind;
        /** The bucket id (ACCOUNT: none; UPLOAD, DOWNLOAD: bucket; PART: large file id). */
        final String scope;
        /** UPLOAD/PART: the id in the upload URL this token goes with; DOWNLOAD: the file name prefix. */
        final String detail;
        final long issuedAt;
        final long expiresAt;
        /** Set by expiry faults, and on upload URLs after the endpoint refused an upload. */
        volatile boolean expired;
        /** expire_some_account_authorization_tokens was asked for when this token was issued. */
        volatile boolean flaky;
        /** B2 serves one upload at a time per upload URL. */
        final AtomicBoolean busy = new AtomicBoolean();

        Token(String value, Kind kind, String scope, String detail, long issuedAt, long expiresAt) {
            this.value = value;
            this.kind = kind;
            this.scope = scope;
            this.detail = detail;
            this.issuedAt = issuedAt;
            this.expiresAt = expiresAt;
        }
    }

    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Duration accountLifetime;
    private final Duration uploadLifetime;
    /** When set, every token, old or new, expires this long after it was issued. */
    private volatile Duration lifetimeOverride;

    Tokens(Clock clock, Duration accountLifetime, Duration uploadLifetime) {
        this.clock = clock;
        this.accountLifetime = accountLifetime;
        this.uploadLifetime = uploadLifetime;
    }

    Token issue(Kind kind, String scope, String detail) {
        return issue(kind, scope, detail, kind == Kind.ACCOUNT ? accountLifetime : uploadLifetime);
    }

    Token issue(Kind kind, String scope, String detail, Duration lifetime) {
        byte[] bytes = new byte[20];
        random.nextBytes(bytes);
        // B2 tokens start with a digit and an underscore ("4_..."); keep the look, not the meaning.
        String value = "4_" + HexFormat.of().formatHex(bytes) + "_" + Character.toLowerCase(kind.name().charAt(0));
        long now = clock.millis();
        Token token = new Token(value, kind, scope, detail, now, now + lifetime.toMillis());
        if (tokens.size() > 100_000) {
            tokens.values().removeIf(this::isExpired); // a long-running emulator hands out many upload URLs
        }
        tokens.put(value, token);
        return token;
    }

    /**
     * The live token for an Authorization header value.
     *
     * @throws B2Error 401 missing_auth_token, bad_auth_token (unknown, or of another kind) or expired_auth_token
     */
    Token check(String value, Kind... kinds) {
        if (value == null || value.isBlank()) {
            throw B2Error.missingAuthToken();
        }
        Token token = tokens.get(value.trim());
        if (token == null || !isOneOf(token.kind, kinds)) {
            throw B2Error.badAuthToken();
        }
        if (isExpired(token)) {
            throw B2Error.expiredAuthToken();
        }
        return token;
    }

    boolean isExpired(Token token) {
        long now = clock.millis();
        Duration override = lifetimeOverride;
        return token.expired || now >= token.expiresAt || (override != null && now >= token.issuedAt + override.toMillis());
    }

    Token find(String value) {
        return value == null ? null : tokens.get(value.trim());
    }

    void expireAll() {
        tokens.values().forEach(t -> t.expired = true);
    }

    void expireAfter(Duration lifetime) {
        lifetimeOverride = lifetime;
    }

    private static boolean isOneOf(Kind kind, Kind[] kinds) {
        for (Kind k : kinds) {
            if (k == kind) {
                return true;
            }
        }
        return false;
    }
}
