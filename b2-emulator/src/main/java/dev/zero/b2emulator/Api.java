package dev.zero.b2emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.zero.b2emulator.Store.Bucket;
import dev.zero.b2emulator.Store.Listing;
import dev.zero.b2emulator.Store.Part;
import dev.zero.b2emulator.Store.Version;
import dev.zero.b2emulator.Tokens.Kind;
import dev.zero.b2emulator.Tokens.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP handler: routes each request to its B2 call, applies the faults asked for, and answers
 * errors as B2 does. The JSON calls are here; uploads and downloads are in {@link Transfers}.
 */
final class Api implements HttpHandler {

    private static final Set<String> BUCKET_TYPES = Set.of("allPrivate", "allPublic");

    private final B2Emulator emulator;
    private final Store store;
    private final Tokens tokens;
    private final Faults faults;
    private final Transfers transfers;

    Api(B2Emulator emulator, Store store, Tokens tokens, Faults faults) {
        this.emulator = emulator;
        this.store = store;
        this.tokens = tokens;
        this.faults = faults;
        this.transfers = new Transfers(emulator, store, tokens, faults);
    }

    @Override
    public void handle(HttpExchange exchange) {
        Call call = Call.of(exchange, faults.globalTestMode());
        try {
            emulator.count(call.api);
            Duration delay = faults.delayFor(call.api);
            if (delay != null) {
                // an injected slow response: the handler thread waits as a slow B2 front end would
                Thread.sleep(delay);
            }
            B2Error injected = faults.failureFor(call.api);
            if (injected != null) {
                if (call.isUpload() && (injected.status >= 500 || injected.status == 408)) {
                    transfers.retireUploadUrl(call); // B2: the URL is no good once it refused an upload
                }
                throw injected;
            }
            dispatch(call);
        } catch (B2Error e) {
            answer(call, e);
        } catch (Transfers.Cut cut) {
            // drop the connection without an answer: closing an exchange with no (or a short) response does that
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!call.responded) {
                e.printStackTrace();
                answer(call, new B2Error(500, "internal_error", e.toString()));
            }
        } finally {
            exchange.close();
        }
    }

    private void answer(Call call, B2Error e) {
        if (call.responded) {
            return;
        }
        if (call.isUpload()) {
            call.drainBody();
        }
        e.headers.forEach((k, v) -> call.exchange.getResponseHeaders().set(k, v));
        try {
            call.json(e.status, Shapes.error(e));
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    private void dispatch(Call call) throws IOException {
        switch (call.api) {
            case "b2_upload_file" -> transfers.uploadFile(call);
            case "b2_upload_part" -> transfers.uploadPart(call);
            case "b2_download_file_by_name" -> transfers.downloadByName(call);
            case "b2_download_file_by_id" -> transfers.downloadById(call);
            case "b2_authorize_account" -> authorize(call);
            default -> {
                if (!call.method().equals("POST") && !call.method().equals("GET")) {
                    throw new B2Error(405, "method_not_allowed", "Only POST and GET are supported, not " + call.method());
                }
                jsonCall(call);
            }
        }
    }

    private void jsonCall(Call call) throws IOException {
        Handler handler = switch (call.api) {
            case "b2_list_buckets" -> this::listBuckets;
            case "b2_create_bucket" -> this::createBucket;
            case "b2_update_bucket" -> this::updateBucket;
            case "b2_delete_bucket" -> this::deleteBucket;
            case "b2_get_upload_url" -> this::getUploadUrl;
            case "b2_get_upload_part_url" -> this::getUploadPartUrl;
            case "b2_list_file_names" -> (c, p) -> listFiles(c, p, false);
            case "b2_list_file_versions" -> (c, p) -> listFiles(c, p, true);
            case "b2_get_file_info" -> this::getFileInfo;
            case "b2_delete_file_version" -> this::deleteFileVersion;
            case "b2_hide_file" -> this::hideFile;
            case "b2_copy_file" -> this::copyFile;
            case "b2_start_large_file" -> this::startLargeFile;
            case "b2_copy_part" -> this::copyPart;
            case "b2_list_parts" -> this::listParts;
            case "b2_finish_large_file" -> this::finishLargeFile;
            case "b2_cancel_large_file" -> this::cancelLargeFile;
            case "b2_list_unfinished_large_files" -> this::listUnfinishedLargeFiles;
            case "b2_get_download_authorization" -> this::getDownloadAuthorization;
            default -> throw B2Error.notFound("unknown API: " + call.exchange.getRequestURI().getPath());
        };
        authorizeCall(call);
        call.json(200, handler.handle(call, call.params()));
    }

    @FunctionalInterface
    private interface Handler {
        JsonNode handle(Call call, ObjectNode params);
    }

    /** Checks the account token of an API call, with expire_some_account_authorization_tokens applied. */
    Token authorizeCall(Call call) {
        Token token = tokens.check(call.header("Authorization"), Kind.ACCOUNT);
        if ((token.flaky || call.testMode(Faults.EXPIRE_SOME_ACCOUNT_AUTHORIZATION_TOKENS)) && faults.testModeHits()) {
            token.expired = true;
            throw B2Error.expiredAuthToken();
        }
        return token;
    }

    // ---- account and buckets ----

    private void authorize(Call call) throws IOException {
        String header = call.header("Authorization");
        String user = null;
        String password = null;
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                if (colon >= 0) {
                    user = pair.substring(0, colon);
                    password = pair.substring(colon + 1);
                }
            } catch (IllegalArgumentException ignored) {
                // reported below as a bad token
            }
        }
        if (user == null || !user.equals(emulator.accountId())) {
            // B2 answers an unknown key id with bad_auth_token, a known one with the wrong key with unauthorized
            throw new B2Error(401, "bad_auth_token", "").header("WWW-Authenticate", "BASIC realm=\"authorize_account\"");
        }
        if (!password.equals(emulator.applicationKey())) {
            throw new B2Error(401, "unauthorized", "The applicationKeyId and/or the applicationKey are wrong.")
                    .header("WWW-Authenticate", "BASIC realm=\"authorize_account\"");
        }
        Token token = tokens.issue(Kind.ACCOUNT, null, null);
        token.flaky = call.testMode(Faults.EXPIRE_SOME_ACCOUNT_AUTHORIZATION_TOKENS);
        call.json(200, Shapes.authorize(call.version, emulator.accountId(), token.value, emulator.url(),
                emulator.absoluteMinimumPartSize(), emulator.recommendedPartSize()));
    }

    private void checkAccount(ObjectNode p) {
        String accountId = Call.required(p, "accountId");
        if (!accountId.equals(emulator.accountId())) {
            throw new B2Error(401, "unauthorized", "accountId does not match the authorization token");
        }
    }

    private JsonNode listBuckets(Call call, ObjectNode p) {
        checkAccount(p);
        String id = Call.string(p, "bucketId");
        String name = Call.string(p, "bucketName");
        List<String> types = new ArrayList<>();
        if (p.get("bucketTypes") instanceof ArrayNode array) {
            array.forEach(t -> types.add(t.asText()));
        }
        ObjectNode out = Shapes.JSON.createObjectNode();
        ArrayNode list = out.putArray("buckets");
        for (Bucket b : store.buckets()) {
            boolean wanted = (id == null || b.bucketId().equals(id)) && (name == null || b.bucketName().equals(name))
                    && (types.isEmpty() || types.contains("all") || types.contains(b.bucketType()));
            if (wanted) {
                list.add(Shapes.bucket(b, call.version));
            }
        }
        return out;
    }

    private JsonNode createBucket(Call call, ObjectNode p) {
        checkAccount(p);
        String name = Call.required(p, "bucketName");
        if (!name.matches("[A-Za-z0-9-]{6,50}") || name.toLowerCase().startsWith("b2-")) {
            throw B2Error.badRequest("Invalid bucket name: " + name);
        }
        return Shapes.bucket(store.createBucket(emulator.accountId(), name, bucketType(Call.required(p, "bucketType"))),
                call.version);
    }

    private JsonNode updateBucket(Call call, ObjectNode p) {
        checkAccount(p);
        Bucket b = store.requireBucket(Call.required(p, "bucketId"));
        int ifRevisionIs = Call.integer(p, "ifRevisionIs", b.revision());
        if (ifRevisionIs != b.revision()) {
            throw new B2Error(409, "conflict", "simultaneous updates to bucket");
        }
        String type = Call.string(p, "bucketType");
        return Shapes.bucket(store.updateBucket(b.bucketId(), type == null ? null : bucketType(type)), call.version);
    }

    private JsonNode deleteBucket(Call call, ObjectNode p) {
        checkAccount(p);
        return Shapes.bucket(store.deleteBucket(Call.required(p, "bucketId")), call.version);
    }

    private static String bucketType(String type) {
        if (!BUCKET_TYPES.contains(type)) {
            throw B2Error.badRequest("bucketType must be allPrivate or allPublic: " + type);
        }
        return type;
    }

    // ---- files ----

    private JsonNode getUploadUrl(Call call, ObjectNode p) {
        Bucket b = store.requireBucket(Call.required(p, "bucketId"));
        Token upload = transfers.newUploadUrl(Kind.UPLOAD, b.bucketId());
        return Shapes.JSON.createObjectNode().put("authorizationToken", upload.value).put("bucketId", b.bucketId())
                .put("uploadUrl", transfers.uploadUrl(call.version, upload));
    }

    private JsonNode listFiles(Call call, ObjectNode p, boolean versions) {
        String bucketId = Call.required(p, "bucketId");
        store.requireBucket(bucketId);
        int max = Call.integer(p, "maxFileCount", 100);
        if (max == 0) {
            max = 100;
        }
        if (max < 0 || max > 10000) {
            throw new B2Error(400, "out_of_range", "maxFileCount out of range: " + max);
        }
        String startFileName = Call.string(p, "startFileName");
        String startFileId = versions ? Call.string(p, "startFileId") : null;
        if (startFileId != null && startFileName == null) {
            throw B2Error.badRequest("startFileName is required when startFileId is given");
        }
        String prefix = Call.string(p, "prefix");
        Listing listing = store.list(bucketId, versions, startFileName, startFileId, prefix == null ? "" : prefix,
                Call.string(p, "delimiter"), max);
        ObjectNode out = Shapes.JSON.createObjectNode();
        ArrayNode files = out.putArray("files");
        listing.files().forEach(f -> files.add(Shapes.file(f, call.version, emulator.accountId(), true)));
        if (versions) {
            out.put("nextFileId", listing.nextFileId());
        }
        return out.put("nextFileName", listing.nextFileName());
    }

    private JsonNode getFileInfo(Call call, ObjectNode p) {
        Version v = existing(Call.required(p, "fileId"));
        return Shapes.file(v, call.version, emulator.accountId(), false);
    }

    private JsonNode deleteFileVersion(Call call, ObjectNode p) {
        Version v = store.deleteVersion(Call.required(p, "fileName"), Call.required(p, "fileId"));
        return Shapes.fileIdAndName(v);
    }

    private JsonNode hideFile(Call call, ObjectNode p) {
        Version hidden = store.hide(Call.required(p, "bucketId"), Names.checkFileName(Call.required(p, "fileName")));
        return Shapes.file(hidden, call.version, emulator.accountId(), false);
    }

    private JsonNode copyFile(Call call, ObjectNode p) {
        Version source = downloadable(Call.required(p, "sourceFileId"));
        String bucketId = Call.string(p, "destinationBucketId");
        bucketId = bucketId == null ? source.bucketId() : store.requireBucket(bucketId).bucketId();
        String name = Names.checkFileName(Call.required(p, "fileName"));
        String directive = Call.string(p, "metadataDirective");
        String contentType = source.contentType();
        Map<String, String> info = source.fileInfo();
        if ("REPLACE".equals(directive)) {
            contentType = Names.contentType(Call.required(p, "contentType"), name);
            info = fileInfo(p);
        } else if (directive != null && !directive.equals("COPY")) {
            throw B2Error.badRequest("metadataDirective must be COPY or REPLACE: " + directive);
        } else if (p.hasNonNull("contentType") || p.hasNonNull("fileInfo")) {
            throw B2Error.badRequest("contentType and fileInfo go with metadataDirective REPLACE only");
        }
        Version copy = transfers.copy(source, bucketId, name, contentType, info, Call.string(p, "range"));
        ObjectNode out = Shapes.file(copy, call.version, emulator.accountId(), false);
        return out.put("action", "copy"); // what b2_copy_file answers; the version lists as an upload
    }

    // ---- large files ----

    private JsonNode startLargeFile(Call call, ObjectNode p) {
        String bucketId = Call.required(p, "bucketId");
        String name = Names.checkFileName(Call.required(p, "fileName"));
        String contentType = Names.contentType(Call.required(p, "contentType"), name);
        String sse = Transfers.sseFromJson(p.get("serverSideEncryption"));
        Map<String, String> info = fileInfo(p);
        Transfers.checkHeaderSize(name, info, sse);
        Version v = store.startLarge(bucketId, name, contentType, info, sse);
        return Shapes.file(v, call.version, emulator.accountId(), false);
    }

    private JsonNode getUploadPartUrl(Call call, ObjectNode p) {
        Version v = unfinished(Call.required(p, "fileId"));
        Token upload = transfers.newUploadUrl(Kind.PART, v.fileId());
        return Shapes.JSON.createObjectNode().put("authorizationToken", upload.value).put("fileId", v.fileId())
                .put("uploadUrl", transfers.uploadUrl(call.version, upload));
    }

    private JsonNode copyPart(Call call, ObjectNode p) {
        Version source = downloadable(Call.required(p, "sourceFileId"));
        Version large = unfinished(Call.required(p, "largeFileId"));
        int partNumber = Transfers.partNumber(Call.required(p, "partNumber"));
        Part part = transfers.copyPart(source, large, partNumber, Call.string(p, "range"));
        return Shapes.part(part, call.version, large.serverSideEncryption());
    }

    private JsonNode listParts(Call call, ObjectNode p) {
        Version v = unfinished(Call.required(p, "fileId"));
        int start = Call.integer(p, "startPartNumber", 1);
        int max = Call.integer(p, "maxPartCount", 100);
        if (start < 1 || start > 10000) {
            throw B2Error.badRequest("startPartNumber out of range: " + start);
        }
        if (max < 1 || max > 1000) {
            throw B2Error.badRequest("maxPartCount out of range: " + max);
        }
        ObjectNode out = Shapes.JSON.createObjectNode();
        ArrayNode list = out.putArray("parts");
        Integer next = null;
        for (Part part : store.parts(v.fileId())) {
            if (part.partNumber() < start) {
                continue;
            }
            if (list.size() == max) {
                next = part.partNumber();
                break;
            }
            list.add(Shapes.part(part, call.version, v.serverSideEncryption()));
        }
        return out.put("nextPartNumber", next);
    }

    private JsonNode finishLargeFile(Call call, ObjectNode p) {
        String fileId = Call.required(p, "fileId");
        unfinished(fileId);
        if (!(p.get("partSha1Array") instanceof ArrayNode array)) {
            throw B2Error.badRequest("required field partSha1Array is missing");
        }
        List<String> sha1s = new ArrayList<>();
        array.forEach(s -> sha1s.add(s.asText()));
        Version done = store.finishLarge(fileId, sha1s, emulator.absoluteMinimumPartSize());
        return Shapes.file(done, call.version, emulator.accountId(), false);
    }

    private JsonNode cancelLargeFile(Call call, ObjectNode p) {
        Version v = store.cancelLarge(unfinished(Call.required(p, "fileId")).fileId());
        return Shapes.JSON.createObjectNode().put("accountId", emulator.accountId()).put("bucketId", v.bucketId())
                .put("fileId", v.fileId()).put("fileName", v.fileName());
    }

    private JsonNode listUnfinishedLargeFiles(Call call, ObjectNode p) {
        String bucketId = store.requireBucket(Call.required(p, "bucketId")).bucketId();
        int max = Call.integer(p, "maxFileCount", 100);
        if (max < 1 || max > 100) {
            throw new B2Error(400, "out_of_range", "maxFileCount out of range: " + max);
        }
        String startFileId = Call.string(p, "startFileId");
        List<Version> all = store.unfinished(bucketId, Call.string(p, "namePrefix"));
        int from = 0;
        if (startFileId != null) {
            from = all.size();
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).fileId().equals(startFileId)) {
                    from = i;
                    break;
                }
            }
        }
        ObjectNode out = Shapes.JSON.createObjectNode();
        ArrayNode files = out.putArray("files");
        String next = null;
        for (int i = from; i < all.size(); i++) {
            if (files.size() == max) {
                next = all.get(i).fileId();
                break;
            }
            files.add(Shapes.file(all.get(i), call.version, emulator.accountId(), false));
        }
        return out.put("nextFileId", next);
    }

    private JsonNode getDownloadAuthorization(Call call, ObjectNode p) {
        Bucket b = store.requireBucket(Call.required(p, "bucketId"));
        String prefix = Call.required(p, "fileNamePrefix");
        int seconds = Call.integer(p, "validDurationInSeconds", -1);
        if (seconds < 1 || seconds > 604800) {
            throw B2Error.badRequest("validDurationInSeconds must be between 1 and 604800: " + seconds);
        }
        Token token = tokens.issue(Kind.DOWNLOAD, b.bucketId(), prefix, Duration.ofSeconds(seconds));
        return Shapes.JSON.createObjectNode().put("authorizationToken", token.value).put("bucketId", b.bucketId())
                .put("fileNamePrefix", prefix);
    }

    // ---- helpers ----

    private Version existing(String fileId) {
        Version v = store.version(fileId);
        if (v == null) {
            throw B2Error.notFound("File not present: " + fileId);
        }
        return v;
    }

    private Version downloadable(String fileId) {
        Version v = existing(fileId);
        if (!v.is("upload")) {
            throw B2Error.badRequest("not a file that can be read: " + fileId);
        }
        return v;
    }

    private Version unfinished(String fileId) {
        if (!fileId.startsWith("4_z")) {
            throw B2Error.badRequest("Invalid fileId: " + fileId);
        }
        return store.requireUnfinished(fileId);
    }

    private static Map<String, String> fileInfo(ObjectNode p) {
        Map<String, String> info = new LinkedHashMap<>();
        JsonNode node = p.get("fileInfo");
        if (node == null || node.isNull()) {
            return info;
        }
        if (!node.isObject()) {
            throw B2Error.badRequest("fileInfo must be a JSON object");
        }
        node.fields().forEachRemaining(e -> info.put(e.getKey().toLowerCase(), e.getValue().asText()));
        return info;
    }
}
