package dev.zero.b2emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/** A bare B2 client over java.net.http, for tests that look at the wire. */
final class Raw {

    static final ObjectMapper JSON = new ObjectMapper();

    record Reply(int status, JsonNode json, byte[] body, HttpResponse<byte[]> response) {
        String code() {
            return json == null ? null : json.path("code").asText(null);
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    final String url;
    final String accountId;
    final String applicationKey;
    final String bucketId;
    final String bucketName;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String token;

    Raw(B2Emulator emu) {
        this(emu.url(), emu.accountId(), emu.applicationKey(), emu.bucketId(), emu.bucketName());
    }

    Raw(String url, String accountId, String applicationKey, String bucketId, String bucketName) {
        this.url = url;
        this.accountId = accountId;
        this.applicationKey = applicationKey;
        this.bucketId = bucketId;
        this.bucketName = bucketName;
    }

    /** Authorizes with v2 and keeps the token. */
    Raw authorized() {
        token = authorize(2, accountId, applicationKey).json.get("authorizationToken").asText();
        return this;
    }

    Reply authorize(int version, String user, String key) {
        String basic = Base64.getEncoder().encodeToString((user + ":" + key).getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(uri("/b2api/v" + version + "/b2_authorize_account"))
                .header("Authorization", "Basic " + basic).GET());
    }

    Reply call(String api, Object... keyValues) {
        return callV(2, api, keyValues);
    }

    Reply callV(int version, String api, Object... keyValues) {
        return callWith(version, api, token, Map.of(), keyValues);
    }

    Reply callWith(int version, String api, String auth, Map<String, String> headers, Object... keyValues) {
        ObjectNode body = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            body.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/b2api/v" + version + "/" + api))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        headers.forEach(b::header);
        return send(b);
    }

    /** b2_get_upload_url: [uploadUrl, authorizationToken]. */
    String[] uploadUrl() {
        JsonNode r = call("b2_get_upload_url", "bucketId", bucketId).json;
        return new String[] {r.get("uploadUrl").asText(), r.get("authorizationToken").asText()};
    }

    Reply upload(String name, byte[] content, String... headers) {
        String[] url = uploadUrl();
        return uploadTo(url, name, content, sha1(content), headers);
    }

    Reply uploadTo(String[] url, String name, byte[] content, String sha1, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url[0]))
                .header("Authorization", url[1])
                .header("X-Bz-File-Name", Names.encode(name))
                .header("Content-Type", "b2/x-auto")
                .header("X-Bz-Content-Sha1", sha1)
                .POST(HttpRequest.BodyPublishers.ofByteArray(content));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    Reply download(String name, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/file/" + bucketName + "/" + Names.encode(name))).GET();
        if (token != null) {
            b.header("Authorization", token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = null;
            String type = r.headers().firstValue("Content-Type").orElse("");
            if (type.startsWith("application/json") && r.body().length > 0) {
                json = JSON.readTree(r.body());
            }
            return new Reply(r.statusCode(), json, r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create(url + path);
    }

    static String sha1(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
