package dev.zero.b2emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * One HTTP request: which API it is (as B2 names it, for routing and the call counters), its API
 * version, and helpers to read parameters and answer.
 */
final class Call {

    static final String UNKNOWN = "unknown";

    final HttpExchange exchange;
    /** e.g. "b2_list_file_names"; downloads by name are "b2_download_file_by_name". */
    final String api;
    /** 1..4; downloads by name (no version in the path) use 2. */
    final int version;
    /** Path segments after the API name (upload URLs: bucket or file id, then the URL id), still percent-encoded. */
    final List<String> rest;
    /** The X-Bz-Test-Mode in force: the request's header, else the one set through {@link Faults#testMode}. */
    final String testMode;
    boolean responded;

    private Call(HttpExchange exchange, String api, int version, List<String> rest, String testMode) {
        this.exchange = exchange;
        this.api = api;
        this.version = version;
        this.rest = rest;
        this.testMode = testMode;
    }

    static Call of(HttpExchange exchange, String globalTestMode) {
        String path = exchange.getRequestURI().getRawPath();
        String header = exchange.getRequestHeaders().getFirst("X-Bz-Test-Mode");
        String testMode = header != null ? header.trim() : globalTestMode;
        if (path.startsWith("/file/")) {
            return new Call(exchange, "b2_download_file_by_name", 2, List.of(path.substring("/file/".length())), testMode);
        }
        String[] segments = path.split("/");
        // "", "b2api", "vN", "b2_name", ...
        if (segments.length >= 4 && segments[1].equals("b2api") && segments[2].matches("v[1-4]")) {
            return new Call(exchange, segments[3], segments[2].charAt(1) - '0',
                    List.of(segments).subList(4, segments.length), testMode);
        }
        return new Call(exchange, UNKNOWN, 2, List.of(), testMode);
    }

    String method() {
        return exchange.getRequestMethod();
    }

    String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    boolean isUpload() {
        return api.equals("b2_upload_file") || api.equals("b2_upload_part");
    }

    boolean testMode(String mode) {
        return mode.equals(testMode);
    }

    /** The call's parameters: the JSON body of a POST, or the query of a GET (B2 accepts both). */
    ObjectNode params() {
        if (method().equals("GET") || method().equals("HEAD")) {
            ObjectNode o = Shapes.JSON.createObjectNode();
            String query = exchange.getRequestURI().getRawQuery();
            if (query != null) {
                for (String pair : query.split("&")) {
                    int eq = pair.indexOf('=');
                    String key = Names.decode(eq < 0 ? pair : pair.substring(0, eq));
                    o.put(key, eq < 0 ? "" : Names.decode(pair.substring(eq + 1)));
                }
            }
            return o;
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            if (body.length == 0) {
                return Shapes.JSON.createObjectNode();
            }
            JsonNode node = Shapes.JSON.readTree(body);
            if (!(node instanceof ObjectNode o)) {
                throw B2Error.badRequest("the request body must be a JSON object");
            }
            return o;
        } catch (IOException e) {
            throw B2Error.badRequest("invalid JSON in the request body: " + e.getMessage());
        }
    }

    void json(int status, JsonNode body) throws IOException {
        byte[] bytes = Shapes.JSON.writeValueAsBytes(body);
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json;charset=UTF-8");
        headers.set("Cache-Control", "max-age=0, no-cache, no-store");
        responded = true;
        if (method().equals("HEAD")) {
            headers.set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Reads what is left of the request body, so a refused upload still gets its answer read by the client. */
    void drainBody() {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the client went away; nothing to answer
        }
    }

    // ---- parameters ----

    static String string(ObjectNode p, String name) {
        JsonNode n = p.get(name);
        return n == null || n.isNull() ? null : n.asText();
    }

    static String required(ObjectNode p, String name) {
        String s = string(p, name);
        if (s == null) {
            throw B2Error.badRequest("required field " + name + " is missing");
        }
        return s;
    }

    static int integer(ObjectNode p, String name, int otherwise) {
        JsonNode n = p.get(name);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (n.isIntegralNumber()) {
            return n.asInt();
        }
        try {
            return Integer.parseInt(n.asText().trim());
        } catch (NumberFormatException e) {
            throw B2Error.badRequest(name + " is not a number: " + n.asText());
        }
    }
}
