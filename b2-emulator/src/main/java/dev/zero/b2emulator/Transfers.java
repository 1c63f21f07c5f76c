package dev.zero.b2emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import dev.zero.b2emulator.Store.Bucket;
import dev.zero.b2emulator.Store.Part;
import dev.zero.b2emulator.Store.Version;
import dev.zero.b2emulator.Tokens.Kind;
import dev.zero.b2emulator.Tokens.Token;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Uploads (b2_upload_file, b2_upload_part) and downloads (by name and by id): the calls that move
 * content, streamed between the socket and the store's files.
 */
final class Transfers {

    /** Thrown to drop the connection without a (complete) answer. */
    static final class Cut extends RuntimeException {
        Cut() {
            super(null, null, false, false);
        }
    }

    /** B2's largest single upload, and largest part. */
    static final long MAX_UPLOAD = 5_000_000_000L;

    private static final Pattern SHA1 = Pattern.compile("[0-9a-fA-F]{40}");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final List<String> FORBIDDEN_UPLOAD_HEADERS =
            List.of("Content-Disposition", "Content-Encoding", "Content-Language", "Content-Location", "Content-Range", "Expires");
    /** File info that B2 serves back as the standard header of the same meaning. */
    private static final Map<String, String> INFO_HEADERS = Map.of(
            "b2-content-disposition", "Content-Disposition", "b2-content-language", "Content-Language",
            "b2-expires", "Expires", "b2-cache-control", "Cache-Control", "b2-content-encoding", "Content-Encoding");

    private final B2Emulator emulator;
    private final Store store;
    private final Tokens tokens;
    private final Faults faults;

    Transfers(B2Emulator emulator, Store store, Tokens tokens, Faults faults) {
        this.emulator = emulator;
        this.store = store;
        this.tokens = tokens;
        this.faults = faults;
    }

    // ---- upload URLs ----

    Token newUploadUrl(Kind kind, String scope) {
        return tokens.issue(kind, scope, String.format("%08x", ThreadLocalRandom.current().nextInt()));
    }

    /** Upload URLs name the bucket (or large file) and a URL id, like B2's pod URLs. */
    String uploadUrl(int version, Token token) {
        String api = token.kind == Kind.UPLOAD ? "b2_upload_file" : "b2_upload_part";
        return emulator.url() + "/b2api/v" + version + "/" + api + "/" + token.scope + "/" + token.detail;
    }

    /** After the endpoint refused an upload with a 5xx or 408 its token is dead, as on B2. */
    void retireUploadUrl(Call call) {
        Token token = tokens.find(call.header("Authorization"));
        if (token != null && (token.kind == Kind.UPLOAD || token.kind == Kind.PART)) {
            token.expired = true;
        }
    }

    // ---- uploads ----

    void uploadFile(Call call) throws IOException {
        Token token = uploadToken(call, Kind.UPLOAD);
        Version v;
        try {
            checkUploadFaults(call, token);
            String name = Names.checkFileName(Names.decode(requiredHeader(call, "X-Bz-File-Name")));
            for (String h : FORBIDDEN_UPLOAD_HEADERS) {
                if (call.header(h) != null) {
                    throw B2Error.badRequest("header not allowed on uploads: " + h);
                }
            }
            String contentType = Names.contentType(call.header("Content-Type"), name);
            String sse = sseFromHeaders(call.exchange.getRequestHeaders());
            Map<String, String> info = infoHeaders(call.exchange.getRequestHeaders());
            checkHeaderSize(name, info, sse);
            Received r = receive(call);
            v = store.putFile(token.scope, name, contentType, info, sse, r.file, r.length, r.sha1, r.md5);
        } finally {
            token.busy.set(false); // before answering: the client may send its next upload at once
        }
        call.json(200, Shapes.file(v, call.version, emulator.accountId(), false));
    }

    void uploadPart(Call call) throws IOException {
        Token token = uploadToken(call, Kind.PART);
        Version large;
        Part p;
        try {
            checkUploadFaults(call, token);
            large = store.requireUnfinished(token.scope);
            int partNumber = partNumber(requiredHeader(call, "X-Bz-Part-Number"));
            Received r = receive(call);
            p = store.putPart(large.fileId(), partNumber, r.file, r.length, r.sha1, r.md5);
        } finally {
            token.busy.set(false);
        }
        call.json(200, Shapes.part(p, call.version, large.serverSideEncryption()));
    }

    static int partNumber(String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= 10000) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw B2Error.badRequest("Part number must be in range 1 - 10000: " + value);
    }

    /** The upload token for this URL, which then belongs to this upload until it ends. */
    private Token uploadToken(Call call, Kind kind) {
        if (!call.method().equals("POST")) {
            throw new B2Error(405, "method_not_allowed", "Only POST is supported, not " + call.method());
        }
        Token token = tokens.check(call.header("Authorization"), kind);
        if (call.rest.size() != 2 || !call.rest.get(0).equals(token.scope) || !call.rest.get(1).equals(token.detail)) {
            throw B2Error.badAuthToken(); // a token is good for its own upload URL only
        }
        if (!token.busy.compareAndSet(false, true)) {
            throw B2Error.serviceUnavailable("another upload is using this upload URL; get a new one");
        }
        return token;
    }

    private void checkUploadFaults(Call call, Token token) {
        if (call.testMode(Faults.FORCE_CAP_EXCEEDED)) {
            throw new B2Error(403, "cap_exceeded", "Cannot upload files, storage cap exceeded.");
        }
        if (call.testMode(Faults.FAIL_SOME_UPLOADS) && faults.testModeHits()) {
            token.expired = true;
            throw B2Error.serviceUnavailable("fail_some_uploads: this upload failed, get a new upload URL");
        }
        long cut = faults.nextUploadCut();
        if (cut >= 0) {
            try (InputStream in = call.exchange.getRequestBody()) {
                in.readNBytes((int) Math.min(cut, Integer.MAX_VALUE));
            } catch (IOException ignored) {
                // gone already
            }
            throw new Cut();
        }
    }

    private record Received(Path file, long length, String sha1, String md5) {}

    /**
     * Streams the body to a temp file, hashing it. With X-Bz-Content-Sha1 "hex_digits_at_end" the last
     * 40 bytes of the body are the hex SHA-1 of the rest (and count in Content-Length);
     * "do_not_verify" stores the computed SHA-1 with B2's "unverified:" prefix.
     */
    private Received receive(Call call) throws IOException {
        String lengthHeader = call.header("Content-Length");
        if (lengthHeader == null || call.header("Transfer-Encoding") != null) {
            throw B2Error.badRequest("Content-Length is required; chunked transfer encoding is not supported");
        }
        long length;
        try {
            length = Long.parseLong(lengthHeader.trim());
        } catch (NumberFormatException e) {
            throw B2Error.badRequest("Content-Length is not a number: " + lengthHeader);
        }
        String sha1Header = requiredHeader(call, "X-Bz-Content-Sha1").trim();
        boolean atEnd = sha1Header.equals("hex_digits_at_end");
        boolean unverifiedGiven = sha1Header.startsWith("unverified:") && SHA1.matcher(sha1Header.substring(11)).matches();
        if (!atEnd && !unverifiedGiven && !sha1Header.equals("do_not_verify") && !SHA1.matcher(sha1Header).matches()) {
            throw B2Error.badRequest("X-Bz-Content-Sha1 must be 40 hex digits, hex_digits_at_end or do_not_verify");
        }
        long contentLength = atEnd ? length - 40 : length;
        if (contentLength < 0) {
            throw B2Error.badRequest("Content-Length is too small to hold the SHA-1 at the end");
        }
        if (contentLength > MAX_UPLOAD) {
            throw B2Error.badRequest("Content-Length is larger than the maximum of " + MAX_UPLOAD);
        }
        MessageDigest sha1 = digest("SHA-1");
        MessageDigest md5 = digest("MD5");
        Path file = store.newTempFile();
        byte[] trailer = new byte[40];
        boolean kept = false;
        try (InputStream in = call.exchange.getRequestBody(); OutputStream out = Files.newOutputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            long left = contentLength;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new Cut(); // the client stopped sending
                }
                out.write(buffer, 0, n);
                sha1.update(buffer, 0, n);
                md5.update(buffer, 0, n);
                left -= n;
            }
            if (atEnd && in.readNBytes(trailer, 0, 40) < 40) {
                throw new Cut();
            }
            kept = true;
        } finally {
            if (!kept) {
                Files.deleteIfExists(file);
            }
        }
        String computed = HexFormat.of().formatHex(sha1.digest());
        String given = atEnd ? new String(trailer, StandardCharsets.US_ASCII) : sha1Header;
        String stored = computed;
        if (sha1Header.equals("do_not_verify")) {
            stored = "unverified:" + computed;
        } else if (unverifiedGiven) {
            stored = sha1Header.toLowerCase(Locale.ROOT);
        } else if (!given.equalsIgnoreCase(computed)) {
            Files.deleteIfExists(file);
            throw B2Error.badRequest("Sha1 did not match data received");
        }
        return new Received(file, contentLength, stored, HexFormat.of().formatHex(md5.digest()));
    }

    Version copy(Version source, String bucketId, String name, String contentType, Map<String, String> info, String range) {
        long[] r = copyRange(range, source.contentLength());
        Path temp = store.newTempFile();
        String[] hashes = copyBytes(source, r, temp);
        return store.putFile(bucketId, name, contentType, info, source.serverSideEncryption(), temp, r[1] - r[0],
                hashes[0], hashes[1]);
    }

    Part copyPart(Version source, Version large, int partNumber, String range) {
        long[] r = copyRange(range, source.contentLength());
        Path temp = store.newTempFile();
        String[] hashes = copyBytes(source, r, temp);
        return store.putPart(large.fileId(), partNumber, temp, r[1] - r[0], hashes[0], hashes[1]);
    }

    /** [start, end) of a copy's "bytes=a-b" range (inclusive in the request), or the whole file. */
    private static long[] copyRange(String range, long size) {
        if (range == null) {
            return new long[] {0, size};
        }
        Matcher m = RANGE.matcher(range.trim());
        if (!m.matches() || m.group(1).isEmpty() || m.group(2).isEmpty()) {
            throw B2Error.badRequest("range must be bytes=start-end: " + range);
        }
        long start = Long.parseLong(m.group(1));
        long end = Long.parseLong(m.group(2));
        if (start > end || end >= size) {
            throw new B2Error(416, "range_not_satisfiable", "range " + range + " is outside the file's " + size + " bytes");
        }
        return new long[] {start, end + 1};
    }

    private String[] copyBytes(Version source, long[] range, Path to) {
        MessageDigest sha1 = digest("SHA-1");
        MessageDigest md5 = digest("MD5");
        try (FileChannel in = FileChannel.open(store.data(source)); OutputStream out = Files.newOutputStream(to)) {
            InputStream stream = Channels.newInputStream(in.position(range[0]));
            byte[] buffer = new byte[64 * 1024];
            long left = range[1] - range[0];
            while (left > 0) {
                int n = stream.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
                sha1.update(buffer, 0, n);
                md5.update(buffer, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            throw new B2Error(500, "internal_error", "cannot copy: " + e);
        }
        return new String[] {HexFormat.of().formatHex(sha1.digest()), HexFormat.of().formatHex(md5.digest())};
    }

    // ---- downloads ----

    void downloadByName(Call call) throws IOException {
        checkDownloadMethod(call, false);
        String path = call.rest.get(0);
        int slash = path.indexOf('/');
        if (slash <= 0) {
            throw B2Error.badRequest("a download by name is /file/BUCKET/FILE_NAME");
        }
        Bucket bucket = store.bucketByName(Names.decode(path.substring(0, slash)));
        String name = Names.decode(path.substring(slash + 1));
        if (bucket == null) {
            throw B2Error.notFound("Bucket " + path.substring(0, slash) + " does not exist");
        }
        checkDownloadAuth(call, bucket, name);
        Version v = store.current(bucket.bucketId(), name);
        if (v == null || !v.is("upload")) {
            throw B2Error.notFound("File with such name does not exist.");
        }
        serve(call, v);
    }

    void downloadById(Call call) throws IOException {
        checkDownloadMethod(call, true);
        String fileId = Call.required(call.params(), "fileId");
        Version v = store.version(fileId);
        if (v == null || !v.is("upload")) {
            throw B2Error.notFound("File not present: " + fileId);
        }
        checkDownloadAuth(call, store.requireBucket(v.bucketId()), v.fileName());
        serve(call, v);
    }

    private static void checkDownloadMethod(Call call, boolean postToo) {
        String m = call.method();
        if (!m.equals("GET") && !m.equals("HEAD") && !(postToo && m.equals("POST"))) {
            throw new B2Error(405, "method_not_allowed", "Only GET and HEAD are supported, not " + m);
        }
    }

    /** Private buckets need an account token or a download token for the name's prefix, in the header or ?Authorization=. */
    private void checkDownloadAuth(Call call, Bucket bucket, String name) {
        String auth = call.header("Authorization");
        if (auth == null && !call.method().equals("POST")) {
            auth = Call.string(call.params(), "Authorization"); // ?Authorization=, as B2 allows for links
        }
        if (auth == null && bucket.bucketType().equals("allPublic")) {
            return;
        }
        Token token = tokens.check(auth, Kind.ACCOUNT, Kind.DOWNLOAD);
        if (token.kind == Kind.DOWNLOAD && (!token.scope.equals(bucket.bucketId()) || !name.startsWith(token.detail))) {
            throw new B2Error(401, "unauthorized", "the download authorization does not cover " + name);
        }
        if (call.testMode(Faults.FORCE_CAP_EXCEEDED)) {
            throw new B2Error(403, "download_cap_exceeded", "Cannot download file, download bandwidth or transaction (Class B) cap exceeded.");
        }
        if (token.kind == Kind.ACCOUNT && (token.flaky || call.testMode(Faults.EXPIRE_SOME_ACCOUNT_AUTHORIZATION_TOKENS))
                && faults.testModeHits()) {
            token.expired = true;
            throw B2Error.expiredAuthToken();
        }
    }

    private void serve(Call call, Version v) throws IOException {
        FileChannel in;
        try {
            in = FileChannel.open(store.data(v));
        } catch (NoSuchFileException e) {
            throw B2Error.notFound("the content of " + v.fileName() + " is gone"); // a test removed it
        }
        try (in) {
            send(call, v, in);
        }
    }

    private void send(Call call, Version v, FileChannel in) throws IOException {
        long size = v.contentLength();
        long[] range = byteRange(call.header("Range"), size);
        long start = range == null ? 0 : range[0];
        long length = range == null ? size : range[1] - range[0];
        Headers h = call.exchange.getResponseHeaders();
        h.set("Accept-Ranges", "bytes");
        h.set("Content-Type", v.contentType());
        h.set("X-Bz-File-Id", v.fileId());
        h.set("X-Bz-File-Name", Names.encode(v.fileName()));
        h.set("X-Bz-Content-Sha1", v.contentSha1());
        h.set("X-Bz-Upload-Timestamp", Long.toString(v.uploadTimestamp()));
        v.fileInfo().forEach((k, value) -> {
            h.set("X-Bz-Info-" + k, Names.encode(value));
            if (INFO_HEADERS.containsKey(k)) {
                h.set(INFO_HEADERS.get(k), value);
            }
        });
        if ("SSE-B2".equals(v.serverSideEncryption())) {
            h.set("X-Bz-Server-Side-Encryption", "AES256");
        }
        int status = 200;
        if (range != null) {
            status = 206;
            h.set("Content-Range", "bytes " + start + "-" + (range[1] - 1) + "/" + size);
        }
        call.responded = true;
        if (call.method().equals("HEAD")) {
            h.set("Content-Length", Long.toString(length));
            call.exchange.sendResponseHeaders(status, -1);
            return;
        }
        call.exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        long cut = faults.nextDownloadCut();
        long toSend = cut >= 0 ? Math.min(cut, length) : length;
        OutputStream out = call.exchange.getResponseBody();
        InputStream stream = Channels.newInputStream(in.position(start));
        byte[] buffer = new byte[64 * 1024];
        long left = toSend;
        while (left > 0) {
            int n = stream.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                break; // the content file was cut short by a test: so is the body
            }
            out.write(buffer, 0, n);
            left -= n;
        }
        out.flush();
        if (toSend < length) {
            throw new Cut(); // closing now leaves the body short: the client sees the connection drop
        }
    }

    /**
     * [start, end) of a single "bytes=a-b", "bytes=a-" or "bytes=-n" range, or null to send the whole
     * file (no Range header, or one that is not a single valid byte range: HTTP lets a server ignore it).
     *
     * @throws B2Error 416 range_not_satisfiable when the range starts past the end of the file
     */
    static long[] byteRange(String header, long size) {
        Matcher m = header == null ? null : RANGE.matcher(header.trim());
        if (m == null || !m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return null;
        }
        long start;
        long end;
        try {
            if (m.group(1).isEmpty()) {
                long n = Long.parseLong(m.group(2));
                start = n == 0 ? size : size - Math.min(n, size);
                end = size;
            } else {
                start = Long.parseLong(m.group(1));
                long last = m.group(2).isEmpty() ? size - 1 : Long.parseLong(m.group(2));
                if (last < start) {
                    return null;
                }
                end = Math.min(size, last + 1);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        if (start >= size) {
            throw new B2Error(416, "range_not_satisfiable",
                    "The range " + header + " is not satisfiable for a file of " + size + " bytes")
                    .header("Content-Range", "bytes */" + size);
        }
        return new long[] {start, end};
    }

    // ---- headers ----

    private static String requiredHeader(Call call, String name) {
        String value = call.header(name);
        if (value == null) {
            throw B2Error.badRequest("Missing header: " + name);
        }
        return value;
    }

    /** X-Bz-Info-* headers as file info; the JDK server lowercases header names, and so does B2 for info names. */
    private static Map<String, String> infoHeaders(Headers headers) {
        Map<String, String> info = new LinkedHashMap<>();
        headers.forEach((k, values) -> {
            if (k.toLowerCase(Locale.ROOT).startsWith("x-bz-info-")) {
                info.put(k.substring("x-bz-info-".length()).toLowerCase(Locale.ROOT), Names.decode(values.get(0)));
            }
        });
        return info;
    }

    /** B2 limits the file name plus file info to 7,000 bytes, 2,048 with server-side encryption. */
    static void checkHeaderSize(String name, Map<String, String> info, String sse) {
        long size = name.getBytes(StandardCharsets.UTF_8).length;
        for (var e : info.entrySet()) {
            size += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        long limit = sse != null ? 2048 : 7000;
        if (size > limit) {
            throw B2Error.badRequest("file name and file info are " + size + " bytes, more than the limit of " + limit);
        }
    }

    private static String sseFromHeaders(Headers headers) {
        if (headers.getFirst("X-Bz-Server-Side-Encryption-Customer-Algorithm") != null) {
            throw B2Error.badRequest("the emulator does not support SSE-C");
        }
        String value = headers.getFirst("X-Bz-Server-Side-Encryption");
        if (value == null) {
            return null;
        }
        if (!value.trim().equals("AES256")) {
            throw B2Error.badRequest("X-Bz-Server-Side-Encryption must be AES256: " + value);
        }
        return "SSE-B2";
    }

    /** The serverSideEncryption of b2_start_large_file: {"mode": "SSE-B2", "algorithm": "AES256"}, or none. */
    static String sseFromJson(JsonNode node) {
        if (node == null || node.isNull() || node.path("mode").isNull() || node.path("mode").isMissingNode()) {
            return null;
        }
        String mode = node.path("mode").asText();
        if (mode.equals("SSE-C")) {
            throw B2Error.badRequest("the emulator does not support SSE-C");
        }
        if (!mode.equals("SSE-B2") || !node.path("algorithm").asText("AES256").equals("AES256")) {
            throw B2Error.badRequest("serverSideEncryption must be mode SSE-B2, algorithm AES256");
        }
        return "SSE-B2";
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
