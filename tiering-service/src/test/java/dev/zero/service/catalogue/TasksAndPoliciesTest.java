package dev.zero.service.catalogue;

import static dev.zero.service.Api.admin;
import static dev.zero.service.Api.as;
import static dev.zero.service.Api.onVolume;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.zero.api.TaskKind;
import dev.zero.service.Api;
import dev.zero.service.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class TasksAndPoliciesTest {
    @Inject
    Tasks tasks;

    @Nested
    @DisplayName("tasks")
    class TaskQueue {
        @Test
        @DisplayName("a polled task is leased to one poller, completed once, and handed out again only if its lease runs out")
        void pollLeaseComplete() {
            String host = Api.unique("host");
            String volume = Api.newVolume(host);
            long first = tasks.enqueue(volume, 7, TaskKind.UPLOAD, 3);
            long second = tasks.enqueue(volume, 8, TaskKind.EVICT, 1);

            as(host).get("/api/v1/hosts/" + host + "/tasks?max=1").then().statusCode(200).body("$", hasSize(1))
                    .body("[0].id", equalTo((int) first)).body("[0].kind", equalTo("UPLOAD")).body("[0].volume", equalTo(volume))
                    .body("[0].fileId", equalTo(7)).body("[0].contentVersion", equalTo(3));
            as(host).get("/api/v1/hosts/" + host + "/tasks").then().statusCode(200).body("$", hasSize(1))
                    .body("[0].id", equalTo((int) second));
            as(host).get("/api/v1/hosts/" + host + "/tasks").then().statusCode(200).body("$", hasSize(0));

            as(host).body("{\"outcome\": \"DONE\", \"bytes\": 10}").post("/api/v1/hosts/" + host + "/tasks/" + first + "/result")
                    .then().statusCode(204);
            as(host).body("{\"outcome\": \"DONE\"}").post("/api/v1/hosts/" + host + "/tasks/" + first + "/result")
                    .then().statusCode(409).body("error", containsString("not leased"));

            // the second task's lease (2 s in the test profile) runs out: it comes back
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    as(host).get("/api/v1/hosts/" + host + "/tasks").then().statusCode(200).body("$", hasSize(1))
                            .body("[0].id", equalTo((int) second)));
        }

        @Test
        void otherHostsTasksAreNotHandedOut() {
            String owner = Api.unique("owner");
            String volume = Api.newVolume(owner);
            tasks.enqueue(volume, 9, TaskKind.RESTORE, 1);
            String other = Api.unique("other");
            as(other).body("{\"capacityBytes\": 1, \"usedBytes\": 0}").put("/api/v1/hosts/" + other).then().statusCode(200);
            as(other).get("/api/v1/hosts/" + other + "/tasks").then().statusCode(200).body("$", hasSize(0));
        }

        @Test
        void failureWithoutMessage_400() {
            String host = Api.unique("host");
            Api.newVolume(host);
            as(host).body("{\"outcome\": \"FAILED\"}").post("/api/v1/hosts/" + host + "/tasks/1/result")
                    .then().statusCode(400).body("error", containsString("message"));
            as(host).body("{\"outcome\": \"DONE\", \"bytes\": -1}").post("/api/v1/hosts/" + host + "/tasks/1/result")
                    .then().statusCode(400).body("error", containsString("bytes"));
            as(host).body("{\"outcome\": \"LATER\"}").post("/api/v1/hosts/" + host + "/tasks/1/result")
                    .then().statusCode(400).body("error", containsString("outcome"));
        }

        @Test
        @DisplayName("a message the database cannot hold (a NUL character) is a 400 naming the field, not a 5xx")
        void nulInMessage_400() {
            String host = Api.unique("host");
            String volume = Api.newVolume(host);
            long id = tasks.enqueue(volume, 7, TaskKind.UPLOAD, 1);
            as(host).get("/api/v1/hosts/" + host + "/tasks").then().statusCode(200).body("$", hasSize(1));
            as(host).body("{\"outcome\": \"FAILED\", \"message\": \"bad\\u0000byte\"}").post("/api/v1/hosts/" + host + "/tasks/" + id + "/result")
                    .then().statusCode(400).body("error", containsString("message must not contain a NUL"));
        }

        @Test
        @DisplayName("a long poll returns as soon as a task is queued, not when its wait runs out")
        void longPollWakesOnEnqueue() throws Exception {
            String host = Api.unique("host");
            String volume = Api.newVolume(host);
            var poll = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                long started = System.nanoTime();
                int found = as(host).get("/api/v1/hosts/" + host + "/tasks?wait=30").then().statusCode(200).extract().jsonPath()
                        .getList("$").size();
                return new long[] {found, (System.nanoTime() - started) / 1_000_000};
            });
            Thread.sleep(1500); // let the poll start waiting
            tasks.enqueue(volume, 11, TaskKind.RESTORE, 1);
            long[] answer = poll.get(20, java.util.concurrent.TimeUnit.SECONDS);
            org.assertj.core.api.Assertions.assertThat(answer[0]).as("tasks in the answer").isEqualTo(1);
            org.assertj.core.api.Assertions.assertThat(answer[1]).as("the poll answered long before its 30 s wait").isLessThan(20_000);
        }

        @Test
        void waitOutOfRange_400() {
            as("h").get("/api/v1/hosts/h/tasks?wait=3600").then().statusCode(400).body("error", containsString("wait"));
        }

        @Test
        void maxOutOfRange_400() {
            as("h").get("/api/v1/hosts/h/tasks?max=0").then().statusCode(400).body("error", containsString("max"));
        }

        @Test
        void unknownHost_404() {
            admin().get("/api/v1/hosts/" + Api.unique("ghost") + "/tasks").then().statusCode(404);
        }
    }

    @Nested
    @DisplayName("policies")
    class PolicyCalls {
        @Test
        void defaultPolicyUntilSet() {
            String volume = Api.newVolume(Api.unique("host"));
            admin().get("/api/v1/admin/volumes/" + volume + "/policy").then().statusCode(200)
                    .body("highWatermark", equalTo(0.9f)).body("lowWatermark", equalTo(0.8f)).body("rules", hasSize(0));
        }

        @Test
        void setThenGet() {
            String volume = Api.newVolume(Api.unique("host"));
            String policy = """
                    {"targetBytes": 1000000, "highWatermark": 0.95, "lowWatermark": 0.7, "uploadDelaySeconds": 60,
                     "minResidencySeconds": 600,
                     "rules": [{"glob": "photos/**", "action": "PIN"},
                               {"glob": "scratch/**", "action": "EVICT_AFTER_IDLE", "idleSeconds": 86400}]}""";
            admin().body(policy).put("/api/v1/admin/volumes/" + volume + "/policy").then().statusCode(200);
            admin().get("/api/v1/admin/volumes/" + volume + "/policy").then().statusCode(200)
                    .body("targetBytes", equalTo(1000000)).body("lowWatermark", equalTo(0.7f))
                    .body("rules[1].idleSeconds", equalTo(86400)).body("rules[0].action", equalTo("PIN"));
        }

        @Test
        @DisplayName("an invalid policy is refused with a message naming the problem and changes nothing")
        void invalidPolicies_400AndUnchanged() {
            String volume = Api.newVolume(Api.unique("host"));
            String path = "/api/v1/admin/volumes/" + volume + "/policy";
            admin().body("{\"highWatermark\": 0.5, \"lowWatermark\": 0.8, \"uploadDelaySeconds\": 1, \"minResidencySeconds\": 1}")
                    .put(path).then().statusCode(400).body("error", containsString("lowWatermark < highWatermark"));
            admin().body("{\"highWatermark\": 0.9, \"lowWatermark\": 0.8, \"uploadDelaySeconds\": -5, \"minResidencySeconds\": 1}")
                    .put(path).then().statusCode(400).body("error", containsString("uploadDelaySeconds"));
            admin().body("{\"highWatermark\": 0.9, \"lowWatermark\": 0.8, \"uploadDelaySeconds\": 5, \"minResidencySeconds\": 1,"
                    + " \"rules\": [{\"glob\": \"a/[\", \"action\": \"PIN\"}]}")
                    .put(path).then().statusCode(400).body("error", containsString("not a valid glob"));
            admin().body("{\"highWatermark\": 0.9, \"lowWatermark\": 0.8, \"uploadDelaySeconds\": 5, \"minResidencySeconds\": 1,"
                    + " \"rules\": [{\"glob\": \"tmp/**\", \"action\": \"EVICT_AFTER_IDLE\"}]}")
                    .put(path).then().statusCode(400).body("error", containsString("idleSeconds"));
            admin().get(path).then().statusCode(200).body("highWatermark", equalTo(0.9f)).body("uploadDelaySeconds", equalTo(300));
        }

        @Test
        void unknownVolume_404() {
            admin().get("/api/v1/admin/volumes/no-such-volume/policy").then().statusCode(404);
        }

        @Test
        void agentCannotChangePolicy_403() {
            String volume = Api.newVolume(Api.unique("host"));
            Api.onVolume(volume).body("{\"highWatermark\": 0.9, \"lowWatermark\": 0.8, \"uploadDelaySeconds\": 1, \"minResidencySeconds\": 1}")
                    .put("/api/v1/admin/volumes/" + volume + "/policy").then().statusCode(403);
        }
    }
}
