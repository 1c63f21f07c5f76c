package dev.zero.api;

/**
 * What an upload stored for one content version of a file: the object's key, the upload's
 * {@code nonce} (16 hex digits; with the file and version it names the object), its size, its
 * SHA-256 and the chunk size its per-chunk hashes were taken at. A stored object is not yet the
 * file's content: the uploader compares {@code sha256} with what it sent and then confirms it
 * ({@link UploadConfirmation}); an object never confirmed is removed by garbage collection.
 */
public record StoredObject(String key, String nonce, long size, String sha256, int chunkSize, long fileId, long contentVersion) {
}
