package dev.zero.api;

/** What an agent reports about its host's cache disk when it registers and on every heartbeat. */
public record HostReport(long capacityBytes, long usedBytes) {
    public HostReport {
        Checks.nonNegative("capacityBytes", capacityBytes);
        Checks.nonNegative("usedBytes", usedBytes);
    }
}
