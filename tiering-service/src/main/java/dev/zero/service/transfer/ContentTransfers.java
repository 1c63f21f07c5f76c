package dev.zero.service.transfer;

import dev.zero.api.StoredObject;
import dev.zero.api.VolumesApi;
import dev.zero.service.catalogue.TierTransitions;
import dev.zero.service.catalogue.TransferLog;
import dev.zero.service.catalogue.TransferLog.Direction;
import dev.zero.service.catalogue.TransferLog.Outcome;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.rest.ApiException;
import dev.zero.service.store.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.Response.Status;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Streams content between agents and the object store. Bytes flow through a fixed buffer in
 * both directions, so a file of any size costs the same memory; uploads are verified against
 * the SHA-256 the agent computed before the catalogue learns of them.
 */
@ApplicationScoped
public class ContentTransfers {
    private static final Logger LOG = Logger.getLogger(ContentTransfers.class);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private final ObjectStore store;
    private final TierTransitions tiers;
    private final TransferLog transfers;
    private final MeterRegistry meters;
    private final ServiceConfig config;

    ContentTransfers(ObjectStore store, TierTransitions tiers, TransferLog transfers, MeterRegistry meters, ServiceConfig config) {
        this.store = store;
        this.tiers = tiers;
        this.transfers = transfers;
        this.meters = meters;
        this.config = config;
    }

    public StoredObject upload(String volume, long fileId, Long version, String expectedSha256, long contentLength, InputStream body) {
        if (version == null || version < 0) {
            throw ApiException.badRequest("query parameter version (the file's content version, >= 0) is required");
        }
        String expected = expectedSha256 == null ? null : expectedSha256.trim().toLowerCase();
        if (expected != null && !SHA256_HEX.matcher(expected).matches()) {
            throw ApiException.badRequest(VolumesApi.SHA256_HEADER + " must be 64 hex digits, got '" + expectedSha256 + "'");
        }
        long max = config.transfer().maxObjectSize().asLongValue();
        if (contentLength > max) {
            throw new ApiException(Status.REQUEST_ENTITY_TOO_LARGE, "content of " + contentLength + " bytes exceeds the limit of " + max);
        }
        TierTransitions.UploadTarget target = tiers.uploadTarget(volume, fileId);
        String key = "v" + target.volumeId() + "/f" + fileId + "/" + version + "-" + UUID.randomUUID();
        ObjectStore.Written written;
        try {
            written = store.put(key, body, contentLength);
        } catch (IOException e) {
            transfers.record(target.volumeId(), fileId, version, Direction.UP, 0, Outcome.FAILED, e.getMessage());
            meters.counter("zero.transfer.count", "direction", "up", "outcome", "failed").increment();
            throw new ApiException(Status.BAD_REQUEST, "upload of file " + fileId + " failed: " + e.getMessage());
        }
        if (expected != null && !expected.equals(written.sha256())) {
            deleteRejected(key);
            transfers.record(target.volumeId(), fileId, version, Direction.UP, written.size(), Outcome.FAILED, "sha256 mismatch");
            meters.counter("zero.transfer.count", "direction", "up", "outcome", "corrupt").increment();
            throw ApiException.badRequest("content SHA-256 mismatch: the agent announced " + expected + " but the service received "
                    + written.sha256() + " (" + written.size() + " bytes); nothing was stored");
        }
        try {
            tiers.uploaded(target.volumeId(), fileId, version, key, written.size(), written.sha256());
        } catch (RuntimeException e) {
            deleteRejected(key);
            transfers.record(target.volumeId(), fileId, version, Direction.UP, written.size(), Outcome.STALE, e.getMessage());
            meters.counter("zero.transfer.count", "direction", "up", "outcome", "stale").increment();
            throw e;
        }
        transfers.record(target.volumeId(), fileId, version, Direction.UP, written.size(), Outcome.OK, null);
        meters.counter("zero.transfer.bytes", "direction", "up").increment(written.size());
        meters.counter("zero.transfer.count", "direction", "up", "outcome", "ok").increment();
        return new StoredObject(key, written.size(), written.sha256(), fileId, version);
    }

    public Response download(String volume, long fileId, String rangeHeader) {
        TierTransitions.StoredContent content = tiers.stored(volume, fileId);
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(rangeHeader, content.size());
        } catch (ByteRange.Unsatisfiable e) {
            return Response.status(Status.REQUESTED_RANGE_NOT_SATISFIABLE).header("Content-Range", "bytes */" + content.size())
                    .type(MediaType.APPLICATION_JSON)
                    .entity(new dev.zero.api.ApiError(416, "range " + rangeHeader + " is outside the " + content.size() + " bytes of file " + fileId))
                    .build();
        }
        long offset = range.map(ByteRange::offset).orElse(0L);
        long length = range.map(ByteRange::length).orElse(content.size());
        InputStream in;
        try {
            in = store.get(content.key(), offset, length);
        } catch (IOException e) {
            LOG.errorf("object %s of file %d (volume %s) cannot be read: %s", content.key(), fileId, volume, e);
            throw new ApiException(Status.BAD_GATEWAY, "the object store cannot serve file " + fileId + " now: " + e.getClass().getSimpleName());
        }
        StreamingOutput stream = out -> {
            long sent = 0;
            Outcome outcome = Outcome.FAILED;
            try (in) {
                byte[] buffer = new byte[(int) config.transfer().bufferSize().asLongValue()];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    sent += n;
                }
                outcome = sent == length ? Outcome.OK : Outcome.FAILED;
            } finally {
                meters.counter("zero.transfer.bytes", "direction", "down").increment(sent);
                meters.counter("zero.transfer.count", "direction", "down", "outcome", outcome.name().toLowerCase()).increment();
                transfers.record(content.volumeId(), fileId, content.contentVersion(), Direction.DOWN, sent, outcome, null);
            }
        };
        Response.ResponseBuilder answer = Response.status(range.isPresent() ? Status.PARTIAL_CONTENT : Status.OK)
                .entity(stream)
                .type(MediaType.APPLICATION_OCTET_STREAM)
                .header(HttpHeaders.CONTENT_LENGTH, length)
                .header("Accept-Ranges", "bytes")
                .header(HttpHeaders.ETAG, '"' + content.sha256() + '"')
                .header(VolumesApi.SHA256_HEADER, content.sha256())
                .header("X-Zero-Content-Version", content.contentVersion());
        range.ifPresent(r -> answer.header("Content-Range", r.contentRange(content.size())));
        return answer.build();
    }

    /** Removes an object the catalogue will not reference (failed checksum, stale version). */
    private void deleteRejected(String key) {
        try {
            store.delete(key);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the rejected object " + key, e);
        }
    }
}
