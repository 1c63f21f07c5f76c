package dev.zero.api;

import java.util.Locale;

/** Byte counts as operators read and write them: binary units, three significant digits out; SI or binary units in. */
public final class Sizes {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, UNITS[u]);
    }

    private static final java.util.regex.Pattern SIZE =
            java.util.regex.Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib|p|pb|pib)?\\s*");

    /**
     * Parses a size such as {@code 64MiB}, {@code 1.5 GB}, {@code 500M} or {@code 1048576}: SI
     * units (kB, MB, GB, TB, PB) are powers of 1000, binary ones (KiB…PiB, and the bare K, M, G, T,
     * P) powers of 1024. Throws IllegalArgumentException naming {@code field} otherwise.
     */
    public static long parse(String field, String text) {
        java.util.regex.Matcher m = text == null ? null : SIZE.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(field + " must be a size such as 64MiB, 1.5GB or 1048576 (bytes), got "
                    + (text == null ? "nothing" : '"' + text + '"'));
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        int power = "bkmgtp".indexOf(unit.charAt(0));
        double base = unit.length() == 2 ? 1000 : 1024;
        java.math.BigDecimal bytes = new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(Math.pow(base, power)));
        if (bytes.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException(field + " is too large: \"" + text + '"');
        }
        return bytes.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    }

    /** {@code bytes} in the largest unit that states it exactly, as {@link #parse} reads it back: 67108864 → 64MiB, 10^9 → 1GB. */
    public static String exact(long bytes) {
        String[] binary = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        String[] si = {"kB", "MB", "GB", "TB", "PB"};
        for (int i = binary.length - 1; i >= 0; i--) {
            long b = 1L << (10 * (i + 1));
            long d = (long) Math.pow(1000, i + 1);
            if (bytes % b == 0 && bytes >= b) {
                return bytes / b + binary[i];
            }
            if (bytes % d == 0 && bytes >= d) {
                return bytes / d + si[i];
            }
        }
        return String.valueOf(bytes);
    }
}
