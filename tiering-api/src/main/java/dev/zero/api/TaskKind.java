package dev.zero.api;

/**
 * What the service asks an agent to do with one file: copy it to the store, drop its local data,
 * bring it back whole, or recreate a deleted file from its last stored version.
 */
public enum TaskKind {
    UPLOAD, EVICT, RESTORE, UNDELETE
}
