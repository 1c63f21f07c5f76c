package dev.zero.api;

/** What the service asks an agent to do with one file: copy it to the store, drop its local data, or bring it back whole. */
public enum TaskKind {
    UPLOAD, EVICT, RESTORE
}
