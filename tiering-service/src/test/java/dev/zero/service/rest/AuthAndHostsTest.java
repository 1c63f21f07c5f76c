package dev.zero.service.rest;

import static dev.zero.service.Api.admin;
import static dev.zero.service.Api.as;
import static dev.zero.service.Api.bearer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class AuthAndHostsTest {
    @jakarta.inject.Inject
    io.agroal.api.AgroalDataSource dataSource;
    @jakarta.inject.Inject
    com.fasterxml.jackson.databind.ObjectMapper json;

    @Nested
    @DisplayName("authentication")
    class Authentication {
        @Test
        void noToken_401AndNothingRegistered() {
            String host = Api.unique("sneaky");
            given().contentType(ContentType.JSON).body("{\"capacityBytes\": 1, \"usedBytes\": 0}")
                    .put("/api/v1/hosts/" + host)
                    .then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                    .body("error", containsString("bearer token"));
            admin().get("/api/v1/admin/hosts").then().statusCode(200).body("name", org.hamcrest.Matchers.not(hasItem(host)));
        }

        @Test
        void wrongToken_401() {
            given().header("Authorization", "Bearer zh_not-a-token-anyone-was-given").get("/api/v1/hosts/h/tasks")
                    .then().statusCode(401);
        }

        @Test
        void basicScheme_401() {
            given().header("Authorization", "Basic dGVzdDp0ZXN0").get("/api/v1/hosts/h/tasks").then().statusCode(401);
        }

        @Test
        void hostTokenOnAdminCall_403() {
            as(Api.unique("h")).get("/api/v1/admin/volumes").then().statusCode(403).body("error", containsString("admin token"));
        }

        @Test
        void adminTokenOnAgentCall_allowed() {
            admin().body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + Api.unique("h")).then().statusCode(200);
        }

        @Test
        void healthNeedsNoToken() {
            given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                    .body("checks.name", hasItem("catalogue-database")).body("checks.name", hasItem("object-store"));
            given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        }
    }

    @Nested
    @DisplayName("hosts")
    class HostsCalls {
        @Test
        void heartbeat_registersThenUpdates() {
            String host = Api.unique("node");
            as(host).body("{\"capacityBytes\": 1000, \"usedBytes\": 10}").put("/api/v1/hosts/" + host)
                    .then().statusCode(200).body("name", equalTo(host)).body("usedBytes", equalTo(10))
                    .body("registeredAt", notNullValue());
            as(host).body("{\"capacityBytes\": 1000, \"usedBytes\": 600}").put("/api/v1/hosts/" + host)
                    .then().statusCode(200).body("usedBytes", equalTo(600));
            admin().get("/api/v1/admin/hosts").then().statusCode(200)
                    .body("find { it.name == '" + host + "' }.usedBytes", equalTo(600));
        }

        @Test
        void negativeUsage_400NamesField() {
            String host = Api.unique("h");
            as(host).body("{\"capacityBytes\": 1000, \"usedBytes\": -1}").put("/api/v1/hosts/" + host)
                    .then().statusCode(400).body("error", containsString("usedBytes"));
        }

        @Test
        void badHostName_400() {
            admin().body("{\"capacityBytes\": 1000, \"usedBytes\": 1}").put("/api/v1/hosts/-bad%20name")
                    .then().statusCode(400).body("error", containsString("host"));
        }

        @Test
        void missingBody_400() {
            String host = Api.unique("h");
            as(host).put("/api/v1/hosts/" + host).then().statusCode(400).body("error", containsString("request body"));
        }

        @Test
        void wrongTypes_400() {
            String host = Api.unique("h");
            as(host).body("{\"capacityBytes\": \"lots\", \"usedBytes\": 1}").put("/api/v1/hosts/" + host)
                    .then().statusCode(400).body("error", containsString("capacityBytes"));
        }
    }

    @Nested
    @DisplayName("volumes")
    class VolumeCalls {
        @Test
        void unknownHost_404() {
            admin().body("{\"host\": \"nobody-registered-this\"}").put("/api/v1/volumes/" + Api.unique("v"))
                    .then().statusCode(404).body("error", containsString("not registered"));
        }

        @Test
        void volumeOfAnotherHost_409() {
            String volume = Api.newVolume(Api.unique("first"));
            String other = Api.unique("second");
            admin().body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + other).then().statusCode(200);
            admin().body("{\"host\": \"" + other + "\"}").put("/api/v1/volumes/" + volume)
                    .then().statusCode(409).body("error", containsString("served by host"));
        }

        @Test
        void registerTwice_sameVolumeAndSequence() {
            String host = Api.unique("h");
            String volume = Api.newVolume(host);
            as(host).body("{\"host\": \"" + host + "\"}").put("/api/v1/volumes/" + volume)
                    .then().statusCode(200).body("appliedSeq", equalTo(0)).body("files", equalTo(1));
        }
    }

    @Nested
    @DisplayName("an agent acts only for its own host")
    class PerHostCredentials {
        private final String host = Api.unique("mine");
        private final String other = Api.unique("theirs");
        private String volume;
        private String otherVolume;

        @org.junit.jupiter.api.BeforeEach
        void twoHostsWithAVolumeEach() {
            volume = Api.newVolume(host);
            otherVolume = Api.newVolume(other);
        }

        @Test
        @DisplayName("the enrolment token is exchanged once for a host credential, and is good for nothing else")
        void enrolment() {
            String fresh = Api.unique("new");
            String token = bearer(Api.ENROLMENT_TOKEN).post("/api/v1/hosts/" + fresh + "/enrolment").then().statusCode(200)
                    .body("host", equalTo(fresh)).extract().path("token");
            org.assertj.core.api.Assertions.assertThat(token).startsWith("zh_").hasSizeGreaterThan(40);
            bearer(Api.ENROLMENT_TOKEN).post("/api/v1/hosts/" + fresh + "/enrolment").then().statusCode(409)
                    .body("error", containsString("already enrolled"));
            bearer(Api.ENROLMENT_TOKEN).body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + fresh)
                    .then().statusCode(403).body("error", containsString("enrolment"));
            bearer(Api.ENROLMENT_TOKEN).get("/api/v1/hosts/" + fresh + "/tasks").then().statusCode(403);
            bearer(Api.ENROLMENT_TOKEN).body("{\"host\": \"" + fresh + "\"}").put("/api/v1/volumes/" + otherVolume).then().statusCode(403);
            bearer(Api.ENROLMENT_TOKEN).get("/api/v1/admin/hosts").then().statusCode(403);
            bearer(token).body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + fresh).then().statusCode(200);
            bearer(token).post("/api/v1/hosts/" + fresh + "/enrolment").then().statusCode(409);
        }

        @Test
        @DisplayName("a host may not register, poll or report for another host, and registers nothing by trying")
        void otherHosts_403() {
            String nonexistent = Api.unique("nonexistent");
            as(host).body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + nonexistent)
                    .then().statusCode(403).body("error", containsString("belongs to host " + host));
            admin().get("/api/v1/admin/hosts").then().body("name", org.hamcrest.Matchers.not(hasItem(nonexistent)));
            as(host).body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + other).then().statusCode(403);
            as(host).get("/api/v1/hosts/" + other + "/tasks").then().statusCode(403);
            as(host).body("{\"bytes\": 1}").post("/api/v1/hosts/" + other + "/tasks/1/progress").then().statusCode(403);
            as(host).body("{\"outcome\": \"DONE\"}").post("/api/v1/hosts/" + other + "/tasks/1/result").then().statusCode(403);
            as(host).post("/api/v1/hosts/" + other + "/enrolment").then().statusCode(409);
        }

        @Test
        @DisplayName("a host may not touch another host's volume: register, journal, upload, confirm, download, manifest")
        void otherVolumes_403() throws Exception {
            java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
            String batch = json.writeValueAsString(new dev.zero.api.JournalBatch(java.util.List.of(dev.zero.api.JournalRecord.create(1, 100,
                    dev.zero.api.VolumeView.ROOT_FILE_ID, "planted", new dev.zero.api.FileMeta(dev.zero.api.FileType.FILE, 0, 0644, 0, 0, 1,
                            t, t, t, 1), null))));
            as(host).body("{\"host\": \"" + host + "\"}").put("/api/v1/volumes/" + otherVolume)
                    .then().statusCode(403).body("error", containsString("served by another host"));
            as(host).body("{\"host\": \"" + other + "\"}").put("/api/v1/volumes/" + Api.unique("v"))
                    .then().statusCode(403).body("error", containsString("may not act for host " + other));
            as(host).body(batch).post("/api/v1/volumes/" + otherVolume + "/journal").then().statusCode(403);
            as(host).contentType("application/octet-stream").body(new byte[] {1, 2, 3}).queryParam("version", 1)
                    .put("/api/v1/volumes/" + otherVolume + "/files/1/content").then().statusCode(403);
            as(host).body("{\"contentVersion\": 1, \"sha256\": \"00\"}")
                    .post("/api/v1/volumes/" + otherVolume + "/files/1/content/n/confirm").then().statusCode(403);
            as(host).get("/api/v1/volumes/" + otherVolume + "/files/1/content").then().statusCode(403);
            as(host).get("/api/v1/volumes/" + otherVolume + "/files/1/manifest").then().statusCode(403);
            admin().get("/api/v1/admin/volumes/" + otherVolume + "/tree").then().statusCode(200).body("$", org.hamcrest.Matchers.hasSize(0));
            // the same calls on its own volume are served
            as(host).body(batch).post("/api/v1/volumes/" + volume + "/journal").then().statusCode(200);
            admin().get("/api/v1/admin/volumes/" + volume + "/tree").then().statusCode(200).body("path", hasItem("planted"));
            as(host).get("/api/v1/volumes/" + volume + "/files/100/manifest").then().statusCode(404);
        }

        @Test
        @DisplayName("an admin re-issues a credential (the old one stops at once) or revokes it (the host cannot enrol again)")
        void issueAndRevoke() {
            String node = Api.unique("node");
            String first = Api.tokenOf(node);
            String second = admin().post("/api/v1/admin/hosts/" + node + "/credential").then().statusCode(200).extract().path("token");
            bearer(first).get("/api/v1/hosts/" + node + "/tasks").then().statusCode(401);
            bearer(second).get("/api/v1/hosts/" + node + "/tasks").then().statusCode(200);
            admin().delete("/api/v1/admin/hosts/" + node + "/credential").then().statusCode(204);
            bearer(second).get("/api/v1/hosts/" + node + "/tasks").then().statusCode(401);
            bearer(Api.ENROLMENT_TOKEN).post("/api/v1/hosts/" + node + "/enrolment").then().statusCode(409)
                    .body("error", containsString("revoked"));
            admin().delete("/api/v1/admin/hosts/" + node + "/credential").then().statusCode(404);
            as(node).get("/api/v1/admin/hosts").then().statusCode(401);
        }

        @Test
        @DisplayName("the catalogue keeps only a digest of each credential")
        void onlyDigestsStored() throws Exception {
            String token = Api.tokenOf(host);
            try (var c = dataSource.getConnection(); var s = c.prepareStatement("select row_to_json(k)::text, k.token_sha256"
                    + " from host_credential k join host h on h.id = k.host_id where h.name = ?")) {
                s.setString(1, host);
                try (var rs = s.executeQuery()) {
                    org.assertj.core.api.Assertions.assertThat(rs.next()).isTrue();
                    org.assertj.core.api.Assertions.assertThat(rs.getString(1)).doesNotContain(token.substring(3));
                    org.assertj.core.api.Assertions.assertThat(rs.getBytes(2)).isEqualTo(java.security.MessageDigest.getInstance("SHA-256")
                            .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
            }
        }
    }

    @Test
    void metricsAreExposedForPrometheus() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_"));
    }

    @Test
    void openApiDescribesTheContract() {
        given().get("/q/openapi?format=json").then().statusCode(200).body(containsString("/api/v1/volumes/{volume}/journal"));
    }
}
