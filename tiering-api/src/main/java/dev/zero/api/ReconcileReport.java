package dev.zero.api;

/**
 * What a reconciling walk changed in the catalogue: files and names that were missing and
 * added, files whose attributes had drifted, and files and names the tree no longer has.
 */
public record ReconcileReport(long generation, long filesSeen, long filesAdded, long filesUpdated, long filesRemoved,
        long entriesAdded, long entriesRemoved) {
    public long fixes() {
        return filesAdded + filesUpdated + filesRemoved + entriesAdded + entriesRemoved;
    }
}
