package dev.zero.service;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;

/** Requests as agents and operators make them, with the test profile's tokens. */
public final class Api {
    public static final String AGENT_TOKEN = "test-agent-token-0123456789";
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    private Api() {
    }

    public static RequestSpecification agent() {
        return given().header("Authorization", "Bearer " + AGENT_TOKEN).contentType(ContentType.JSON);
    }

    public static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + ADMIN_TOKEN).contentType(ContentType.JSON);
    }

    /** A name no other test uses, so tests sharing one database stay independent. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Registers a host and a volume on it; returns the volume name. */
    public static String newVolume(String host) {
        agent().body("{\"capacityBytes\": 1000000000, \"usedBytes\": 1000}").put("/api/v1/hosts/" + host).then().statusCode(200);
        String volume = unique("vol");
        agent().body("{\"host\": \"" + host + "\"}").put("/api/v1/volumes/" + volume).then().statusCode(200);
        return volume;
    }
}
