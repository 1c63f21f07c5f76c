package dev.zero.api;

import java.time.Instant;

/** A host as the catalogue knows it. {@code targetBytes} is null until a policy sets one. */
public record HostView(long id, String name, long capacityBytes, long usedBytes, Long targetBytes,
        Instant registeredAt, Instant lastHeartbeat) {
}
