package dev.zero.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A change to some settings of a volume policy, as operators write it ({@code ./zero policy set
 * targetDiskUsage=64MiB uploadDelay=10s}): each named setting gets a new value, written with
 * human sizes and durations; {@code none} clears a size limit. The settings are
 * {@value #SETTINGS}.
 */
public record PolicyChange(Map<String, String> settings) {
    public static final String SETTINGS = "targetDiskUsage, maxDiskUsage, highWatermark, lowWatermark, uploadDelay, minResidency";

    public PolicyChange {
        Checks.present("settings", settings);
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("settings must name at least one of " + SETTINGS);
        }
        settings = new LinkedHashMap<>(settings);
        for (Map.Entry<String, String> e : settings.entrySet()) {
            Checks.text("settings key", e.getKey());
            Checks.text(e.getKey(), Checks.present(e.getKey(), e.getValue()));
        }
    }

    /** {@code policy} with the change applied; IllegalArgumentException naming the setting when a value does not parse or fit. */
    public VolumePolicy applyTo(VolumePolicy policy) {
        Long target = policy.targetBytes();
        Long max = policy.maxBytes();
        double high = policy.highWatermark();
        double low = policy.lowWatermark();
        long uploadDelay = policy.uploadDelaySeconds();
        long minResidency = policy.minResidencySeconds();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String key = e.getKey();
            String value = e.getValue().trim();
            switch (key) {
                case "targetDiskUsage" -> target = limit(key, value);
                case "maxDiskUsage" -> max = limit(key, value);
                case "highWatermark" -> high = fraction(key, value);
                case "lowWatermark" -> low = fraction(key, value);
                case "uploadDelay" -> uploadDelay = Durations.parseSeconds(key, value);
                case "minResidency" -> minResidency = Durations.parseSeconds(key, value);
                default -> throw new IllegalArgumentException("unknown policy setting '" + key + "'; the settings are " + SETTINGS);
            }
        }
        return new VolumePolicy(target, max, high, low, uploadDelay, minResidency, policy.rules());
    }

    /** The settings of {@code policy}, written the way a change takes them. */
    public static Map<String, String> describe(VolumePolicy p) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("targetDiskUsage", p.targetBytes() == null ? "none" : Sizes.exact(p.targetBytes()));
        out.put("maxDiskUsage", p.maxBytes() == null ? "none" : Sizes.exact(p.maxBytes()));
        out.put("highWatermark", percent(p.highWatermark()));
        out.put("lowWatermark", percent(p.lowWatermark()));
        out.put("uploadDelay", Durations.human(p.uploadDelaySeconds()));
        out.put("minResidency", Durations.human(p.minResidencySeconds()));
        return out;
    }

    /** The rules, one per line as {@code ./zero policy rule add} takes them. */
    public static List<String> describeRules(VolumePolicy p) {
        return p.rules().stream().map(r -> r.glob() + " " + switch (r.action()) {
            case PIN -> "pin";
            case NEVER_UPLOAD -> "never-upload";
            case EVICT_AFTER_IDLE -> "evict-after=" + Durations.human(r.idleSeconds());
        }).toList();
    }

    private static Long limit(String key, String value) {
        return value.equalsIgnoreCase("none") ? null : Checks.positive(key, Sizes.parse(key, value));
    }

    private static double fraction(String key, String value) {
        try {
            double v = value.endsWith("%") ? Double.parseDouble(value.substring(0, value.length() - 1).trim()) / 100
                    : Double.parseDouble(value);
            if (!(v > 0 && v <= 1)) {
                throw new IllegalArgumentException(key + " must be a fraction of the target above 0 and at most 1 (or 1%..100%), got " + value);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a fraction such as 0.9 or 90%, got \"" + value + '"');
        }
    }

    private static String percent(double fraction) {
        double p = fraction * 100;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)) + "%";
    }
}
