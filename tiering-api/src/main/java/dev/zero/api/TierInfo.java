package dev.zero.api;

import java.util.regex.Pattern;

/**
 * Where one regular file's content is, as its agent records it: the {@link TierState}, the
 * content version the file holds, and, when a copy is in the object store, which upload holds
 * it ({@code storedVersion} and the upload's {@code nonce}, 16 hex digits). The agent keeps this
 * in the file's own packed attribute, so a lost catalogue can be rebuilt from the tree.
 */
public record TierInfo(TierState state, long contentVersion, Long storedVersion, String nonce) {
    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{16}");

    public TierInfo {
        Checks.present("tier.state", state);
        Checks.nonNegative("tier.contentVersion", contentVersion);
        if ((storedVersion == null) != (nonce == null)) {
            throw new IllegalArgumentException("tier.storedVersion and tier.nonce go together, got storedVersion=" + storedVersion
                    + " nonce=" + nonce);
        }
        if (nonce != null && !NONCE.matcher(nonce).matches()) {
            throw new IllegalArgumentException("tier.nonce must be 16 lowercase hex digits, got \"" + nonce + '"');
        }
        if (storedVersion != null) {
            Checks.nonNegative("tier.storedVersion", storedVersion);
        }
        if (state != TierState.LOCAL && state != TierState.UPLOADING && storedVersion == null) {
            throw new IllegalArgumentException("tier.state " + state + " needs the stored copy (storedVersion and nonce)");
        }
    }

    /** A file that has never been uploaded (or whose stored copy is older than its content). */
    public static TierInfo local(long contentVersion) {
        return new TierInfo(TierState.LOCAL, contentVersion, null, null);
    }

    /** True while the content is not whole on the host. */
    public boolean offHost() {
        return state == TierState.EVICTED || state == TierState.RESTORING;
    }

    /** The nonce of an upload as 16 hex digits. */
    public static String nonceHex(long nonce) {
        return String.format("%016x", nonce);
    }

    /** Parses {@link #nonceHex}; throws IllegalArgumentException naming the field otherwise. */
    public static long parseNonce(String field, String hex) {
        if (hex == null || !NONCE.matcher(hex).matches()) {
            throw new IllegalArgumentException(field + " must be 16 lowercase hex digits, got " + (hex == null ? "null" : '"' + hex + '"'));
        }
        return Long.parseUnsignedLong(hex, 16);
    }
}
