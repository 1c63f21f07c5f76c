package dev.zero.service.rest;

import static dev.zero.service.Api.admin;
import static dev.zero.service.Api.as;
import static dev.zero.service.Api.onVolume;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.JournalBatch;
import dev.zero.api.JournalRecord;
import dev.zero.api.VolumeView;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy as operators change it: human units, validation naming the field, rules, pins, and the status it shows in. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class PolicyApiTest {
    private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");

    @Inject
    ObjectMapper json;

    String volume;

    @BeforeEach
    void volume() {
        volume = Api.newVolume(Api.unique("host"));
    }

    String policy() {
        return "/api/v1/admin/volumes/" + volume + "/policy";
    }

    @Test
    @DisplayName("settings change in human units; a dry run answers the same and saves nothing")
    void changeInHumanUnits() {
        admin().body("{\"settings\": {\"targetDiskUsage\": \"64MiB\", \"uploadDelay\": \"10s\", \"highWatermark\": \"95%\","
                + " \"maxDiskUsage\": \"1GB\", \"minResidency\": \"2h\"}}").patch(policy() + "?dryRun=true").then().statusCode(200)
                .body("saved", equalTo(false)).body("policy.targetBytes", equalTo(64 << 20)).body("policy.uploadDelaySeconds", equalTo(10))
                .body("policy.highWatermark", equalTo(0.95f)).body("policy.maxBytes", equalTo(1_000_000_000))
                .body("policy.minResidencySeconds", equalTo(7200)).body("preview.round.evictions", equalTo(0));
        admin().get(policy()).then().statusCode(200).body("targetBytes", equalTo(null));
        admin().body("{\"settings\": {\"targetDiskUsage\": \"64MiB\"}}").patch(policy()).then().statusCode(200).body("saved", equalTo(true));
        admin().accept("text/plain").get(policy()).then().statusCode(200).body(containsString("targetDiskUsage  64MiB"));
        admin().body("{\"settings\": {\"targetDiskUsage\": \"none\"}}").patch(policy()).then().statusCode(200)
                .body("policy.targetBytes", equalTo(null));
    }

    @ParameterizedTest(name = "{0}={1} -> 400 naming {2}")
    @CsvSource({
        "targetDiskUsage, lots, targetDiskUsage",
        "targetDiskUsage, -5MB, targetDiskUsage",
        "targetDiskUsage, 0, targetDiskUsage",
        "maxDiskUsage, 1kB, maxBytes",
        "uploadDelay, soon, uploadDelay",
        "lowWatermark, 0.95, lowWatermark",
        "highWatermark, 120%, highWatermark",
        "colour, blue, colour",
    })
    @DisplayName("a setting that does not parse or fit is a 400 naming it, and changes nothing")
    void badSetting(String key, String value, String named) {
        admin().body("{\"settings\": {\"targetDiskUsage\": \"100MB\"}}").patch(policy()).then().statusCode(200);
        admin().body("{\"settings\": {\"" + key + "\": \"" + value + "\"}}").patch(policy()).then().statusCode(400)
                .body("error", containsString(named));
        admin().get(policy()).then().statusCode(200).body("targetBytes", equalTo(100_000_000));
    }

    @Test
    @DisplayName("inputs PostgreSQL cannot hold (a NUL character) are 400s naming the field, in every policy call")
    void nulCharacters() {
        admin().body("{\"settings\": {\"targetDiskUsage\": \"64MiB\\u0000\"}}").patch(policy()).then().statusCode(400)
                .body("error", containsString("targetDiskUsage"));
        admin().body("{\"glob\": \"a\\u0000b/**\", \"action\": \"PIN\"}").post(policy() + "/rules").then().statusCode(400)
                .body("error", containsString("glob"));
        admin().body("{\"targetBytes\": null, \"highWatermark\": 0.9, \"lowWatermark\": 0.8, \"uploadDelaySeconds\": 1,"
                + " \"minResidencySeconds\": 1, \"rules\": [{\"glob\": \"x\\u0000\", \"action\": \"PIN\"}]}").put(policy()).then().statusCode(400)
                .body("error", containsString("glob"));
        admin().queryParam("glob", "a\u0000b").delete(policy() + "/rules").then().statusCode(400).body("error", containsString("glob"));
        admin().queryParam("path", "a\u0000b").post("/api/v1/admin/volumes/" + volume + "/pins").then().statusCode(400).body("error", containsString("path"));
        admin().body("{\"path\": \"a\\u0000b\"}").post("/api/v1/admin/volumes/" + volume + "/undelete").then().statusCode(400)
                .body("error", containsString("path"));
        admin().queryParam("path", "a\u0000b").get("/api/v1/admin/volumes/" + volume + "/versions").then().statusCode(400).body("error", containsString("path"));
    }

    @Test
    @DisplayName("rules: a bad glob and a missing idle time are 400s; rules are added in order, replaced by glob and removed")
    void rules() {
        admin().body("{\"glob\": \"photos/[\", \"action\": \"PIN\"}").post(policy() + "/rules").then().statusCode(400)
                .body("error", containsString("glob"));
        admin().body("{\"glob\": \"/abs\", \"action\": \"PIN\"}").post(policy() + "/rules").then().statusCode(400)
                .body("error", containsString("relative"));
        admin().body("{\"glob\": \"old/**\", \"action\": \"EVICT_AFTER_IDLE\"}").post(policy() + "/rules").then().statusCode(400)
                .body("error", containsString("idleSeconds"));
        admin().body("{\"glob\": \"old/**\", \"action\": \"EVICT_AFTER_IDLE\", \"idleSeconds\": 86400}").post(policy() + "/rules")
                .then().statusCode(200).body("rules", hasSize(1));
        admin().body("{\"glob\": \"**.tmp\", \"action\": \"NEVER_UPLOAD\"}").post(policy() + "/rules?position=0").then().statusCode(200)
                .body("rules.glob", equalTo(List.of("**.tmp", "old/**")));
        admin().body("{\"glob\": \"old/**\", \"action\": \"PIN\"}").post(policy() + "/rules").then().statusCode(200)
                .body("rules", hasSize(2)).body("rules[1].action", equalTo("PIN"));
        admin().accept("text/plain").get(policy()).then().body(containsString("**.tmp never-upload")).body(containsString("old/** pin"));
        admin().delete(policy() + "/rules?glob=old/**").then().statusCode(200).body("rules", hasSize(1));
        admin().delete(policy() + "/rules?glob=old/**").then().statusCode(404).body("error", containsString("no rule"));
    }

    @Test
    @DisplayName("the admin token is required to read or change a policy")
    void adminOnly() {
        onVolume(volume).get(policy()).then().statusCode(403);
        onVolume(volume).body("{\"settings\": {\"targetDiskUsage\": \"1GB\"}}").patch(policy()).then().statusCode(403);
        io.restassured.RestAssured.given().get(policy()).then().statusCode(401);
    }

    @Test
    @DisplayName("a pin is a first rule matching exactly the path (a directory with all below it) plus a restore; unpin removes it")
    void pins() throws Exception {
        FileMeta dir = new FileMeta(FileType.DIRECTORY, 0, 0755, 0, 0, 2, T, T, T, 0);
        FileMeta file = new FileMeta(FileType.FILE, 5, 0644, 0, 0, 1, T, T, T, 1);
        onVolume(volume).body(json.writeValueAsString(new JournalBatch(List.of(
                JournalRecord.create(1, 100, VolumeView.ROOT_FILE_ID, "photos [2024]", dir, null),
                JournalRecord.create(2, 101, 100, "a*.jpg", file, null)))))
                .post("/api/v1/volumes/" + volume + "/journal").then().statusCode(200);
        admin().body("{\"glob\": \"**\", \"action\": \"EVICT_AFTER_IDLE\", \"idleSeconds\": 60}").post(policy() + "/rules").then().statusCode(200);
        admin().post("/api/v1/admin/volumes/" + volume + "/pins?path=photos [2024]").then().statusCode(200)
                .body("action", equalTo("RESTORE")).body("files", equalTo(1));
        admin().get(policy()).then().body("rules[0].glob", equalTo("photos \\[2024\\]/**")).body("rules[0].action", equalTo("PIN"));
        admin().post("/api/v1/admin/volumes/" + volume + "/pins?path=photos [2024]/a*.jpg").then().statusCode(200);
        admin().get(policy()).then().body("rules[0].glob", equalTo("photos \\[2024\\]/a\\*.jpg")).body("rules", hasSize(3));
        admin().delete("/api/v1/admin/volumes/" + volume + "/pins?path=photos [2024]").then().statusCode(200).body("rules", hasSize(2));
        admin().delete("/api/v1/admin/volumes/" + volume + "/pins?path=photos [2024]").then().statusCode(404)
                .body("error", containsString("not pinned"));
        admin().post("/api/v1/admin/volumes/" + volume + "/pins?path=nothing-here").then().statusCode(404);
    }

    @Test
    @DisplayName("the status shows the disk against the target, files per state and the last round, as JSON and as text")
    void status() {
        admin().body("{\"settings\": {\"targetDiskUsage\": \"1GB\"}}").patch(policy()).then().statusCode(200);
        admin().get("/api/v1/admin/volumes/" + volume + "/status").then().statusCode(200).body("targetBytes", equalTo(1_000_000_000))
                .body("highBytes", equalTo(900_000_000)).body("lowBytes", equalTo(800_000_000)).body("volume", equalTo(volume));
        admin().accept("text/plain").get("/api/v1/admin/volumes/" + volume + "/status").then().statusCode(200)
                .body(containsString("of a 954 MiB target")).body(containsString("planner:"));
        admin().get("/api/v1/admin/volumes/no-such-volume/status").then().statusCode(404);
    }
}
