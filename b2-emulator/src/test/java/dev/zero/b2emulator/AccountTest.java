package dev.zero.b2emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zero.b2emulator.Raw.Reply;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountTest {

    @TempDir
    Path dir;
    B2Emulator emu;
    Raw raw;

    @BeforeEach
    void start() {
        emu = B2Emulator.builder(dir).accountId("acc1").applicationKey("key1").bucketName("test-bucket").start();
        raw = new Raw(emu);
    }

    @AfterEach
    void stop() {
        emu.close();
    }

    @Test
    void v1AndV2AuthorizeAnswerTheFlatShape() {
        Reply v1 = raw.authorize(1, "acc1", "key1");
        assertThat(v1.status()).isEqualTo(200);
        JsonNode j = v1.json();
        assertThat(j.get("accountId").asText()).isEqualTo("acc1");
        assertThat(j.get("apiUrl").asText()).isEqualTo(emu.url());
        assertThat(j.get("downloadUrl").asText()).isEqualTo(emu.url());
        assertThat(j.get("authorizationToken").asText()).isNotBlank();
        assertThat(j.get("recommendedPartSize").asLong()).isEqualTo(100_000_000);
        assertThat(j.get("absoluteMinimumPartSize").asLong()).isEqualTo(5_000_000);
        assertThat(j.get("minimumPartSize").asLong()).isEqualTo(100_000_000);
        assertThat(j.path("allowed").path("capabilities").toString()).contains("writeFiles", "listBuckets");
        assertThat(j.path("allowed").get("bucketId").isNull()).isTrue();

        JsonNode v2 = raw.authorize(2, "acc1", "key1").json();
        assertThat(v2.has("minimumPartSize")).isFalse();
        assertThat(v2.get("s3ApiUrl").asText()).isEqualTo(emu.url());
        assertThat(v2.get("apiUrl").asText()).isEqualTo(emu.url());
    }

    @Test
    void v3AuthorizeNestsTheStorageApi() {
        JsonNode j = raw.authorize(3, "acc1", "key1").json();
        assertThat(j.has("apiUrl")).isFalse();
        JsonNode storage = j.path("apiInfo").path("storageApi");
        assertThat(storage.get("apiUrl").asText()).isEqualTo(emu.url());
        assertThat(storage.get("downloadUrl").asText()).isEqualTo(emu.url());
        assertThat(storage.get("infoType").asText()).isEqualTo("storageApi");
        assertThat(storage.get("recommendedPartSize").asLong()).isEqualTo(100_000_000);
        assertThat(storage.get("capabilities").toString()).contains("readFiles");
        assertThat(j.get("authorizationToken").asText()).isNotBlank();

        JsonNode v4 = raw.authorize(4, "acc1", "key1").json().path("apiInfo").path("storageApi");
        assertThat(v4.path("allowed").path("capabilities").toString()).contains("readFiles");
    }

    @Test
    void wrongCredentialsAreRefused() {
        Reply wrongKey = raw.authorize(2, "acc1", "nope");
        assertThat(wrongKey.status()).isEqualTo(401);
        assertThat(wrongKey.code()).isEqualTo("unauthorized");
        assertThat(wrongKey.json().get("status").asInt()).isEqualTo(401);
        assertThat(wrongKey.json().has("message")).isTrue();

        Reply wrongId = raw.authorize(2, "someone-else", "key1");
        assertThat(wrongId.status()).isEqualTo(401);
        assertThat(wrongId.code()).isEqualTo("bad_auth_token");

        Reply none = raw.send(HttpRequest.newBuilder(raw.uri("/b2api/v2/b2_authorize_account")).GET());
        assertThat(none.status()).isEqualTo(401);
    }

    @Test
    void callsNeedAValidAccountToken() {
        assertThat(raw.callWith(2, "b2_list_buckets", null, Map.of(), "accountId", "acc1").code()).isEqualTo("missing_auth_token");
        assertThat(raw.callWith(2, "b2_list_buckets", "4_made_up", Map.of(), "accountId", "acc1").code()).isEqualTo("bad_auth_token");
        raw.authorized();
        String[] upload = raw.uploadUrl();
        // an upload token is not an account token
        assertThat(raw.callWith(2, "b2_list_buckets", upload[1], Map.of(), "accountId", "acc1").code()).isEqualTo("bad_auth_token");
        assertThat(raw.call("b2_list_buckets", "accountId", "acc1").status()).isEqualTo(200);
    }

    @Test
    void tokensExpireAfterTheirLifetime() throws Exception {
        emu.close();
        emu = B2Emulator.builder(dir).accountId("acc1").applicationKey("key1").bucketName("test-bucket")
                .tokenLifetime(Duration.ofSeconds(1)).uploadTokenLifetime(Duration.ofSeconds(1)).start();
        raw = new Raw(emu).authorized();
        String[] upload = raw.uploadUrl();
        assertThat(raw.call("b2_list_buckets", "accountId", "acc1").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> raw.call("b2_list_buckets", "accountId", "acc1").status() == 401);
        Reply expired = raw.call("b2_list_buckets", "accountId", "acc1");
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.code()).isEqualTo("expired_auth_token");
        Reply expiredUpload = raw.uploadTo(upload, "late.txt", Raw.bytes("x"), Raw.sha1(Raw.bytes("x")));
        assertThat(expiredUpload.code()).isEqualTo("expired_auth_token");
        raw.authorized();
        assertThat(raw.call("b2_list_buckets", "accountId", "acc1").status()).isEqualTo(200);
    }

    @Test
    void listsAndManagesBuckets() {
        raw.authorized();
        JsonNode buckets = raw.call("b2_list_buckets", "accountId", "acc1").json().get("buckets");
        assertThat(buckets).hasSize(1);
        JsonNode b = buckets.get(0);
        assertThat(b.get("bucketName").asText()).isEqualTo("test-bucket");
        assertThat(b.get("bucketId").asText()).isEqualTo(emu.bucketId());
        assertThat(b.get("bucketType").asText()).isEqualTo("allPrivate");
        assertThat(b.path("fileLockConfiguration").path("isClientAuthorizedToRead").asBoolean()).isTrue();
        assertThat(b.get("revision").asInt()).isEqualTo(1);
        assertThat(raw.callV(1, "b2_list_buckets", "accountId", "acc1").json().get("buckets").get(0)
                .has("fileLockConfiguration")).isFalse();

        assertThat(raw.call("b2_list_buckets", "accountId", "acc1", "bucketName", "other").json().get("buckets")).isEmpty();
        assertThat(raw.call("b2_list_buckets", "accountId", "wrong").status()).isEqualTo(401);

        Reply dup = raw.call("b2_create_bucket", "accountId", "acc1", "bucketName", "test-bucket", "bucketType", "allPrivate");
        assertThat(dup.status()).isEqualTo(400);
        assertThat(dup.code()).isEqualTo("duplicate_bucket_name");
        Reply made = raw.call("b2_create_bucket", "accountId", "acc1", "bucketName", "second-bucket", "bucketType", "allPublic");
        assertThat(made.status()).isEqualTo(200);
        String id = made.json().get("bucketId").asText();
        assertThat(raw.call("b2_list_buckets", "accountId", "acc1").json().get("buckets")).hasSize(2);
        assertThat(raw.call("b2_delete_bucket", "accountId", "acc1", "bucketId", id).status()).isEqualTo(200);
        assertThat(raw.call("b2_delete_bucket", "accountId", "acc1", "bucketId", id).code()).isEqualTo("bad_bucket_id");

        raw.upload("keep.txt", Raw.bytes("x"));
        assertThat(raw.call("b2_delete_bucket", "accountId", "acc1", "bucketId", emu.bucketId()).code())
                .isEqualTo("cannot_delete_non_empty_bucket");
    }

    @Test
    void unknownCallsAndMethods() {
        raw.authorized();
        Reply unknown = raw.call("b2_no_such_call");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.code()).isEqualTo("not_found");
        Reply put = raw.send(HttpRequest.newBuilder(raw.uri("/b2api/v2/b2_list_buckets")).header("Authorization", raw.token)
                .PUT(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.code()).isEqualTo("method_not_allowed");
        // B2 also takes the parameters of a call as a GET query
        Reply get = raw.send(HttpRequest.newBuilder(raw.uri("/b2api/v2/b2_list_buckets?accountId=acc1"))
                .header("Authorization", raw.token).GET());
        assertThat(get.status()).isEqualTo(200);
        assertThat(raw.send(HttpRequest.newBuilder(raw.uri("/nothing/here")).GET()).status()).isEqualTo(404);
    }

    @Test
    void countsCallsByNameAndClass() {
        raw.authorized();
        raw.upload("a.txt", Raw.bytes("a"));
        raw.download("a.txt");
        raw.call("b2_list_file_names", "bucketId", emu.bucketId());
        assertThat(emu.calls("b2_authorize_account")).isEqualTo(1);
        assertThat(emu.calls("b2_get_upload_url")).isEqualTo(1);
        assertThat(emu.calls("b2_upload_file")).isEqualTo(1);
        assertThat(emu.calls(TransactionClass.A)).isEqualTo(2);
        assertThat(emu.calls(TransactionClass.B)).isEqualTo(1);
        assertThat(emu.calls(TransactionClass.C)).isEqualTo(2);
        assertThat(emu.callCounts()).containsEntry("b2_download_file_by_name", 1L);
        emu.resetCalls();
        assertThat(emu.calls("b2_upload_file")).isZero();
        assertThat(TransactionClass.of("b2_get_file_info")).isEqualTo(TransactionClass.B);
        assertThat(TransactionClass.of("b2_list_parts")).isEqualTo(TransactionClass.C);
        assertThat(TransactionClass.of("b2_hide_file")).isEqualTo(TransactionClass.A);
    }

    @Test
    void credentialsAndFilesSurviveARestart() {
        emu.close();
        emu = B2Emulator.start(dir.resolve("generated"));
        String account = emu.accountId();
        String key = emu.applicationKey();
        String bucket = emu.bucketId();
        raw = new Raw(emu).authorized();
        raw.upload("kept.txt", Raw.bytes("still here"));
        emu.close();

        emu = B2Emulator.start(dir.resolve("generated"));
        assertThat(emu.accountId()).isEqualTo(account);
        assertThat(emu.applicationKey()).isEqualTo(key);
        assertThat(emu.bucketId()).isEqualTo(bucket);
        raw = new Raw(emu).authorized();
        assertThat(new String(raw.download("kept.txt").body())).isEqualTo("still here");
    }
}
