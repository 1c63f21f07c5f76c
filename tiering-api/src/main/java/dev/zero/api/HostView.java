package dev.zero.api;

import java.time.Instant;

/**
 * A host as the catalogue knows it. {@code targetBytes} is the disk target of the volumes it
 * serves (null until a policy sets one): the agent never restores past it, and reports at once
 * when its usage passes {@code highBytes}. {@code maxBytes} is the hard limit writers wait at.
 */
public record HostView(long id, String name, long capacityBytes, long usedBytes, long cacheBytes, long neededBytes, Long targetBytes,
        Long highBytes, Long maxBytes, Instant registeredAt, Instant lastHeartbeat) {
}
