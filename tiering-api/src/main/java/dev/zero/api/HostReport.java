package dev.zero.api;

/**
 * What an agent reports about its host's cache disk when it registers and on every heartbeat:
 * the disk's size and use, the bytes the backing tree allocates (what the disk target limits),
 * and the room it needs now for restores it is holding back (0 when none).
 */
public record HostReport(long capacityBytes, long usedBytes, long cacheBytes, long neededBytes) {
    public HostReport {
        Checks.nonNegative("capacityBytes", capacityBytes);
        Checks.nonNegative("usedBytes", usedBytes);
        Checks.nonNegative("cacheBytes", cacheBytes);
        Checks.nonNegative("neededBytes", neededBytes);
    }
}
