package dev.zero.service.rest;

import static dev.zero.service.Api.admin;
import static dev.zero.service.Api.agent;
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
            given().header("Authorization", "Bearer test-agent-token-012345678X").get("/api/v1/hosts/h/tasks")
                    .then().statusCode(401);
        }

        @Test
        void basicScheme_401() {
            given().header("Authorization", "Basic dGVzdDp0ZXN0").get("/api/v1/hosts/h/tasks").then().statusCode(401);
        }

        @Test
        void agentTokenOnAdminCall_403() {
            agent().get("/api/v1/admin/volumes").then().statusCode(403).body("error", containsString("admin token"));
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
            agent().body("{\"capacityBytes\": 1000, \"usedBytes\": 10}").put("/api/v1/hosts/" + host)
                    .then().statusCode(200).body("name", equalTo(host)).body("usedBytes", equalTo(10))
                    .body("registeredAt", notNullValue());
            agent().body("{\"capacityBytes\": 1000, \"usedBytes\": 600}").put("/api/v1/hosts/" + host)
                    .then().statusCode(200).body("usedBytes", equalTo(600));
            admin().get("/api/v1/admin/hosts").then().statusCode(200)
                    .body("find { it.name == '" + host + "' }.usedBytes", equalTo(600));
        }

        @Test
        void negativeUsage_400NamesField() {
            agent().body("{\"capacityBytes\": 1000, \"usedBytes\": -1}").put("/api/v1/hosts/" + Api.unique("h"))
                    .then().statusCode(400).body("error", containsString("usedBytes"));
        }

        @Test
        void badHostName_400() {
            agent().body("{\"capacityBytes\": 1000, \"usedBytes\": 1}").put("/api/v1/hosts/-bad%20name")
                    .then().statusCode(400).body("error", containsString("host"));
        }

        @Test
        void missingBody_400() {
            agent().put("/api/v1/hosts/" + Api.unique("h")).then().statusCode(400).body("error", containsString("request body"));
        }

        @Test
        void wrongTypes_400() {
            agent().body("{\"capacityBytes\": \"lots\", \"usedBytes\": 1}").put("/api/v1/hosts/" + Api.unique("h"))
                    .then().statusCode(400).body("error", containsString("capacityBytes"));
        }
    }

    @Nested
    @DisplayName("volumes")
    class VolumeCalls {
        @Test
        void unknownHost_404() {
            agent().body("{\"host\": \"nobody-registered-this\"}").put("/api/v1/volumes/" + Api.unique("v"))
                    .then().statusCode(404).body("error", containsString("not registered"));
        }

        @Test
        void volumeOfAnotherHost_409() {
            String volume = Api.newVolume(Api.unique("first"));
            String other = Api.unique("second");
            agent().body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + other).then().statusCode(200);
            agent().body("{\"host\": \"" + other + "\"}").put("/api/v1/volumes/" + volume)
                    .then().statusCode(409).body("error", containsString("served by host"));
        }

        @Test
        void registerTwice_sameVolumeAndSequence() {
            String host = Api.unique("h");
            String volume = Api.newVolume(host);
            agent().body("{\"host\": \"" + host + "\"}").put("/api/v1/volumes/" + volume)
                    .then().statusCode(200).body("appliedSeq", equalTo(0)).body("files", equalTo(1));
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
