package dev.zero.api;

/**
 * Where a regular file's content is. LOCAL: only on the host, newer than any remote copy;
 * SYNCED: an identical copy is in the object store; EVICTED: only in the object store.
 * UPLOADING, EVICTING and RESTORING are the crash-safe steps between them.
 */
public enum TierState {
    LOCAL, UPLOADING, SYNCED, EVICTING, EVICTED, RESTORING
}
