package dev.zero.api;

/** One name of a volume as the catalogue holds it: its path from the volume root, the file it names and that file's state. */
public record CatalogueEntry(String path, long fileId, FileMeta meta, TierState state, String linkTarget) {
}
