package dev.zero.api;

import java.time.Instant;

/** A task handed to an agent, leased to it until {@code leaseUntil}. */
public record TaskView(long id, TaskKind kind, String volume, long fileId, long contentVersion, Instant leaseUntil) {
}
