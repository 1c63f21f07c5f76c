package dev.zero.api;

import java.util.Base64;

/**
 * What a reader needs to verify every byte of a stored object: its size, the SHA-256 of the
 * whole content, and the SHA-256 of each {@code chunkSize}-byte chunk (the last one may be
 * shorter), concatenated and base64-encoded in {@code chunkSha256}. The same manifest is kept in
 * the object store beside the object, so the catalogue can be rebuilt from the store.
 */
public record ObjectManifest(String key, String nonce, long fileId, long contentVersion, long size, String sha256, int chunkSize,
        String chunkSha256) {
    public ObjectManifest {
        Checks.positive("chunkSize", chunkSize);
        Checks.nonNegative("size", size);
        Checks.present("chunkSha256", chunkSha256);
    }

    /** Number of chunks: ceil(size / chunkSize); 0 for an empty object. */
    public int chunks() {
        return (int) ((size + chunkSize - 1) / chunkSize);
    }

    /** The 32-byte hashes of all chunks, concatenated. */
    public byte[] chunkHashes() {
        byte[] hashes = Base64.getDecoder().decode(chunkSha256);
        if (hashes.length != 32L * chunks()) {
            throw new IllegalArgumentException("chunkSha256 holds " + hashes.length / 32 + " hashes for " + chunks() + " chunks");
        }
        return hashes;
    }
}
