package dev.zero.api;

/**
 * What a policy would make the planner do now, computed from the catalogue without changing
 * anything: the moves it would queue (in {@code round}), and what they cost: calls to the object
 * store's API to upload (each upload also stores a small manifest) and to download (restores,
 * in ranged reads), and the bytes each way. Evictions cost no call.
 */
public record PlanPreview(PlannerRound round, long uploadCalls, long downloadCalls, long bytesUp, long bytesDown) {
}
