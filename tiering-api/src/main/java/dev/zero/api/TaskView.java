package dev.zero.api;

import java.time.Instant;

/**
 * A task handed to an agent, leased to it until {@code leaseUntil}. {@code path} is one name of
 * the file in the volume as the catalogue knows it when the task is handed out; the agent checks
 * that the name still leads to {@code fileId} before acting.
 */
public record TaskView(long id, TaskKind kind, String volume, long fileId, long contentVersion, String path, Instant leaseUntil) {
}
