package dev.zero.b2emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zero.b2emulator.Raw.Reply;
import java.time.Duration;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesTest {

    @TempDir
    Path dir;
    B2Emulator emu;
    Raw raw;

    @BeforeEach
    void start() {
        emu = B2Emulator.builder(dir).bucketName("files-bucket").start();
        raw = new Raw(emu).authorized();
    }

    @AfterEach
    void stop() {
        emu.close();
    }

    @Test
    void uploadsWithTheSha1InTheHeaderAndDownloadsBack() {
        byte[] content = Raw.bytes("hello, b2");
        Reply up = raw.upload("dir/hello.txt", content, "X-Bz-Info-src_last_modified_millis", "1700000000000",
                "X-Bz-Info-author", "J%C3%BCrgen%20S");
        assertThat(up.status()).isEqualTo(200);
        JsonNode f = up.json();
        assertThat(f.get("action").asText()).isEqualTo("upload");
        assertThat(f.get("fileName").asText()).isEqualTo("dir/hello.txt");
        assertThat(f.get("contentLength").asLong()).isEqualTo(content.length);
        assertThat(f.get("contentSha1").asText()).isEqualTo(Raw.sha1(content));
        assertThat(f.get("contentType").asText()).isEqualTo("text/plain"); // b2/x-auto, by extension
        assertThat(f.get("bucketId").asText()).isEqualTo(emu.bucketId());
        assertThat(f.get("accountId").asText()).isEqualTo(emu.accountId());
        assertThat(f.path("fileInfo").get("src_last_modified_millis").asText()).isEqualTo("1700000000000");
        assertThat(f.path("fileInfo").get("author").asText()).isEqualTo("Jürgen S");
        assertThat(f.path("serverSideEncryption").get("mode").isNull()).isTrue();
        assertThat(f.get("uploadTimestamp").asLong()).isPositive();

        Reply down = raw.download("dir/hello.txt");
        assertThat(down.status()).isEqualTo(200);
        assertThat(down.body()).isEqualTo(content);
        assertThat(down.header("x-bz-file-id")).isEqualTo(f.get("fileId").asText());
        assertThat(down.header("x-bz-file-name")).isEqualTo("dir/hello.txt");
        assertThat(down.header("x-bz-content-sha1")).isEqualTo(Raw.sha1(content));
        assertThat(down.header("x-bz-upload-timestamp")).isEqualTo(f.get("uploadTimestamp").asText());
        assertThat(down.header("x-bz-info-src_last_modified_millis")).isEqualTo("1700000000000");
        assertThat(down.header("x-bz-info-author")).isEqualTo("J%C3%BCrgen%20S");
        assertThat(down.header("content-length")).isEqualTo(Integer.toString(content.length));
        assertThat(down.header("content-type")).isEqualTo("text/plain");
        assertThat(down.header("accept-ranges")).isEqualTo("bytes");

        Reply byId = raw.send(HttpRequest.newBuilder(raw.uri("/b2api/v2/b2_download_file_by_id?fileId=" + f.get("fileId").asText()))
                .header("Authorization", raw.token).GET());
        assertThat(byId.body()).isEqualTo(content);
        Reply byIdPost = raw.call("b2_download_file_by_id", "fileId", f.get("fileId").asText());
        assertThat(byIdPost.body()).isEqualTo(content);
    }

    @Test
    void headGivesTheHeadersOfADownload() {
        byte[] content = new byte[12345];
        raw.upload("big/blob.bin", content);
        Reply head = raw.send(HttpRequest.newBuilder(raw.uri("/file/" + emu.bucketName() + "/big/blob.bin"))
                .header("Authorization", raw.token).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("content-length")).isEqualTo("12345");
        assertThat(head.header("x-bz-content-sha1")).isEqualTo(Raw.sha1(content));
        assertThat(head.body()).isEmpty();
        Reply missing = raw.send(HttpRequest.newBuilder(raw.uri("/file/" + emu.bucketName() + "/nope"))
                .header("Authorization", raw.token).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(missing.status()).isEqualTo(404);
    }

    @Test
    void hexDigitsAtEndAndDoNotVerify() {
        byte[] content = Raw.bytes("sha at the end");
        byte[] body = (new String(content, StandardCharsets.UTF_8) + Raw.sha1(content)).getBytes(StandardCharsets.UTF_8);
        Reply up = raw.uploadTo(raw.uploadUrl(), "end.txt", body, "hex_digits_at_end");
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.json().get("contentLength").asLong()).isEqualTo(content.length);
        assertThat(up.json().get("contentSha1").asText()).isEqualTo(Raw.sha1(content));
        assertThat(raw.download("end.txt").body()).isEqualTo(content);

        byte[] wrongTail = (new String(content, StandardCharsets.UTF_8) + "0".repeat(40)).getBytes(StandardCharsets.UTF_8);
        Reply bad = raw.uploadTo(raw.uploadUrl(), "end2.txt", wrongTail, "hex_digits_at_end");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).isEqualTo("Sha1 did not match data received");

        Reply unverified = raw.uploadTo(raw.uploadUrl(), "nv.txt", content, "do_not_verify");
        assertThat(unverified.json().get("contentSha1").asText()).isEqualTo("unverified:" + Raw.sha1(content));
    }

    @Test
    void refusesAMismatchedSha1AndBadHeaders() {
        String[] url = raw.uploadUrl();
        Reply mismatch = raw.uploadTo(url, "x.txt", Raw.bytes("abc"), Raw.sha1(Raw.bytes("abd")));
        assertThat(mismatch.status()).isEqualTo(400);
        assertThat(mismatch.code()).isEqualTo("bad_request");
        assertThat(mismatch.json().get("message").asText()).isEqualTo("Sha1 did not match data received");
        // a 400 does not spoil the URL
        assertThat(raw.uploadTo(url, "x.txt", Raw.bytes("abc"), Raw.sha1(Raw.bytes("abc"))).status()).isEqualTo(200);

        assertThat(raw.uploadTo(url, "x.txt", Raw.bytes("abc"), "not-a-sha").status()).isEqualTo(400);
        assertThat(raw.uploadTo(url, "/leading", Raw.bytes("abc"), Raw.sha1(Raw.bytes("abc"))).status()).isEqualTo(400);
        assertThat(raw.uploadTo(url, "a//b", Raw.bytes("abc"), Raw.sha1(Raw.bytes("abc"))).status()).isEqualTo(400);

        Reply chunked = raw.send(HttpRequest.newBuilder(URI.create(url[0])).header("Authorization", url[1])
                .header("X-Bz-File-Name", "c.txt").header("Content-Type", "text/plain")
                .header("X-Bz-Content-Sha1", "do_not_verify")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(Raw.bytes("chunks")))));
        assertThat(chunked.status()).isEqualTo(400);
        assertThat(chunked.json().get("message").asText()).contains("Content-Length");

        Reply wrongToken = raw.uploadTo(new String[] {url[0], raw.token}, "x.txt", Raw.bytes("abc"), Raw.sha1(Raw.bytes("abc")));
        assertThat(wrongToken.code()).isEqualTo("bad_auth_token");
    }

    @Test
    void percentEncodedNamesRoundTrip() {
        String name = "folder one/naïve + plus & more.txt";
        Reply up = raw.upload(name, Raw.bytes("n"));
        assertThat(up.json().get("fileName").asText()).isEqualTo(name);
        Reply down = raw.download(name);
        assertThat(down.status()).isEqualTo(200);
        assertThat(Names.decode(down.header("x-bz-file-name"))).isEqualTo(name);
    }

    @Test
    void rangesAndMissingFiles() {
        raw.upload("r.txt", Raw.bytes("0123456789"));
        Reply part = raw.download("r.txt", "Range", "bytes=2-5");
        assertThat(part.status()).isEqualTo(206);
        assertThat(new String(part.body())).isEqualTo("2345");
        assertThat(part.header("content-range")).isEqualTo("bytes 2-5/10");
        assertThat(new String(raw.download("r.txt", "Range", "bytes=7-").body())).isEqualTo("789");
        assertThat(new String(raw.download("r.txt", "Range", "bytes=-3").body())).isEqualTo("789");
        assertThat(new String(raw.download("r.txt", "Range", "bytes=8-100").body())).isEqualTo("89");

        Reply unsatisfiable = raw.download("r.txt", "Range", "bytes=10-20");
        assertThat(unsatisfiable.status()).isEqualTo(416);
        assertThat(unsatisfiable.code()).isEqualTo("range_not_satisfiable");
        assertThat(unsatisfiable.header("content-range")).isEqualTo("bytes */10");

        Reply missing = raw.download("nope.txt");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.code()).isEqualTo("not_found");

        Reply noAuth = raw.send(HttpRequest.newBuilder(raw.uri("/file/" + emu.bucketName() + "/r.txt")).GET());
        assertThat(noAuth.status()).isEqualTo(401);
        Reply queryAuth = raw.send(HttpRequest.newBuilder(raw.uri("/file/" + emu.bucketName() + "/r.txt?Authorization=" + raw.token)).GET());
        assertThat(queryAuth.status()).isEqualTo(200);
    }

    @Test
    void downloadAuthorizationCoversAPrefix() {
        raw.upload("shared/a.txt", Raw.bytes("a"));
        raw.upload("private/b.txt", Raw.bytes("b"));
        String token = raw.call("b2_get_download_authorization", "bucketId", emu.bucketId(), "fileNamePrefix", "shared/",
                "validDurationInSeconds", 60).json().get("authorizationToken").asText();
        String base = "/file/" + emu.bucketName() + "/";
        assertThat(raw.send(HttpRequest.newBuilder(raw.uri(base + "shared/a.txt?Authorization=" + token)).GET()).status()).isEqualTo(200);
        assertThat(raw.send(HttpRequest.newBuilder(raw.uri(base + "private/b.txt?Authorization=" + token)).GET()).status()).isEqualTo(401);
    }

    @Test
    void versionsHideAndDelete() {
        String first = raw.upload("v.txt", Raw.bytes("one")).json().get("fileId").asText();
        String second = raw.upload("v.txt", Raw.bytes("two")).json().get("fileId").asText();
        assertThat(new String(raw.download("v.txt").body())).isEqualTo("two");

        JsonNode versions = raw.call("b2_list_file_versions", "bucketId", emu.bucketId()).json().get("files");
        assertThat(ids(versions)).containsExactly(second, first); // newest first
        assertThat(raw.call("b2_list_file_names", "bucketId", emu.bucketId()).json().get("files")).hasSize(1);

        JsonNode info = raw.call("b2_get_file_info", "fileId", first).json();
        assertThat(info.get("contentLength").asLong()).isEqualTo(3);
        assertThat(raw.call("b2_get_file_info", "fileId", "4_zmissing").status()).isEqualTo(404);

        Reply hidden = raw.call("b2_hide_file", "bucketId", emu.bucketId(), "fileName", "v.txt");
        assertThat(hidden.json().get("action").asText()).isEqualTo("hide");
        assertThat(hidden.json().get("contentType").asText()).isEqualTo("application/x-bz-hide-marker");
        assertThat(raw.call("b2_hide_file", "bucketId", emu.bucketId(), "fileName", "v.txt").code()).isEqualTo("already_hidden");
        assertThat(raw.download("v.txt").status()).isEqualTo(404);
        assertThat(raw.call("b2_list_file_names", "bucketId", emu.bucketId()).json().get("files")).isEmpty();
        JsonNode all = raw.call("b2_list_file_versions", "bucketId", emu.bucketId()).json().get("files");
        assertThat(all).hasSize(3);
        assertThat(all.get(0).get("action").asText()).isEqualTo("hide");

        Reply deleted = raw.call("b2_delete_file_version", "fileName", "v.txt", "fileId", hidden.json().get("fileId").asText());
        assertThat(deleted.json().get("fileId").asText()).isEqualTo(hidden.json().get("fileId").asText());
        assertThat(new String(raw.download("v.txt").body())).isEqualTo("two");
        assertThat(raw.call("b2_delete_file_version", "fileName", "other.txt", "fileId", first).code()).isEqualTo("file_not_present");
        raw.call("b2_delete_file_version", "fileName", "v.txt", "fileId", second);
        assertThat(new String(raw.download("v.txt").body())).isEqualTo("one");
        assertThat(raw.call("b2_hide_file", "bucketId", emu.bucketId(), "fileName", "never.txt").status()).isEqualTo(404);
    }

    @Test
    void listingPagesThroughNames() {
        for (String n : List.of("a1", "a2", "b/c1", "b/c2", "b/d/e", "c3", "c4")) {
            raw.upload(n, Raw.bytes(n));
        }
        List<String> seen = new ArrayList<>();
        String start = null;
        int pages = 0;
        do {
            JsonNode page = raw.call("b2_list_file_names", "bucketId", emu.bucketId(), "maxFileCount", 3,
                    "startFileName", start).json();
            page.get("files").forEach(f -> seen.add(f.get("fileName").asText()));
            start = page.get("nextFileName").isNull() ? null : page.get("nextFileName").asText();
            pages++;
        } while (start != null);
        assertThat(seen).containsExactly("a1", "a2", "b/c1", "b/c2", "b/d/e", "c3", "c4");
        assertThat(pages).isEqualTo(3);

        JsonNode top = raw.call("b2_list_file_names", "bucketId", emu.bucketId(), "delimiter", "/").json().get("files");
        assertThat(names(top)).containsExactly("a1", "a2", "b/", "c3", "c4");
        assertThat(top.get(2).get("action").asText()).isEqualTo("folder");
        JsonNode inB = raw.call("b2_list_file_names", "bucketId", emu.bucketId(), "prefix", "b/", "delimiter", "/").json().get("files");
        assertThat(names(inB)).containsExactly("b/c1", "b/c2", "b/d/");
        // a page that ends on a folder continues after it
        JsonNode firstPage = raw.call("b2_list_file_names", "bucketId", emu.bucketId(), "delimiter", "/", "maxFileCount", 3).json();
        assertThat(firstPage.get("nextFileName").asText()).isEqualTo("c3");
        assertThat(raw.call("b2_list_file_names", "bucketId", emu.bucketId(), "maxFileCount", 10001).code()).isEqualTo("out_of_range");

        JsonNode v1 = raw.callV(1, "b2_list_file_names", "bucketId", emu.bucketId(), "maxFileCount", 1).json().get("files").get(0);
        assertThat(v1.get("size").asLong()).isEqualTo(2);
        assertThat(v1.has("accountId")).isFalse();
    }

    @Test
    void listingPagesThroughVersions() {
        for (int i = 0; i < 3; i++) {
            raw.upload("same", Raw.bytes("v" + i));
        }
        raw.upload("zz", Raw.bytes("z"));
        List<String> seen = new ArrayList<>();
        String name = null;
        String id = null;
        do {
            JsonNode page = raw.call("b2_list_file_versions", "bucketId", emu.bucketId(), "maxFileCount", 2,
                    "startFileName", name, "startFileId", id).json();
            page.get("files").forEach(f -> seen.add(f.get("fileName").asText() + "@" + f.get("fileId").asText()));
            name = page.get("nextFileName").isNull() ? null : page.get("nextFileName").asText();
            id = page.get("nextFileId").isNull() ? null : page.get("nextFileId").asText();
        } while (name != null);
        assertThat(seen).hasSize(4).doesNotHaveDuplicates();
        assertThat(seen.subList(0, 3)).allMatch(s -> s.startsWith("same@"));
        assertThat(seen.get(3)).startsWith("zz@");
    }

    @Test
    void serverSideEncryptionIsRecordedAndEchoed() {
        Reply up = raw.upload("secret.bin", Raw.bytes("s"), "X-Bz-Server-Side-Encryption", "AES256");
        assertThat(up.json().path("serverSideEncryption").get("mode").asText()).isEqualTo("SSE-B2");
        assertThat(up.json().path("serverSideEncryption").get("algorithm").asText()).isEqualTo("AES256");
        assertThat(raw.download("secret.bin").header("x-bz-server-side-encryption")).isEqualTo("AES256");
    }

    @Test
    void copiesAFile() {
        String id = raw.upload("orig.txt", Raw.bytes("0123456789")).json().get("fileId").asText();
        Reply copy = raw.call("b2_copy_file", "sourceFileId", id, "fileName", "copy.txt", "range", "bytes=2-4");
        assertThat(copy.status()).isEqualTo(200);
        assertThat(copy.json().get("action").asText()).isEqualTo("copy");
        assertThat(new String(raw.download("copy.txt").body())).isEqualTo("234");
    }

    @Test
    void testsCanDamageOrRemoveStoredContent() throws Exception {
        raw.upload("victim.bin", Raw.bytes("0123456789"));
        Path data = emu.dataOf("victim.bin");
        Files.write(data, Raw.bytes("01234X6789"));
        assertThat(new String(raw.download("victim.bin").body())).isEqualTo("01234X6789");
        Files.delete(data);
        assertThat(raw.download("victim.bin").status()).isEqualTo(404);
        assertThatThrownBy(() -> emu.dataOf("nothing")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUploadUrlServesOneUploadAtATime() throws Exception {
        String[] url = raw.uploadUrl();
        byte[] big = new byte[8 * 1024 * 1024];
        CountDownLatch started = new CountDownLatch(1);
        // a slow body holds the URL while a second upload tries it
        HttpRequest slow = HttpRequest.newBuilder(URI.create(url[0])).header("Authorization", url[1])
                .header("X-Bz-File-Name", "slow.bin").header("Content-Type", "application/octet-stream")
                .header("X-Bz-Content-Sha1", Raw.sha1(big))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.InputStream() {
                    int sent;

                    @Override
                    public int read() {
                        if (sent == 200_000) { // well into the body: the server is receiving it
                            started.countDown();
                            sleep(1000);
                        }
                        return sent < big.length ? big[sent++] & 0xff : -1;
                    }
                }), big.length)).build();
        CompletableFuture<Integer> first = raw.http.sendAsync(slow, java.net.http.HttpResponse.BodyHandlers.discarding())
                .thenApply(java.net.http.HttpResponse::statusCode);
        started.await();
        // the server counts a call when its handler starts, just before it takes the URL
        await().atMost(Duration.ofSeconds(10)).until(() -> emu.calls("b2_upload_file") >= 1);
        Reply second = raw.uploadTo(url, "other.txt", Raw.bytes("o"), Raw.sha1(Raw.bytes("o")));
        assertThat(second.status()).isEqualTo(503);
        assertThat(second.code()).isEqualTo("service_unavailable");
        assertThat(first.get()).isEqualTo(200);
    }

    /** A slow client's pause mid-body: the time it holds the URL is the point of the test. */
    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> ids(JsonNode files) {
        return StreamSupport.stream(files.spliterator(), false).map(f -> f.get("fileId").asText()).toList();
    }

    private static List<String> names(JsonNode files) {
        return StreamSupport.stream(files.spliterator(), false).map(f -> f.get("fileName").asText()).toList();
    }
}
