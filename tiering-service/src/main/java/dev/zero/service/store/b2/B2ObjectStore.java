package dev.zero.service.store.b2;

import com.backblaze.b2.client.B2AccountAuthorizerSimpleImpl;
import com.backblaze.b2.client.B2ClientConfig;
import com.backblaze.b2.client.B2StorageClient;
import com.backblaze.b2.client.contentSources.B2ContentTypes;
import com.backblaze.b2.client.contentSources.B2FileContentSource;
import com.backblaze.b2.client.contentSources.B2Headers;
import com.backblaze.b2.client.exceptions.B2Exception;
import com.backblaze.b2.client.exceptions.B2NotFoundException;
import com.backblaze.b2.client.structures.B2AccountAuthorization;
import com.backblaze.b2.client.structures.B2Bucket;
import com.backblaze.b2.client.structures.B2DownloadByNameRequest;
import com.backblaze.b2.client.structures.B2FileSseForRequest;
import com.backblaze.b2.client.structures.B2FileVersion;
import com.backblaze.b2.client.structures.B2ListFileNamesRequest;
import com.backblaze.b2.client.structures.B2ListFileVersionsRequest;
import com.backblaze.b2.client.structures.B2ListUnfinishedLargeFilesRequest;
import com.backblaze.b2.client.structures.B2StartLargeFileRequest;
import com.backblaze.b2.client.structures.B2TestMode;
import com.backblaze.b2.client.structures.B2UploadFileRequest;
import com.backblaze.b2.client.webApiHttpClient.B2StorageHttpClientBuilder;
import com.backblaze.b2.client.webApiHttpClient.B2WebApiHttpClientImpl;
import com.backblaze.b2.client.webApiHttpClient.HttpClientFactoryImpl;
import com.backblaze.b2.util.B2ByteRange;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.store.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Objects in a Backblaze B2 bucket, through b2-sdk-java. An upload is spooled to a local file
 * first (a retry must send the same bytes again) while its SHA-1 is taken; small objects go up
 * with {@code b2_upload_file}, larger ones as a large file whose parts, of the account's
 * recommended size, go up in parallel; a large file this store gave up on is cancelled, and
 * ones left by a killed process are cancelled at the next start. Downloads are ranged pieces
 * (a broken connection costs one piece), and a whole-object read is checked against the
 * object's SHA-1. Every call is counted by Backblaze's transaction class ({@link B2Calls}).
 * Secrets never leave this class: errors carry B2's status, code and message only.
 */
public final class B2ObjectStore implements ObjectStore, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(B2ObjectStore.class);
    /** File info naming the process that started a large file, so its restart can cancel what it left. */
    static final String OWNER_INFO = "zero_owner";

    private final B2StorageClient client;
    private final B2Calls calls;
    private final String bucketId;
    private final String prefix;
    private final long largeFileCutoff;
    private final long piece;
    private final Optional<B2FileSseForRequest> sse;
    private final Path spoolDir;
    private final ExecutorService partUploads;
    private final String owner;
    private final Instant started = Instant.now();
    private volatile String bucketName;
    private volatile Instant lastFailureAt;
    private volatile IOException lastFailure;

    B2ObjectStore(B2StorageClient client, B2Calls calls, ServiceConfig.B2 config, Path spoolDir) {
        this.client = client;
        this.calls = calls;
        this.bucketId = config.bucketId().orElseThrow();
        this.prefix = config.namePrefix().orElse("");
        this.largeFileCutoff = config.largeFileCutoff().asLongValue();
        this.piece = config.downloadPiece().asLongValue();
        this.sse = switch (config.serverSideEncryption().toUpperCase(Locale.ROOT)) {
            case "NONE", "" -> Optional.empty();
            case "SSE-B2" -> Optional.of(B2FileSseForRequest.createSseB2Aes256());
            default -> throw new ConfigurationException(
                    "zero.store.b2.server-side-encryption must be 'none' or 'SSE-B2', got '" + config.serverSideEncryption() + "'");
        };
        this.spoolDir = spoolDir;
        this.partUploads = Executors.newFixedThreadPool(Math.max(1, config.uploadThreads()), Thread.ofPlatform().name("b2-part-", 0).daemon().factory());
        this.owner = hostName();
    }

    /** Builds the store from configuration; nothing is called on B2 yet (see {@link #check}). */
    public static B2ObjectStore open(ServiceConfig.B2 config, MeterRegistry meters) {
        List<String> missing = new ArrayList<>();
        if (config.accountId().filter(s -> !s.isBlank()).isEmpty()) {
            missing.add("zero.store.b2.account-id (accountId in config.yml)");
        }
        if (config.applicationKey().filter(s -> !s.isBlank()).isEmpty()) {
            missing.add("zero.store.b2.application-key (applicationKey in config.yml)");
        }
        if (config.bucketId().filter(s -> !s.isBlank()).isEmpty()) {
            missing.add("zero.store.b2.bucket-id (bucketId in config.yml)");
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException("zero.store.kind=b2 needs " + String.join(", ", missing));
        }
        if (config.url().startsWith("http://") && !config.allowInsecureHttp()) {
            throw new ConfigurationException("zero.store.b2.url is plain http (" + config.url()
                    + "): set zero.store.b2.allow-insecure-http=true, for a local emulator only");
        }
        var authorizer = B2AccountAuthorizerSimpleImpl.builder(config.accountId().get(), config.applicationKey().get()).build();
        var clientConfig = B2ClientConfig.builder(authorizer, "zero-tiering-service/0.1").setMasterUrl(config.url());
        config.testMode().filter(s -> !s.isBlank()).ifPresent(mode -> clientConfig.setTestModeOrNull(testMode(mode)));
        var http = HttpClientFactoryImpl.builder().setSupportInsecureHttp(config.allowInsecureHttp()).build();
        B2Calls calls = new B2Calls(B2WebApiHttpClientImpl.builder().setHttpClientFactory(http).build(), meters);
        B2StorageClient client = B2StorageHttpClientBuilder.builder(clientConfig.build())
                .setWebApiClient(calls)
                .setRetryPolicySupplier(() -> new B2Retries(config.maxAttempts(), config.maxBackoff(), meters))
                .build();
        Path spool;
        try {
            spool = Files.createDirectories(config.spoolDir().orElse(Path.of(System.getProperty("java.io.tmpdir"), "zero-b2-spool")));
        } catch (IOException e) {
            throw new ConfigurationException("cannot create the B2 upload spool directory: " + e.getMessage());
        }
        return new B2ObjectStore(client, calls, config, spool);
    }

    private static B2TestMode testMode(String mode) {
        for (B2TestMode m : B2TestMode.values()) {
            if (m.getValueForHeader().equals(mode)) {
                return m;
            }
        }
        throw new ConfigurationException("zero.store.b2.test-mode must be one of fail_some_uploads, "
                + "expire_some_account_authorization_tokens, force_cap_exceeded; got '" + mode + "'");
    }

    @Override
    public String kind() {
        return "b2";
    }

    @Override
    public long callsOfClass(String transactionClass) {
        return calls.calls(transactionClass);
    }

    @Override
    public long put(String key, InputStream content, long expectedSize) throws IOException {
        String name = name(key);
        if (size(key) >= 0) {
            throw new FileAlreadyExistsException(key);
        }
        Path spooled = Files.createTempFile(spoolDir, "up-", ".part");
        try {
            long size;
            String sha1;
            MessageDigest digest = sha1();
            try (OutputStream out = Files.newOutputStream(spooled)) {
                byte[] buffer = new byte[256 * 1024];
                size = 0;
                for (int n; (n = content.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    size += n;
                }
            }
            if (expectedSize >= 0 && size != expectedSize) {
                throw new EOFException("object " + key + ": received " + size + " bytes of the " + expectedSize + " announced");
            }
            sha1 = HexFormat.of().formatHex(digest.digest());
            B2FileContentSource source = B2FileContentSource.builder(spooled.toFile()).setSha1(sha1).build();
            if (size <= largeFileCutoff || size < 2 * minimumPartSize()) {
                var request = B2UploadFileRequest.builder(bucketId, name, B2ContentTypes.APPLICATION_OCTET, source);
                sse.ifPresent(request::setServerSideEncryption);
                client.uploadSmallFile(request.build());
            } else {
                uploadLarge(name, source, sha1);
            }
            return size;
        } catch (B2Exception e) {
            throw failure("upload of " + key, e);
        } finally {
            Files.deleteIfExists(spooled);
        }
    }

    private void uploadLarge(String name, B2FileContentSource source, String sha1) throws B2Exception {
        var start = B2StartLargeFileRequest.builder(bucketId, name, B2ContentTypes.APPLICATION_OCTET)
                .setLargeFileSha1(sha1)
                .setCustomField(OWNER_INFO, owner);
        sse.ifPresent(start::setServerSideEncryption);
        B2FileVersion large = client.startLargeFile(start.build());
        try {
            client.storeLargeFileFromLocalContent(large, source, null, partUploads);
        } catch (B2Exception | RuntimeException e) {
            // never leave parts behind that are billed as storage and never finished
            try {
                client.cancelLargeFile(large.getFileId());
            } catch (B2Exception cancel) {
                LOG.warnf("could not cancel the unfinished large file %s (%s): the next start or collection cancels it", name, describe(cancel));
            }
            throw e;
        }
    }

    @Override
    public InputStream get(String key, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range");
        }
        Pieces pieces = new Pieces(name(key), offset, length);
        pieces.fetch(); // a missing object fails here, not at the first read
        return pieces;
    }

    @Override
    public long size(String key) throws IOException {
        try {
            return client.getFileInfoByName(bucketName(), name(key)).getContentLength();
        } catch (B2NotFoundException e) {
            return -1;
        } catch (B2Exception e) {
            throw failure("size of " + key, e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        String name = name(key);
        try {
            // B2 keeps versions: removing the key means removing every version of it
            for (B2FileVersion version : client.fileVersions(B2ListFileVersionsRequest.builder(bucketId)
                    .setStartFileName(name).setPrefix(name).setMaxFileCount(100).build())) {
                if (!version.getFileName().equals(name)) {
                    continue;
                }
                try {
                    if (version.isStart()) {
                        client.cancelLargeFile(version.getFileId());
                    } else {
                        client.deleteFileVersion(version);
                    }
                } catch (B2NotFoundException gone) {
                    // removed by someone else meanwhile: what we wanted
                }
            }
        } catch (B2Exception e) {
            throw failure("delete of " + key, e);
        }
    }

    @Override
    public List<String> list(String keyPrefix) throws IOException {
        List<String> keys = new ArrayList<>();
        try {
            for (B2FileVersion file : client.fileNames(B2ListFileNamesRequest.builder(bucketId)
                    .setPrefix(prefix + keyPrefix).setMaxFileCount(1000).build())) {
                if (file.isUpload()) {
                    keys.add(file.getFileName().substring(prefix.length()));
                }
            }
        } catch (B2Exception e) {
            throw failure("listing of " + keyPrefix, e);
        }
        return keys;
    }

    @Override
    public int cancelIncompleteUploads(Instant anyStartedBefore) throws IOException {
        int cancelled = 0;
        try {
            var request = B2ListUnfinishedLargeFilesRequest.builder(bucketId).setNamePrefix(prefix).setMaxFileCount(100).build();
            for (B2FileVersion large : client.unfinishedLargeFiles(request)) {
                Instant at = Instant.ofEpochMilli(large.getUploadTimestamp());
                boolean mineFromBefore = owner.equals(large.getFileInfo().get(OWNER_INFO)) && at.isBefore(started);
                if (mineFromBefore || at.isBefore(anyStartedBefore)) {
                    try {
                        client.cancelLargeFile(large.getFileId());
                        cancelled++;
                    } catch (B2NotFoundException finishedMeanwhile) {
                        // another replica finished or cancelled it
                    }
                }
            }
        } catch (B2Exception e) {
            throw failure("cancelling unfinished large files", e);
        }
        if (cancelled > 0) {
            LOG.infof("cancelled %d unfinished B2 large file(s) left by interrupted uploads", cancelled);
        }
        return cancelled;
    }

    @Override
    public long putCalls(long size) {
        if (size <= largeFileCutoff) {
            return 2; // b2_get_upload_url (amortised: URLs are reused) and b2_upload_file; and the existence check
        }
        long part = Math.max(1, recommendedPartSize());
        return 3 + 2 * ((size + part - 1) / part); // start, finish, check; one part URL and one upload per part
    }

    @Override
    public long getCalls(long size, long rangeBytes) {
        long each = Math.min(Math.max(1, rangeBytes), piece);
        return Math.max(1, (size + each - 1) / each);
    }

    /**
     * Ready when B2 accepts the key and it reaches the bucket. A refusal is remembered for
     * 30 s, so a probe every few seconds does not turn into a loop of authorisations.
     */
    @Override
    public void check() throws IOException {
        IOException failed = lastFailure;
        if (failed != null && lastFailureAt.plus(Duration.ofSeconds(30)).isAfter(Instant.now())) {
            throw failed;
        }
        try {
            client.getAccountAuthorization();
            bucketName();
            lastFailure = null;
        } catch (IOException e) {
            lastFailure = e;
            lastFailureAt = Instant.now();
            throw e;
        } catch (B2Exception e) {
            IOException failure = failure("authorisation", e);
            lastFailure = failure;
            lastFailureAt = Instant.now();
            throw failure;
        }
    }

    @Override
    public void close() {
        partUploads.shutdownNow();
        client.close();
    }

    /** The bucket's name (downloads go by name), looked up once from the key's restriction or the account's buckets. */
    private String bucketName() throws IOException {
        String known = bucketName;
        if (known != null) {
            return known;
        }
        try {
            B2AccountAuthorization auth = client.getAccountAuthorization();
            if (auth.getAllowed() != null && bucketId.equals(auth.getAllowed().getBucketId()) && auth.getAllowed().getBucketName() != null) {
                known = auth.getAllowed().getBucketName();
            } else {
                for (B2Bucket bucket : client.listBuckets().getBuckets()) {
                    if (bucket.getBucketId().equals(bucketId)) {
                        known = bucket.getBucketName();
                    }
                }
            }
        } catch (B2Exception e) {
            throw failure("bucket lookup", e);
        }
        if (known == null) {
            throw new IOException("bucket " + bucketId + " is not in this B2 account, or the application key cannot reach it");
        }
        bucketName = known;
        return known;
    }

    private long recommendedPartSize() {
        try {
            return client.getAccountAuthorization().getRecommendedPartSize();
        } catch (B2Exception e) {
            return 100_000_000L;
        }
    }

    private long minimumPartSize() throws B2Exception {
        return client.getAccountAuthorization().getAbsoluteMinimumPartSize();
    }

    private String name(String key) {
        if (key == null || key.isEmpty() || key.length() > 1000 || key.startsWith("/") || key.contains("//")) {
            throw new IllegalArgumentException("invalid object key: " + key);
        }
        return prefix + key;
    }

    private static IOException failure(String what, B2Exception e) {
        return new IOException("B2 " + what + " failed: " + describe(e), e);
    }

    /** Status, code and message as B2 gave them: never a header, URL or token. */
    static String describe(B2Exception e) {
        return e.getStatus() + " " + e.getCode() + ": " + e.getMessage();
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The host this process runs on, as large files' owner info names it. */
    static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown";
            }
        }
        return host;
    }

    /**
     * A range of an object read as successive ranged downloads of at most {@code piece} bytes.
     * The SDK retries a piece whose connection broke; a read of the whole object is checked
     * against the SHA-1 B2 keeps for it when it ends.
     */
    private final class Pieces extends InputStream {
        private final String name;
        private final long end;
        private final MessageDigest wholeSha1;
        private String expectedSha1;
        private long next;
        private byte[] buffer = new byte[0];
        private int position;

        Pieces(String name, long offset, long length) {
            this.name = name;
            this.next = offset;
            this.end = offset + length;
            this.wholeSha1 = offset == 0 ? sha1() : null;
        }

        /** Fetches the next piece into the buffer; false at the end of the range. */
        boolean fetch() throws IOException {
            if (next >= end) {
                return false;
            }
            long to = Math.min(end, next + piece);
            long from = next;
            Map<String, String> headers = new java.util.HashMap<>();
            ByteArrayOutputStream[] received = new ByteArrayOutputStream[1];
            try {
                client.downloadByName(B2DownloadByNameRequest.builder(bucketName(), name).setRange(B2ByteRange.between(from, to - 1)).build(),
                        (B2Headers h, InputStream in) -> {
                            // called again from the start when the SDK retries a broken piece
                            received[0] = new ByteArrayOutputStream((int) (to - from));
                            in.transferTo(received[0]);
                            headers.put("sha1", h.getContentSha1EvenIfUnverifiedOrNull());
                            headers.put("large", h.getLargeFileSha1OrNull());
                            headers.put("range", h.getValueOrNull(B2Headers.CONTENT_RANGE));
                        });
            } catch (B2NotFoundException e) {
                throw new NoSuchFileException(name.substring(prefix.length()));
            } catch (B2Exception e) {
                throw failure("download of " + name.substring(prefix.length()), e);
            }
            buffer = received[0].toByteArray();
            position = 0;
            if (buffer.length != to - from) {
                throw new EOFException("B2 returned " + buffer.length + " bytes for " + (to - from) + " asked of " + name);
            }
            if (expectedSha1 == null) {
                // only a read of the whole object has a SHA-1 to be checked against
                String range = headers.get("range");
                long total = range == null ? -1 : Long.parseLong(range.substring(range.lastIndexOf('/') + 1));
                String sha1 = headers.get("sha1") != null && !headers.get("sha1").equals("none") ? headers.get("sha1") : headers.get("large");
                expectedSha1 = wholeSha1 != null && total == end && sha1 != null ? sha1 : "";
            }
            if (wholeSha1 != null) {
                wholeSha1.update(buffer);
            }
            next = to;
            if (next >= end && wholeSha1 != null && expectedSha1 != null && !expectedSha1.isEmpty()) {
                String actual = HexFormat.of().formatHex(wholeSha1.digest());
                if (!actual.equalsIgnoreCase(expectedSha1)) {
                    throw new IOException("B2 object " + name + " does not match its SHA-1 (" + expectedSha1 + ", read " + actual + ")");
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (position >= buffer.length) {
                if (!fetch()) {
                    return -1;
                }
            }
            int n = Math.min(len, buffer.length - position);
            System.arraycopy(buffer, position, b, off, n);
            position += n;
            return n;
        }
    }
}
