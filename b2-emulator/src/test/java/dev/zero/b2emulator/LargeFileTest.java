package dev.zero.b2emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zero.b2emulator.Raw.Reply;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LargeFileTest {

    static final int MIN_PART = 1000;

    @TempDir
    Path dir;
    B2Emulator emu;
    Raw raw;

    @BeforeEach
    void start() {
        emu = B2Emulator.builder(dir).bucketName("large-bucket").absoluteMinimumPartSize(MIN_PART)
                .recommendedPartSize(2000).start();
        raw = new Raw(emu).authorized();
    }

    @AfterEach
    void stop() {
        emu.close();
    }

    @Test
    void authorizeAdvertisesTheConfiguredPartSizes() {
        JsonNode j = raw.authorize(2, emu.accountId(), emu.applicationKey()).json();
        assertThat(j.get("absoluteMinimumPartSize").asLong()).isEqualTo(MIN_PART);
        assertThat(j.get("recommendedPartSize").asLong()).isEqualTo(2000);
    }

    @Test
    void startUploadPartsAndFinish() {
        byte[] content = random(2500);
        String wholeSha1 = Raw.sha1(content);
        JsonNode start = raw.call("b2_start_large_file", "bucketId", emu.bucketId(), "fileName", "large/file.bin",
                "contentType", "b2/x-auto", "fileInfo", Map.of("large_file_sha1", wholeSha1, "src_last_modified_millis", "5")).json();
        assertThat(start.get("action").asText()).isEqualTo("start");
        assertThat(start.get("contentSha1").asText()).isEqualTo("none");
        assertThat(start.get("contentType").asText()).isEqualTo("application/octet-stream");
        String fileId = start.get("fileId").asText();
        assertThat(emu.unfinishedLargeFiles()).isEqualTo(1);

        // an unfinished large file is a "start" version, and not a file yet
        JsonNode versions = raw.call("b2_list_file_versions", "bucketId", emu.bucketId()).json().get("files");
        assertThat(versions).hasSize(1);
        assertThat(versions.get(0).get("action").asText()).isEqualTo("start");
        assertThat(raw.call("b2_list_file_names", "bucketId", emu.bucketId()).json().get("files")).isEmpty();
        assertThat(raw.download("large/file.bin").status()).isEqualTo(404);

        String[] url = partUrl(fileId);
        byte[] p1 = slice(content, 0, 1000);
        byte[] p2 = slice(content, 1000, 2000);
        byte[] p3 = slice(content, 2000, 2500);
        Reply r1 = uploadPart(url, 1, p1, Raw.sha1(p1));
        assertThat(r1.status()).isEqualTo(200);
        assertThat(r1.json().get("partNumber").asInt()).isEqualTo(1);
        assertThat(r1.json().get("contentLength").asLong()).isEqualTo(1000);
        assertThat(r1.json().get("contentSha1").asText()).isEqualTo(Raw.sha1(p1));
        assertThat(r1.json().get("fileId").asText()).isEqualTo(fileId);
        assertThat(uploadPart(url, 3, p3, Raw.sha1(p3)).status()).isEqualTo(200);
        // the SHA-1 may come after the data here too
        byte[] p2WithSha = concat(p2, Raw.sha1(p2).getBytes(StandardCharsets.US_ASCII));
        assertThat(uploadPart(url, 2, p2WithSha, "hex_digits_at_end").json().get("contentLength").asLong()).isEqualTo(1000);

        JsonNode parts = raw.call("b2_list_parts", "fileId", fileId, "maxPartCount", 2).json();
        assertThat(parts.get("parts")).hasSize(2);
        assertThat(parts.get("nextPartNumber").asInt()).isEqualTo(3);
        JsonNode rest = raw.call("b2_list_parts", "fileId", fileId, "startPartNumber", 3).json();
        assertThat(rest.get("parts")).hasSize(1);
        assertThat(rest.get("nextPartNumber").isNull()).isTrue();

        JsonNode done = raw.call("b2_finish_large_file", "fileId", fileId,
                "partSha1Array", List.of(Raw.sha1(p1), Raw.sha1(p2), Raw.sha1(p3))).json();
        assertThat(done.get("action").asText()).isEqualTo("upload");
        assertThat(done.get("contentLength").asLong()).isEqualTo(2500);
        assertThat(done.get("contentSha1").asText()).isEqualTo("none");
        assertThat(done.get("fileId").asText()).isEqualTo(fileId);
        assertThat(emu.unfinishedLargeFiles()).isZero();
        assertThat(emu.calls("b2_start_large_file")).isEqualTo(1);

        Reply down = raw.download("large/file.bin");
        assertThat(down.body()).isEqualTo(content);
        assertThat(down.header("x-bz-content-sha1")).isEqualTo("none");
        assertThat(down.header("x-bz-info-large_file_sha1")).isEqualTo(wholeSha1);
        assertThat(new String(raw.download("large/file.bin", "Range", "bytes=999-1000").body(), StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(slice(content, 999, 1001), StandardCharsets.ISO_8859_1));

        // finishing twice: the file is done, there is no active upload any more
        assertThat(raw.call("b2_finish_large_file", "fileId", fileId, "partSha1Array", List.of()).status()).isEqualTo(400);
    }

    @Test
    void finishChecksTheParts() {
        String fileId = start("checked.bin");
        String[] url = partUrl(fileId);
        byte[] small = random(MIN_PART - 1);
        byte[] big = random(MIN_PART);
        uploadPart(url, 1, small, Raw.sha1(small));
        uploadPart(url, 2, big, Raw.sha1(big));

        Reply tooSmall = raw.call("b2_finish_large_file", "fileId", fileId, "partSha1Array", List.of(Raw.sha1(small), Raw.sha1(big)));
        assertThat(tooSmall.status()).isEqualTo(400);
        assertThat(tooSmall.json().get("message").asText()).contains("minimum part size");

        Reply onePart = raw.call("b2_finish_large_file", "fileId", fileId, "partSha1Array", List.of(Raw.sha1(small)));
        assertThat(onePart.status()).isEqualTo(400);

        Reply wrongSha = raw.call("b2_finish_large_file", "fileId", fileId, "partSha1Array", List.of(Raw.sha1(big), Raw.sha1(big)));
        assertThat(wrongSha.status()).isEqualTo(400);

        Reply gap = raw.call("b2_finish_large_file", "fileId", fileId,
                "partSha1Array", List.of(Raw.sha1(small), Raw.sha1(big), Raw.sha1(big)));
        assertThat(gap.status()).isEqualTo(400);
        assertThat(gap.json().get("message").asText()).contains("Part number 3");

        // replacing part 1 with a big enough one makes it finishable; the last part may be small
        uploadPart(url, 1, big, Raw.sha1(big));
        uploadPart(url, 2, small, Raw.sha1(small));
        assertThat(raw.call("b2_finish_large_file", "fileId", fileId, "partSha1Array", List.of(Raw.sha1(big), Raw.sha1(small)))
                .status()).isEqualTo(200);
    }

    @Test
    void partUploadsCheckTheirHeaders() {
        String fileId = start("headers.bin");
        String[] url = partUrl(fileId);
        byte[] data = random(10);
        assertThat(uploadPart(url, 0, data, Raw.sha1(data)).status()).isEqualTo(400);
        assertThat(uploadPart(url, 10001, data, Raw.sha1(data)).status()).isEqualTo(400);
        assertThat(uploadPart(url, 1, data, Raw.sha1(random(10))).json().get("message").asText())
                .isEqualTo("Sha1 did not match data received");
        String[] otherFile = partUrl(start("other.bin"));
        assertThat(uploadPart(new String[] {url[0], otherFile[1]}, 1, data, Raw.sha1(data)).code()).isEqualTo("bad_auth_token");
        assertThat(raw.call("b2_get_upload_part_url", "fileId", "bad-id").json().get("message").asText()).isEqualTo("Invalid fileId: bad-id");
    }

    @Test
    void cancelAndListUnfinished() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(start("pending/" + i));
        }
        start("elsewhere/x");
        JsonNode page = raw.call("b2_list_unfinished_large_files", "bucketId", emu.bucketId(), "namePrefix", "pending/",
                "maxFileCount", 2).json();
        assertThat(page.get("files")).hasSize(2);
        assertThat(page.get("files").get(0).get("action").asText()).isEqualTo("start");
        String next = page.get("nextFileId").asText();
        assertThat(next).isEqualTo(ids.get(2));
        JsonNode second = raw.call("b2_list_unfinished_large_files", "bucketId", emu.bucketId(), "namePrefix", "pending/",
                "startFileId", next).json();
        assertThat(second.get("files")).hasSize(1);
        assertThat(second.get("nextFileId").isNull()).isTrue();
        assertThat(emu.unfinishedLargeFiles()).isEqualTo(4);

        JsonNode cancelled = raw.call("b2_cancel_large_file", "fileId", ids.get(0)).json();
        assertThat(cancelled.get("fileId").asText()).isEqualTo(ids.get(0));
        assertThat(cancelled.get("fileName").asText()).isEqualTo("pending/0");
        assertThat(cancelled.get("bucketId").asText()).isEqualTo(emu.bucketId());
        assertThat(cancelled.get("accountId").asText()).isEqualTo(emu.accountId());
        assertThat(raw.call("b2_cancel_large_file", "fileId", ids.get(0)).status()).isEqualTo(400);
        // deleting the "start" version cancels too (rclone purge does this)
        assertThat(raw.call("b2_delete_file_version", "fileName", "pending/1", "fileId", ids.get(1)).status()).isEqualTo(200);
        assertThat(emu.unfinishedLargeFiles()).isEqualTo(2);
    }

    @Test
    void unfinishedUploadsSurviveARestart() {
        String fileId = start("resume.bin");
        byte[] p1 = random(MIN_PART);
        uploadPart(partUrl(fileId), 1, p1, Raw.sha1(p1));
        emu.close();
        emu = B2Emulator.builder(dir).absoluteMinimumPartSize(MIN_PART).start();
        raw = new Raw(emu).authorized();
        assertThat(emu.unfinishedLargeFiles()).isEqualTo(1);
        assertThat(raw.call("b2_list_parts", "fileId", fileId).json().get("parts")).hasSize(1);
        byte[] p2 = random(5);
        uploadPart(partUrl(fileId), 2, p2, Raw.sha1(p2));
        assertThat(raw.call("b2_finish_large_file", "fileId", fileId, "partSha1Array", List.of(Raw.sha1(p1), Raw.sha1(p2)))
                .status()).isEqualTo(200);
        assertThat(raw.download("resume.bin").body()).isEqualTo(concat(p1, p2));
    }

    private String start(String name) {
        return raw.call("b2_start_large_file", "bucketId", emu.bucketId(), "fileName", name,
                "contentType", "application/octet-stream").json().get("fileId").asText();
    }

    private String[] partUrl(String fileId) {
        JsonNode r = raw.call("b2_get_upload_part_url", "fileId", fileId).json();
        return new String[] {r.get("uploadUrl").asText(), r.get("authorizationToken").asText()};
    }

    private Reply uploadPart(String[] url, int number, byte[] body, String sha1) {
        return raw.send(HttpRequest.newBuilder(URI.create(url[0])).header("Authorization", url[1])
                .header("X-Bz-Part-Number", Integer.toString(number)).header("X-Bz-Content-Sha1", sha1)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static final Random RANDOM = new Random(42);

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
