package dev.zero.api;

/**
 * The answer to a policy change: the policy it makes, whether it was saved ({@code false} for a
 * dry run) and what the planner would do under it now.
 */
public record PolicyUpdate(VolumePolicy policy, boolean saved, PlanPreview preview) {
}
