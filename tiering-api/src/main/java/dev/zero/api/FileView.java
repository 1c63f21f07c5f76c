package dev.zero.api;

import java.time.Instant;
import java.util.List;

/**
 * One file as the catalogue knows it, for {@code ./zero where}: its names, attributes and tier
 * state, the stored object that holds its content (if any) and its most recent transfers.
 */
public record FileView(String volume, long fileId, List<String> paths, FileMeta meta, TierState state, StoredCopy stored,
        List<Transfer> transfers) {

    /** The object in the store for one content version. */
    public record StoredCopy(String key, String nonce, long contentVersion, long size, String sha256, int chunkSize, int chunks,
            Instant storedAt) {
    }

    /** One transfer between the host and the store; {@code range} is the byte range of a partial download. */
    public record Transfer(Instant startedAt, Instant finishedAt, String direction, Long contentVersion, long bytes, String range,
            String outcome, String error) {
    }
}
