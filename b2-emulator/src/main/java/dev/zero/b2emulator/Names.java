package dev.zero.b2emulator;

import java.io.ByteArrayOutputStream;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;

/** File names and B2's string encoding (percent-encoded UTF-8 in headers and URLs). */
final class Names {

    /** What B2 leaves unencoded: letters, digits and . _ - / ~ ! $ ' ( ) * ; = : @ */
    private static final String SAFE = "._-/~!$'()*;=:@";

    private Names() {}

    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || SAFE.indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /**
     * Undoes percent-encoding. B2 decodes names "as if they were URL parameters", so '+' stands for a
     * space, in X-Bz-File-Name as in /file/BUCKET/NAME: b2-sdk-java sends a space as '+' in both.
     */
    static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw B2Error.badRequest("bad percent-encoding in " + s);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c == '%') {
                throw B2Error.badRequest("bad percent-encoding in " + s);
            } else if (c == '+') {
                out.write(' ');
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    bytes = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.writeBytes(bytes);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** B2's rules for file names: at most 1024 bytes of UTF-8, no control characters, no leading, trailing or double '/'. */
    static String checkFileName(String name) {
        if (name == null || name.isEmpty()) {
            throw B2Error.badRequest("file name is missing");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > 1024) {
            throw B2Error.badRequest("File names must not be longer than 1024 bytes");
        }
        if (name.chars().anyMatch(c -> c < 32 || c == 127)) {
            throw B2Error.badRequest("File names must not contain control characters");
        }
        if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            throw B2Error.badRequest("File names must not start or end with '/', nor contain '//': " + name);
        }
        return name;
    }

    /** The stored Content-Type: b2/x-auto means "guess from the name's extension". */
    static String contentType(String requested, String fileName) {
        if (requested == null || requested.isBlank()) {
            throw B2Error.badRequest("Content-Type is required");
        }
        if (!requested.trim().equalsIgnoreCase("b2/x-auto")) {
            return requested.trim();
        }
        String guessed = URLConnection.guessContentTypeFromName(fileName);
        return guessed != null ? guessed : "application/octet-stream";
    }
}
