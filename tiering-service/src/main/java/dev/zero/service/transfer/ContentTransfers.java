package dev.zero.service.transfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.ApiError;
import dev.zero.api.ObjectManifest;
import dev.zero.api.StoredObject;
import dev.zero.api.TierInfo;
import dev.zero.api.UploadConfirmation;
import dev.zero.api.VolumesApi;
import dev.zero.service.catalogue.StoredObjects;
import dev.zero.service.catalogue.TierTransitions;
import dev.zero.service.catalogue.TransferLog;
import dev.zero.service.catalogue.TransferLog.Direction;
import dev.zero.service.catalogue.TransferLog.Outcome;
import dev.zero.service.catalogue.Volumes;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.rest.ApiException;
import dev.zero.service.store.ObjectKeys;
import dev.zero.service.store.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.Response.Status;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Streams content between agents and the object store. Bytes flow through a fixed buffer in
 * both directions, so a file of any size costs the same memory. An upload is stored with its
 * SHA-256 and per-chunk hashes (and a manifest object holding them beside it), staged until the
 * uploader confirms it; downloads name the object by file, version and nonce, and an object the
 * catalogue has lost (a rebuilt catalogue) is adopted again from its manifest in the store.
 */
@ApplicationScoped
public class ContentTransfers {
    private static final Logger LOG = Logger.getLogger(ContentTransfers.class);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private final ObjectStore store;
    private final TierTransitions tiers;
    private final StoredObjects objects;
    private final Volumes volumes;
    private final TransferLog transfers;
    private final MeterRegistry meters;
    private final ServiceConfig config;
    private final ObjectMapper json;
    private final SecureRandom random = new SecureRandom();

    ContentTransfers(ObjectStore store, TierTransitions tiers, StoredObjects objects, Volumes volumes, TransferLog transfers,
            MeterRegistry meters, ServiceConfig config, ObjectMapper json) {
        this.store = store;
        this.tiers = tiers;
        this.objects = objects;
        this.volumes = volumes;
        this.transfers = transfers;
        this.meters = meters;
        this.config = config;
        this.json = json;
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
        TierTransitions.UploadTarget target = tiers.uploadTarget(volume, fileId, version);
        long nonce = random.nextLong();
        String key = ObjectKeys.content(volume, fileId, version, nonce);
        int chunkSize = (int) config.transfer().chunkSize().asLongValue();
        ChunkHasher hashed = new ChunkHasher(body, chunkSize);
        long size;
        try {
            size = store.put(key, hashed, contentLength);
        } catch (IOException e) {
            transfers.record(target.volumeId(), fileId, version, Direction.UP, hashed.size(), null, Outcome.FAILED, e.getMessage());
            count("up", "failed");
            throw new ApiException(Status.BAD_REQUEST, "upload of file " + fileId + " failed: " + e.getMessage());
        }
        String sha256 = hashed.sha256Hex();
        if (expected != null && !expected.equals(sha256)) {
            deleteQuietly(key);
            transfers.record(target.volumeId(), fileId, version, Direction.UP, size, null, Outcome.FAILED, "sha256 mismatch");
            count("up", "corrupt");
            throw ApiException.badRequest("content SHA-256 mismatch: the agent announced " + expected + " but the service received "
                    + sha256 + " (" + size + " bytes); nothing was stored");
        }
        ObjectManifest manifest = new ObjectManifest(key, TierInfo.nonceHex(nonce), fileId, version, size, sha256, chunkSize,
                Base64.getEncoder().encodeToString(hashed.chunkHashes()));
        try {
            byte[] manifestBytes = json.writeValueAsBytes(manifest);
            store.put(ObjectKeys.manifest(key), new ByteArrayInputStream(manifestBytes), manifestBytes.length);
            objects.stage(target.volumeId(), manifest);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(key);
            deleteQuietly(ObjectKeys.manifest(key));
            transfers.record(target.volumeId(), fileId, version, Direction.UP, size, null, Outcome.FAILED, e.getMessage());
            count("up", "failed");
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new ApiException(Status.BAD_GATEWAY, "the object store did not take the manifest of file " + fileId + ": " + e.getMessage());
        }
        transfers.record(target.volumeId(), fileId, version, Direction.UP, size, null, Outcome.OK, null);
        meters.counter("zero.transfer.bytes", "direction", "up").increment(size);
        count("up", "ok");
        return new StoredObject(key, TierInfo.nonceHex(nonce), size, sha256, chunkSize, fileId, version);
    }

    /** The uploader's confirmation: the object becomes the file's content, or (stale, mismatch) is removed. */
    public StoredObject confirm(String volume, long fileId, String nonceHex, UploadConfirmation confirmation) {
        long nonce = parseNonce(nonceHex);
        long volumeId = volumes.id(volume);
        long version = confirmation.contentVersion();
        StoredObjects.Row row = objects.find(volumeId, fileId, version, nonce).orElseThrow(() -> ApiException.notFound(
                "file " + fileId + " has no uploaded object " + nonceHex + " of version " + version));
        try {
            tiers.confirmed(volumeId, fileId, version, nonce, confirmation.sha256());
        } catch (ApiException e) {
            if (e.status() == Status.CONFLICT) {
                // Stale or corrupt: never the file's content; its bytes go now, not at garbage collection.
                objects.dropStaged(volumeId, fileId, version, nonce);
                deleteQuietly(row.key());
                deleteQuietly(ObjectKeys.manifest(row.key()));
                transfers.record(volumeId, fileId, version, Direction.UP, row.size(), null, Outcome.STALE, e.getMessage());
                count("up", "stale");
            }
            throw e;
        }
        return new StoredObject(row.key(), nonceHex, row.size(), row.sha256Hex(), row.chunkSize(), fileId, version);
    }

    public ObjectManifest manifest(String volume, long fileId, Long version, String nonce) {
        return locate(volume, fileId, version, nonce).manifest();
    }

    public Response download(String volume, long fileId, Long version, String nonce, String rangeHeader) {
        StoredObjects.Row object = locate(volume, fileId, version, nonce);
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(rangeHeader, object.size());
        } catch (ByteRange.Unsatisfiable e) {
            return Response.status(Status.REQUESTED_RANGE_NOT_SATISFIABLE).header("Content-Range", "bytes */" + object.size())
                    .type(MediaType.APPLICATION_JSON)
                    .entity(new ApiError(416, "range " + rangeHeader + " is outside the " + object.size() + " bytes of file " + fileId))
                    .build();
        }
        long offset = range.map(ByteRange::offset).orElse(0L);
        long length = range.map(ByteRange::length).orElse(object.size());
        InputStream in;
        try {
            in = store.get(object.key(), offset, length);
        } catch (NoSuchFileException e) {
            LOG.errorf("object %s of file %d (volume %s) is missing from the store", object.key(), fileId, volume);
            transfers.record(object.volumeId(), fileId, object.contentVersion(), Direction.DOWN, 0, range.map(r -> r.contentRange(object.size())).orElse(null),
                    Outcome.FAILED, "object missing from the store");
            count("down", "failed");
            throw ApiException.notFound("the stored object of file " + fileId + " (version " + object.contentVersion()
                    + ") is missing from the object store");
        } catch (IOException e) {
            LOG.errorf("object %s of file %d (volume %s) cannot be read: %s", object.key(), fileId, volume, e);
            throw new ApiException(Status.BAD_GATEWAY, "the object store cannot serve file " + fileId + " now: " + e.getClass().getSimpleName());
        }
        String rangeText = range.map(r -> r.contentRange(object.size())).orElse(null);
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
                count("down", outcome.name().toLowerCase());
                transfers.record(object.volumeId(), fileId, object.contentVersion(), Direction.DOWN, sent, rangeText, outcome,
                        outcome == Outcome.OK ? null : "sent " + sent + " of " + length + " bytes");
            }
        };
        Response.ResponseBuilder answer = Response.status(range.isPresent() ? Status.PARTIAL_CONTENT : Status.OK)
                .entity(stream)
                .type(MediaType.APPLICATION_OCTET_STREAM)
                .header(HttpHeaders.CONTENT_LENGTH, length)
                .header("Accept-Ranges", "bytes")
                .header(HttpHeaders.ETAG, '"' + object.sha256Hex() + '"')
                .header(VolumesApi.SHA256_HEADER, object.sha256Hex())
                .header("X-Zero-Content-Version", object.contentVersion());
        range.ifPresent(r -> answer.header("Content-Range", rangeText));
        return answer.build();
    }

    /**
     * The object a download or manifest request names: by version and nonce, or the file's current
     * stored copy. One the catalogue does not know is looked for in the store (its manifest), as
     * after a catalogue was rebuilt from the agents' trees.
     */
    private StoredObjects.Row locate(String volume, long fileId, Long version, String nonceHex) {
        if (version == null && nonceHex == null) {
            return objects.current(volume, fileId);
        }
        if (version == null || nonceHex == null) {
            throw ApiException.badRequest("query parameters version and nonce go together");
        }
        long nonce = parseNonce(nonceHex);
        long volumeId = volumes.id(volume);
        Optional<StoredObjects.Row> known = objects.find(volumeId, fileId, version, nonce);
        if (known.isPresent()) {
            return known.get();
        }
        String key = ObjectKeys.content(volume, fileId, version, nonce);
        try (InputStream in = store.get(ObjectKeys.manifest(key), 0, Long.MAX_VALUE)) {
            ObjectManifest manifest = json.readValue(in, ObjectManifest.class);
            if (!manifest.key().equals(key) || manifest.fileId() != fileId || manifest.contentVersion() != version) {
                throw new IOException("manifest " + ObjectKeys.manifest(key) + " describes " + manifest.key());
            }
            LOG.infof("adopted object %s from the store into the catalogue", key);
            return objects.adopt(volumeId, manifest);
        } catch (NoSuchFileException e) {
            throw ApiException.notFound("file " + fileId + " of volume " + volume + " has no stored object " + nonceHex + " of version "
                    + version + " (neither in the catalogue nor in the object store)");
        } catch (IOException e) {
            throw new ApiException(Status.BAD_GATEWAY, "the manifest of " + key + " cannot be read: " + e.getMessage());
        }
    }

    private static long parseNonce(String nonceHex) {
        try {
            return TierInfo.parseNonce("nonce", nonceHex);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private void count(String direction, String outcome) {
        meters.counter("zero.transfer.count", "direction", direction, "outcome", outcome).increment();
    }

    /** Removes an object the catalogue will not reference (failed checksum, stale version); a failure leaves it to garbage collection. */
    private void deleteQuietly(String key) {
        try {
            store.delete(key);
        } catch (IOException e) {
            LOG.warnf("could not remove the rejected object %s (%s); garbage collection will", key, e.getMessage());
        }
    }
}
