package dev.zero.api;

/**
 * Paths inside a volume as operators name them: relative to the volume root, '/'-separated,
 * without "." or ".." components; "" is the root itself.
 */
public final class VolumePath {
    private VolumePath() {
    }

    /** The normalised form of {@code path} (leading, trailing and doubled slashes dropped); 400-style message when it cannot be one. */
    public static String normalise(String field, String path) {
        Checks.present(field, path);
        Checks.text(field, path);
        StringBuilder out = new StringBuilder();
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException(field + " must stay inside the volume (no '..'), got \"" + path + '"');
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(part);
        }
        return out.toString();
    }
}
