package dev.zero.api;

import java.util.regex.Pattern;

/** Argument checks shared by the DTOs; each failure names the field and the bad value. */
public final class Checks {
    /** Volume and host names: what fits in a path segment, a DNS label or a Kubernetes node name. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Checks() {
    }

    public static String name(String field, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit, got "
                    + quote(value));
        }
        return value;
    }

    public static long nonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
        return value;
    }

    public static long positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
        return value;
    }

    public static <T> T present(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    /** A single path component as the kernel would accept it: not empty, no '/', no NUL, not "." or "..". */
    public static String entryName(String field, String value) {
        present(field, value);
        if (value.isEmpty() || value.equals(".") || value.equals("..") || value.indexOf('/') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + " must be a single path component, got " + quote(value));
        }
        return value;
    }

    /**
     * Text the catalogue stores: PostgreSQL's {@code text} holds no NUL character, so one is
     * refused here with the field's name instead of failing in the database.
     */
    public static String text(String field, String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + " must not contain a NUL character");
        }
        return value;
    }

    private static String quote(String value) {
        return value == null ? "null" : '"' + (value.length() > 200 ? value.substring(0, 200) + "..." : value) + '"';
    }
}
