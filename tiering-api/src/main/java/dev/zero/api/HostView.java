package dev.zero.api;

import java.time.Instant;

/**
 * A host as the catalogue knows it. {@code targetBytes} is the disk target of the volumes it
 * serves (null until a policy sets one): the agent never restores past it.
 */
public record HostView(long id, String name, long capacityBytes, long usedBytes, long cacheBytes, long neededBytes, Long targetBytes,
        Instant registeredAt, Instant lastHeartbeat) {
}
