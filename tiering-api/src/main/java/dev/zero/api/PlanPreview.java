package dev.zero.api;

/**
 * What a policy would make the planner do now, computed from the catalogue without changing
 * anything: the moves it would queue, and what they cost in object-store calls and transfer
 * (uploads are class A calls — free at Backblaze — restores are downloads, class B).
 */
public record PlanPreview(PlannerRound round, long storeUploads, long storeDownloads, long bytesUp, long bytesDown) {
}
