package dev.zero.api;

/**
 * The object an upload stored for one content version of a file, which the catalogue now
 * points the file at. An upload of a version that is no longer current is refused with 409.
 */
public record StoredObject(String key, long size, String sha256, long fileId, long contentVersion) {
}
