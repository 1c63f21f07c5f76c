package dev.zero.api;

import java.util.List;

/**
 * How a volume is tiered. Disk usage is kept under {@code targetBytes}: once usage passes
 * {@code highWatermark} × target, synced files are evicted by least recent access until it is
 * under {@code lowWatermark} × target. Local files are uploaded after {@code uploadDelaySeconds}
 * without a change; no file is evicted within {@code minResidencySeconds} of its last access.
 */
public record VolumePolicy(Long targetBytes, double highWatermark, double lowWatermark, long uploadDelaySeconds,
        long minResidencySeconds, List<PathRule> rules) {

    public static final VolumePolicy DEFAULT = new VolumePolicy(null, 0.90, 0.80, 300, 3600, List.of());

    public VolumePolicy {
        if (targetBytes != null) {
            Checks.positive("targetBytes", targetBytes);
        }
        if (!(lowWatermark > 0 && lowWatermark < highWatermark && highWatermark <= 1)) {
            throw new IllegalArgumentException("watermarks must satisfy 0 < lowWatermark < highWatermark <= 1, got low="
                    + lowWatermark + " high=" + highWatermark);
        }
        Checks.nonNegative("uploadDelaySeconds", uploadDelaySeconds);
        Checks.nonNegative("minResidencySeconds", minResidencySeconds);
        rules = rules == null ? List.of() : List.copyOf(rules);
        for (int i = 0; i < rules.size(); i++) {
            Checks.present("rules[" + i + "]", rules.get(i));
        }
    }
}
