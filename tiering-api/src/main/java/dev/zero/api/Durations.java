package dev.zero.api;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them ({@code 10s}, {@code 5m}, {@code 1h}, {@code 7d}, or seconds) and read them. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(?i)\\s*([0-9]+)\\s*(s|m|h|d|w)?\\s*");

    private Durations() {
    }

    /** Seconds in {@code text}; throws IllegalArgumentException naming {@code field} when it is not a duration. */
    public static long parseSeconds(String field, String text) {
        Matcher m = text == null ? null : DURATION.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(field + " must be a duration such as 10s, 5m, 1h or 7d, got "
                    + (text == null ? "nothing" : '"' + text + '"'));
        }
        long unit = switch (m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT)) {
            case "m" -> 60;
            case "h" -> 3600;
            case "d" -> 86400;
            case "w" -> 7 * 86400;
            default -> 1;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(field + " is too long: \"" + text + '"');
        }
    }

    /** The largest whole unit that states {@code seconds} exactly: 90 → 90s, 600 → 10m, 86400 → 1d. */
    public static String human(long seconds) {
        if (seconds == 0) {
            return "0s";
        }
        long[] units = {7 * 86400, 86400, 3600, 60};
        String[] names = {"w", "d", "h", "m"};
        for (int i = 0; i < units.length; i++) {
            if (seconds % units[i] == 0) {
                return seconds / units[i] + names[i];
            }
        }
        return seconds + "s";
    }
}
