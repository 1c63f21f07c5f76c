package dev.zero.api;

import java.util.regex.Pattern;

/**
 * The uploader's word that a stored object holds the file's content version
 * {@code contentVersion}, whose SHA-256 it computed itself while sending.
 */
public record UploadConfirmation(long contentVersion, String sha256) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public UploadConfirmation {
        Checks.nonNegative("contentVersion", contentVersion);
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits, got " + (sha256 == null ? "null" : '"' + sha256 + '"'));
        }
    }
}
