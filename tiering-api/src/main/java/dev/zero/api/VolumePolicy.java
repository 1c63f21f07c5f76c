package dev.zero.api;

import java.util.List;

/**
 * How a volume is tiered. Disk usage is kept under {@code targetBytes}: once usage passes
 * {@code highWatermark} × target, synced files are evicted in the planner's ranking order until
 * it is under {@code lowWatermark} × target. {@code maxBytes}, when set, is a hard limit: writers
 * wait (bounded, then ENOSPC) rather than pass it. Local files are uploaded after
 * {@code uploadDelaySeconds} without a change; no file is evicted within
 * {@code minResidencySeconds} of its last access or restore. {@code rules} are tried in order,
 * the first whose glob matches a file's path decides for it.
 */
public record VolumePolicy(Long targetBytes, Long maxBytes, double highWatermark, double lowWatermark, long uploadDelaySeconds,
        long minResidencySeconds, List<PathRule> rules) {

    public static final VolumePolicy DEFAULT = new VolumePolicy(null, null, 0.90, 0.80, 300, 3600, List.of());

    public VolumePolicy {
        if (targetBytes != null) {
            Checks.positive("targetBytes", targetBytes);
        }
        if (maxBytes != null) {
            Checks.positive("maxBytes", maxBytes);
            if (targetBytes != null && maxBytes < targetBytes) {
                throw new IllegalArgumentException("maxBytes (the hard limit, " + maxBytes + ") must not be below targetBytes (" + targetBytes + ")");
            }
        }
        if (!(lowWatermark > 0 && lowWatermark < highWatermark && highWatermark <= 1)) {
            throw new IllegalArgumentException("watermarks must satisfy 0 < lowWatermark < highWatermark <= 1, got lowWatermark="
                    + lowWatermark + " highWatermark=" + highWatermark);
        }
        Checks.nonNegative("uploadDelaySeconds", uploadDelaySeconds);
        Checks.nonNegative("minResidencySeconds", minResidencySeconds);
        rules = rules == null ? List.of() : List.copyOf(rules);
        for (int i = 0; i < rules.size(); i++) {
            Checks.present("rules[" + i + "]", rules.get(i));
        }
    }

    /** The first rule whose glob matches the path (relative to the volume root), or null. */
    public PathRule ruleFor(String path) {
        for (PathRule rule : rules) {
            if (rule.matches(path)) {
                return rule;
            }
        }
        return null;
    }

    public VolumePolicy withRules(List<PathRule> newRules) {
        return new VolumePolicy(targetBytes, maxBytes, highWatermark, lowWatermark, uploadDelaySeconds, minResidencySeconds, newRules);
    }

    public VolumePolicy withTarget(Long bytes) {
        return new VolumePolicy(bytes, maxBytes, highWatermark, lowWatermark, uploadDelaySeconds, minResidencySeconds, rules);
    }
}
