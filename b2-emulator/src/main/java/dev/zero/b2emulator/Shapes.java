package dev.zero.b2emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zero.b2emulator.Store.Bucket;
import dev.zero.b2emulator.Store.Part;
import dev.zero.b2emulator.Store.Version;
import java.util.List;

/**
 * The JSON B2 answers with, per API version. v1 lists files with "size" and without account and
 * bucket ids; v2 added contentMd5, server-side encryption, retention and legal hold and dropped
 * "size"; v3 moved the URLs and the key's restrictions of b2_authorize_account under
 * apiInfo.storageApi, and v4 turned the one-bucket restriction into allowed.buckets.
 */
final class Shapes {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What a master application key may do. */
    static final List<String> CAPABILITIES = List.of("listKeys", "writeKeys", "deleteKeys", "listAllBucketNames",
            "listBuckets", "readBuckets", "writeBuckets", "deleteBuckets", "readBucketEncryption",
            "writeBucketEncryption", "readBucketRetentions", "writeBucketRetentions", "readFileRetentions",
            "writeFileRetentions", "readFileLegalHolds", "writeFileLegalHolds", "bypassGovernance", "listFiles",
            "readFiles", "shareFiles", "writeFiles", "deleteFiles");

    private Shapes() {}

    static ObjectNode error(B2Error e) {
        return JSON.createObjectNode().put("code", e.code).put("message", e.getMessage()).put("status", e.status);
    }

    static ObjectNode authorize(int v, String accountId, String token, String url, long minimumPartSize,
                                long recommendedPartSize) {
        ObjectNode o = JSON.createObjectNode();
        if (v <= 2) {
            o.put("absoluteMinimumPartSize", minimumPartSize).put("accountId", accountId);
            ObjectNode allowed = o.putObject("allowed");
            allowed.putNull("bucketId").putNull("bucketName");
            strings(allowed.putArray("capabilities"), CAPABILITIES);
            allowed.putNull("namePrefix");
            o.put("apiUrl", url).put("authorizationToken", token).put("downloadUrl", url);
            if (v == 1) {
                o.put("minimumPartSize", recommendedPartSize); // deprecated in v1, equal to recommendedPartSize
            }
            return o.put("recommendedPartSize", recommendedPartSize).put("s3ApiUrl", url);
        }
        o.put("accountId", accountId);
        ObjectNode storage = o.putObject("apiInfo").putObject("storageApi");
        storage.put("absoluteMinimumPartSize", minimumPartSize);
        if (v >= 4) {
            ObjectNode allowed = storage.putObject("allowed");
            allowed.putNull("buckets");
            strings(allowed.putArray("capabilities"), CAPABILITIES);
            allowed.putNull("namePrefix");
        }
        storage.put("apiUrl", url);
        if (v == 3) {
            storage.putNull("bucketId").putNull("bucketName");
            strings(storage.putArray("capabilities"), CAPABILITIES);
        }
        storage.put("downloadUrl", url).put("infoType", "storageApi");
        if (v == 3) {
            storage.putNull("namePrefix");
        }
        storage.put("recommendedPartSize", recommendedPartSize).put("s3ApiUrl", url);
        o.putNull("applicationKeyExpirationTimestamp");
        return o.put("authorizationToken", token);
    }

    static ObjectNode bucket(Bucket b, int v) {
        ObjectNode o = JSON.createObjectNode().put("accountId", b.accountId()).put("bucketId", b.bucketId());
        o.putObject("bucketInfo");
        o.put("bucketName", b.bucketName()).put("bucketType", b.bucketType());
        o.putArray("corsRules");
        if (v >= 2) {
            ObjectNode sse = filtered(o.putObject("defaultServerSideEncryption"));
            sse.putNull("algorithm").putNull("mode");
            ObjectNode lock = filtered(o.putObject("fileLockConfiguration"));
            lock.putObject("defaultRetention").putNull("mode").putNull("period");
            lock.put("isFileLockEnabled", false);
        }
        o.putArray("lifecycleRules");
        if (v >= 2) {
            o.putArray("options").add("s3");
        }
        return o.put("revision", b.revision());
    }

    /** A file version as returned by uploads, get_file_info, hide and large-file calls, or in a listing. */
    static ObjectNode file(Version f, int v, String accountId, boolean inListing) {
        ObjectNode o = JSON.createObjectNode();
        boolean v1Listing = v == 1 && inListing;
        if (!v1Listing) {
            o.put("accountId", accountId);
        }
        o.put("action", f.action());
        if (!v1Listing) {
            o.put("bucketId", f.bucketId());
        }
        o.put("contentLength", f.contentLength());
        if (v >= 2) {
            o.put("contentMd5", f.contentMd5());
        }
        o.put("contentSha1", f.contentSha1()).put("contentType", f.contentType()).put("fileId", f.fileId());
        ObjectNode info = o.putObject("fileInfo");
        f.fileInfo().forEach(info::put);
        o.put("fileName", f.fileName());
        if (v >= 2 && (f.is("upload") || f.is("start"))) {
            ObjectNode retention = filtered(o.putObject("fileRetention"));
            retention.putNull("mode").putNull("retainUntilTimestamp");
            o.putObject("legalHold").put("isClientAuthorizedToRead", true).putNull("value");
            sse(o.putObject("serverSideEncryption"), f.serverSideEncryption());
        }
        if (v1Listing) {
            o.put("size", f.contentLength());
        }
        return o.put("uploadTimestamp", f.uploadTimestamp());
    }

    static ObjectNode part(Part p, int v, String sse) {
        ObjectNode o = JSON.createObjectNode().put("contentLength", p.contentLength());
        if (v >= 2) {
            o.put("contentMd5", p.contentMd5());
        }
        o.put("contentSha1", p.contentSha1()).put("fileId", p.fileId()).put("partNumber", p.partNumber());
        if (v >= 2) {
            sse(o.putObject("serverSideEncryption"), sse);
        }
        return o.put("uploadTimestamp", p.uploadTimestamp());
    }

    static ObjectNode fileIdAndName(Version f) {
        return JSON.createObjectNode().put("fileId", f.fileId()).put("fileName", f.fileName());
    }

    private static void sse(ObjectNode o, String mode) {
        if ("SSE-B2".equals(mode)) {
            o.put("algorithm", "AES256").put("mode", "SSE-B2");
        } else {
            o.putNull("algorithm").putNull("mode");
        }
    }

    /** B2 wraps settings a key may not be allowed to read in {"isClientAuthorizedToRead", "value"}. */
    private static ObjectNode filtered(ObjectNode o) {
        o.put("isClientAuthorizedToRead", true);
        return o.putObject("value");
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
