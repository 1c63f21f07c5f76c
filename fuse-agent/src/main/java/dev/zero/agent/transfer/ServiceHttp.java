package dev.zero.agent.transfer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;

import dev.zero.agent.client.HostCredentialStore;
import dev.zero.agent.config.AgentConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Streams content to and from the tiering service over plain HTTP/1.1 with the agent's token:
 * bodies of any size flow through a fixed buffer, with a known length (the JSON calls go through
 * the REST client in {@code client}).
 */
@ApplicationScoped
public class ServiceHttp {
    static {
        // The JDK client copies request bodies in buffers of this size (16 KiB by default): larger ones
        // cut the per-buffer cost of a file streamed at disk speed. Read once, when the client first loads.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 << 10));
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;
    private final String volume;
    private final HostCredentialStore credential;

    ServiceHttp(AgentConfig config, HostCredentialStore credential) {
        String url = config.serviceUrl();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.volume = config.volume();
        this.credential = credential;
    }

    HttpClient client() {
        return http;
    }

    String volume() {
        return volume;
    }

    /** A request to {@code /api/v1/volumes/<volume>/files/<file>/<tail>}, authenticated. */
    HttpRequest.Builder file(long fileId, String tail) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/v1/volumes/" + volume + "/files/" + fileId + "/" + tail));
        credential.current().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        return request;
    }
}
