package dev.zero.api;

/** What the service asks an agent to do with one file. */
public enum TaskKind {
    UPLOAD, EVICT, PREFETCH
}
