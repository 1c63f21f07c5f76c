package dev.zero.agent.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.ContentSource;
import dev.zero.agent.client.TieringClient;
import dev.zero.agent.config.AgentConfig;
import dev.zero.api.ObjectManifest;
import dev.zero.api.TierInfo;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Evicted content comes back from the tiering service: manifests through the REST client,
 * bytes as ranged GETs. While the service cannot be reached (or answers 5xx) a call is retried
 * with back-off for at most {@code zero.agent.tiering.restore-timeout}; a stored copy the service
 * says is missing fails at once.
 */
@ApplicationScoped
public class ServiceContent implements ContentSource {
    private static final Logger LOG = Logger.getLogger(ServiceContent.class);

    private final ServiceHttp http;
    private final TieringClient client;
    private final Duration timeout;

    ServiceContent(ServiceHttp http, TieringClient client, AgentConfig config) {
        this.http = http;
        this.client = client;
        this.timeout = config.tiering().restoreTimeout();
    }

    @Override
    public ObjectManifest manifest(long fileId, long version, long nonce) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long wait = 100;
        while (true) {
            try {
                return client.manifest(http.volume(), fileId, version, TierInfo.nonceHex(nonce));
            } catch (TieringClient.Refused e) {
                if (e.status() == 404) {
                    throw new NoSuchFileException("file " + fileId + ": " + e.getMessage());
                }
                throw new IOException("the service refused the manifest of file " + fileId + ": " + e.getMessage());
            } catch (TieringClient.Unreachable e) {
                wait = backOff(deadline, wait, e.getMessage());
            }
        }
    }

    @Override
    public InputStream open(long fileId, long version, long nonce, long offset, long length) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long wait = 100;
        String tail = "content?version=" + version + "&nonce=" + TierInfo.nonceHex(nonce);
        while (true) {
            String problem;
            try {
                HttpResponse<InputStream> answer = http.client().send(http.file(fileId, tail)
                        .header("Range", "bytes=" + offset + "-" + (offset + length - 1)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                int status = answer.statusCode();
                if (status == 206 || (status == 200 && offset == 0)) {
                    return answer.body();
                }
                String body;
                try (InputStream in = answer.body()) {
                    body = new String(in.readNBytes(2000), StandardCharsets.UTF_8);
                }
                if (status == 404) {
                    throw new NoSuchFileException("file " + fileId + ": " + body);
                }
                if (status < 500 && status != 408 && status != 429) {
                    throw new IOException("the service refused to send file " + fileId + " (" + status + "): " + body);
                }
                problem = "service answered " + status;
            } catch (IOException e) {
                if (e instanceof NoSuchFileException || e.getMessage() != null && e.getMessage().startsWith("the service refused")) {
                    throw e;
                }
                problem = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            wait = backOff(deadline, wait, problem);
        }
    }

    private static long backOff(long deadline, long wait, String problem) throws IOException {
        if (System.nanoTime() + wait * 1_000_000 > deadline) {
            throw new IOException("the tiering service could not serve the content in time (" + problem + ")");
        }
        LOG.debugf("content not available yet (%s); retrying in %d ms", problem, wait);
        try {
            Thread.sleep(wait); // back-off between attempts at an unreachable service, bounded by the restore timeout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return Math.min(wait * 2, 2000);
    }
}
