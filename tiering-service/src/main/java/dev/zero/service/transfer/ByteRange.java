package dev.zero.service.transfer;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One satisfiable byte range of an object, from an HTTP {@code Range} header (RFC 9110 §14). */
record ByteRange(long offset, long length) {
    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    /** Thrown when the range starts past the end of the object: the answer is 416. */
    static final class Unsatisfiable extends Exception {
        Unsatisfiable(String header) {
            super(header);
        }
    }

    /**
     * The range the header asks for within an object of {@code size} bytes, or empty when the
     * whole object should be sent (no header, a header that does not parse, or several ranges —
     * a server may answer those with the full content).
     */
    static Optional<ByteRange> parse(String header, long size) throws Unsatisfiable {
        if (header == null) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0) {
                    throw new Unsatisfiable(header);
                }
                long length = Math.min(suffix, size);
                return Optional.of(new ByteRange(size - length, length));
            }
            long first = Long.parseLong(m.group(1));
            if (first >= size) {
                throw new Unsatisfiable(header);
            }
            long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (last < first) {
                return Optional.empty();
            }
            return Optional.of(new ByteRange(first, last - first + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    String contentRange(long size) {
        return "bytes " + offset + "-" + (offset + length - 1) + "/" + size;
    }
}
