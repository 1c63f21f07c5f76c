package dev.zero.api;

/**
 * Where a regular file's content is. LOCAL: only on the host, newer than any remote copy;
 * SYNCED: an identical copy is in the object store; EVICTED: only in the object store (the
 * host keeps the name, attributes and size, no data); RESTORING: partly back on the host, the
 * rest still only in the object store. UPLOADING and EVICTING are the agent's crash-safe steps
 * between them and never outlive a restart.
 */
public enum TierState {
    LOCAL, UPLOADING, SYNCED, EVICTING, EVICTED, RESTORING
}
