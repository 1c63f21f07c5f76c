package dev.zero.b2emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * An HTTP server that speaks the Backblaze B2 native API (/b2api/v1 to v4) closely enough for real
 * clients (rclone, b2-sdk-java) to run against it, storing objects under a directory.
 *
 * <pre>{@code
 * try (B2Emulator emu = B2Emulator.start(dir)) {
 *     // point a client at emu.url() with emu.accountId() / emu.applicationKey()
 *     emu.faults().failNext("b2_upload_file", 1, 503);
 *     assertThat(emu.calls("b2_upload_file")).isEqualTo(2);
 * }
 * }</pre>
 *
 * Standalone: {@code java -cp ... dev.zero.b2emulator.B2Emulator --port 8500 --dir /tmp/b2 [--account ID]
 * [--key KEY] [--bucket NAME] [--host 127.0.0.1] [--min-part-size BYTES] [--part-size BYTES]
 * [--token-lifetime SECONDS]}; prints the URL on stdout.
 */
public final class B2Emulator implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final Store store;
    private final Tokens tokens;
    private final Faults faults;
    private final String url;
    private final String accountId;
    private final String applicationKey;
    private final Store.Bucket bucket;
    private final long absoluteMinimumPartSize;
    private final long recommendedPartSize;
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

    private B2Emulator(Builder b) throws IOException {
        Files.createDirectories(b.dir);
        Store.Account account = Store.account(b.dir, b.accountId, b.applicationKey);
        this.accountId = account.accountId();
        this.applicationKey = account.applicationKey();
        this.absoluteMinimumPartSize = b.absoluteMinimumPartSize;
        this.recommendedPartSize = b.recommendedPartSize;
        this.store = Store.open(b.dir, b.clock);
        String bucketName = b.bucketName;
        if (bucketName == null) {
            bucketName = store.buckets().isEmpty() ? "emulator-" + random(4) : store.buckets().get(0).bucketName();
        }
        this.bucket = store.ensureBucket(accountId, bucketName, b.bucketType);
        this.tokens = new Tokens(b.clock, b.tokenLifetime, b.uploadTokenLifetime);
        this.faults = new Faults(tokens);
        if (b.seed != null) {
            faults.seed(b.seed);
        }
        this.server = HttpServer.create(new InetSocketAddress(b.host, b.port), 64);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", new Api(this, store, tokens, faults));
        server.start();
        this.url = "http://" + hostForUrl(b.host) + ":" + server.getAddress().getPort();
    }

    /** Starts an emulator on a free port of 127.0.0.1, with generated (or, on a reused directory, the stored) credentials. */
    public static B2Emulator start(Path storageDir) {
        return builder(storageDir).start();
    }

    public static Builder builder(Path storageDir) {
        return new Builder(storageDir);
    }

    /** The base URL of every call: the endpoint to authorize at, the apiUrl and the downloadUrl. */
    public String url() {
        return url;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Also the master application key id, which is what b2_authorize_account takes as the user name. */
    public String accountId() {
        return accountId;
    }

    public String applicationKey() {
        return applicationKey;
    }

    /** The bucket the emulator was started with (more can be made with b2_create_bucket). */
    public String bucketId() {
        return bucket.bucketId();
    }

    public String bucketName() {
        return bucket.bucketName();
    }

    public Faults faults() {
        return faults;
    }

    /** Calls received of one API, e.g. "b2_upload_file", whether answered with success or an error. */
    public long calls(String api) {
        LongAdder n = calls.get(api);
        return n == null ? 0 : n.sum();
    }

    /** Calls received that B2 bills as this class. */
    public long calls(TransactionClass cls) {
        return calls.entrySet().stream().filter(e -> TransactionClass.of(e.getKey()) == cls)
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    /** Calls received per API name, sorted by name. */
    public Map<String, Long> callCounts() {
        Map<String, Long> out = new TreeMap<>();
        calls.forEach((api, n) -> out.put(api, n.sum()));
        return out;
    }

    public void resetCalls() {
        calls.clear();
    }

    /** Large files started and neither finished nor cancelled, in every bucket. */
    public int unfinishedLargeFiles() {
        return store.unfinishedCount();
    }

    /**
     * The file holding the content of the current version of {@code fileName} in the emulator's
     * bucket, for a test to damage or delete (a download then serves the damage, or 404 when gone).
     *
     * @throws IllegalArgumentException when there is no such file
     */
    public Path dataOf(String fileName) {
        Store.Version v = store.current(bucket.bucketId(), fileName);
        if (v == null || !v.is("upload")) {
            throw new IllegalArgumentException("no file named " + fileName + " in bucket " + bucket.bucketName());
        }
        return store.data(v);
    }

    /** File versions (uploads, hide markers, unfinished large files) in the emulator's bucket. */
    public int fileVersions() {
        return store.versionCount(bucket.bucketId());
    }

    long absoluteMinimumPartSize() {
        return absoluteMinimumPartSize;
    }

    long recommendedPartSize() {
        return recommendedPartSize;
    }

    void count(String api) {
        calls.computeIfAbsent(api, k -> new LongAdder()).increment();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Settings for an emulator; {@link #start()} starts it. */
    public static final class Builder {
        private final Path dir;
        private String host = "127.0.0.1";
        private int port;
        private String accountId;
        private String applicationKey;
        private String bucketName;
        private String bucketType = "allPrivate";
        private Duration tokenLifetime = Duration.ofHours(24);
        private Duration uploadTokenLifetime = Duration.ofHours(24);
        private long absoluteMinimumPartSize = 5_000_000;
        private long recommendedPartSize = 100_000_000;
        private Long seed;
        private Clock clock = Clock.systemUTC();

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** 0 (the default) takes a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder accountId(String accountId) {
            this.accountId = accountId;
            return this;
        }

        public Builder applicationKey(String applicationKey) {
            this.applicationKey = applicationKey;
            return this;
        }

        /** The bucket to create if missing; by default the directory's first bucket, or a generated name. */
        public Builder bucketName(String bucketName) {
            this.bucketName = bucketName;
            return this;
        }

        /** allPrivate (the default) or allPublic, for a bucket that the emulator creates. */
        public Builder bucketType(String bucketType) {
            this.bucketType = bucketType;
            return this;
        }

        /** How long account tokens last (B2: 24 hours). */
        public Builder tokenLifetime(Duration lifetime) {
            this.tokenLifetime = lifetime;
            return this;
        }

        /** How long upload URL tokens last (B2: 24 hours). */
        public Builder uploadTokenLifetime(Duration lifetime) {
            this.uploadTokenLifetime = lifetime;
            return this;
        }

        /** The smallest part (but the last) that b2_finish_large_file accepts (B2: 5,000,000 bytes). */
        public Builder absoluteMinimumPartSize(long bytes) {
            this.absoluteMinimumPartSize = bytes;
            return this;
        }

        /** The part size b2_authorize_account recommends (B2: 100,000,000 bytes). */
        public Builder recommendedPartSize(long bytes) {
            this.recommendedPartSize = bytes;
            return this;
        }

        /** Seeds the random faults, for reproducible runs. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The clock for token expiry and upload timestamps. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public B2Emulator start() {
            try {
                return new B2Emulator(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the B2 emulator", e);
            }
        }
    }

    public static void main(String[] args) {
        Map<String, String> options = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument: " + args[i]);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        String dir = options.remove("dir");
        if (dir == null) {
            usage("--dir is required");
        }
        Builder b = builder(Path.of(dir));
        options.forEach((name, value) -> {
            switch (name) {
                case "port" -> b.port(Integer.parseInt(value));
                case "host" -> b.host(value);
                case "account" -> b.accountId(value);
                case "key" -> b.applicationKey(value);
                case "bucket" -> b.bucketName(value);
                case "bucket-type" -> b.bucketType(value);
                case "min-part-size" -> b.absoluteMinimumPartSize(Long.parseLong(value));
                case "part-size" -> b.recommendedPartSize(Long.parseLong(value));
                case "token-lifetime" -> b.tokenLifetime(Duration.ofSeconds(Long.parseLong(value)));
                case "seed" -> b.seed(Long.parseLong(value));
                default -> usage("unknown option --" + name);
            }
        });
        B2Emulator emu = b.start();
        Runtime.getRuntime().addShutdownHook(new Thread(emu::close));
        System.out.println(emu.url());
        System.out.flush();
        ObjectNode info = Shapes.JSON.createObjectNode().put("url", emu.url()).put("accountId", emu.accountId())
                .put("applicationKey", emu.applicationKey()).put("bucketName", emu.bucketName())
                .put("bucketId", emu.bucketId()).put("dir", dir);
        System.err.println("B2 emulator " + info);
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: B2Emulator --dir DIR [--port 0] [--host 127.0.0.1] [--account ID] [--key KEY]"
                + " [--bucket NAME] [--bucket-type allPrivate|allPublic] [--min-part-size BYTES]"
                + " [--part-size BYTES] [--token-lifetime SECONDS] [--seed N]");
        System.exit(2);
    }
}
