package dev.zero.service;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Requests as agents and operators make them, with the test profile's tokens. */
public final class Api {
    public static final String ENROLMENT_TOKEN = "test-enrolment-token-0123456789";
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    /** Each host's credential, from its enrolment (the test JVM shares one catalogue). */
    private static final Map<String, String> HOST_TOKENS = new ConcurrentHashMap<>();
    /** The host each volume made by {@link #newVolume} is served by. */
    private static final Map<String, String> VOLUME_HOSTS = new ConcurrentHashMap<>();

    private Api() {
    }

    /** A request as the host's own agent, enrolling the host on first use. */
    public static RequestSpecification as(String host) {
        return bearer(tokenOf(host));
    }

    /** A request as the agent of the host that serves the volume (made by {@link #newVolume}). */
    public static RequestSpecification onVolume(String volume) {
        String host = VOLUME_HOSTS.get(volume);
        if (host == null) {
            throw new IllegalArgumentException("volume " + volume + " was not made by Api.newVolume");
        }
        return as(host);
    }

    /** The host that serves a volume made by {@link #newVolume}. */
    public static String hostOf(String volume) {
        return VOLUME_HOSTS.get(volume);
    }

    /** The host's credential, enrolling it with the enrolment token on first use. */
    public static String tokenOf(String host) {
        return HOST_TOKENS.computeIfAbsent(host, h -> bearer(ENROLMENT_TOKEN).post("/api/v1/hosts/" + h + "/enrolment")
                .then().statusCode(200).extract().path("token"));
    }

    public static RequestSpecification admin() {
        return bearer(ADMIN_TOKEN);
    }

    public static RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON);
    }

    /** A name no other test uses, so tests sharing one database stay independent. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Registers a host and a volume on it; returns the volume name. */
    public static String newVolume(String host) {
        as(host).body("{\"capacityBytes\": 1000000000, \"usedBytes\": 1000}").put("/api/v1/hosts/" + host).then().statusCode(200);
        String volume = unique("vol");
        as(host).body("{\"host\": \"" + host + "\"}").put("/api/v1/volumes/" + volume).then().statusCode(200);
        VOLUME_HOSTS.put(volume, host);
        return volume;
    }
}
