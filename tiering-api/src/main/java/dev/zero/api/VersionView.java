package dev.zero.api;

import java.time.Instant;

/**
 * One stored version of a file at a path: its content version, size and SHA-256, when it was
 * stored, whether it is the file's current stored copy, and — for a deleted file — when it
 * was deleted. Versions stay in the store for the retention period after they stop being current.
 */
public record VersionView(String path, long fileId, long contentVersion, long size, String sha256, Instant storedAt, boolean current,
        Instant deletedAt, Instant keptUntil) {
}
