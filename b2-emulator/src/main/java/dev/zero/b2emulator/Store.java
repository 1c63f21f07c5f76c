package dev.zero.b2emulator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Buckets and file versions, kept on disk under one directory so an emulator restarted on it sees
 * the same files:
 * <pre>
 *   buckets.json            the buckets
 *   versions/FILEID.json    one file version (upload, hide, or start of an unfinished large file)
 *   data/FILEID             its content
 *   parts/FILEID/N.json     part N of an unfinished large file, and N.data its content
 *   tmp/                    uploads being received
 * </pre>
 * Metadata changes hold the store's lock; content is streamed to tmp/ before, outside it.
 */
final class Store {

    record Bucket(String accountId, String bucketId, String bucketName, String bucketType, int revision) {}

    /** One file version. {@code action} is upload, hide, start (unfinished large file) or folder (listings only). */
    record Version(String fileId, String bucketId, String fileName, String action, long contentLength,
                   String contentSha1, String contentMd5, String contentType, Map<String, String> fileInfo,
                   long uploadTimestamp, long seq, String serverSideEncryption) {

        boolean is(String a) {
            return action.equals(a);
        }

        static Version folder(String bucketId, String name) {
            return new Version(null, bucketId, name, "folder", 0, null, null, null, Map.of(), 0, 0, null);
        }
    }

    record Part(String fileId, int partNumber, long contentLength, String contentSha1, String contentMd5,
                long uploadTimestamp) {}

    record Listing(List<Version> files, String nextFileName, String nextFileId) {}

    record Account(String accountId, String applicationKey) {}

    /** B2 sorts names by their UTF-8 bytes, which is code point order (not Java's UTF-16 order). */
    static final Comparator<String> NAME_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    /** Versions of one name, newest first. */
    private static final Comparator<Version> NEWEST_FIRST =
            Comparator.comparingLong(Version::uploadTimestamp).thenComparingLong(Version::seq).reversed();

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("'_d'yyyyMMdd'_m'HHmmss").withZone(ZoneOffset.UTC);

    private final Path root;
    private final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private final Map<String, Bucket> buckets = new LinkedHashMap<>();
    private final Map<String, TreeMap<String, List<Version>>> names = new LinkedHashMap<>();
    private final Map<String, Version> byId = new LinkedHashMap<>();
    private final Map<String, TreeMap<Integer, Part>> parts = new LinkedHashMap<>();
    private long seq;
    private long lastTimestamp;

    private Store(Path root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    static Store open(Path root, Clock clock) {
        Store store = new Store(root, clock);
        try {
            for (String dir : List.of("versions", "data", "parts", "tmp")) {
                Files.createDirectories(root.resolve(dir));
            }
            store.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the emulator's storage at " + root, e);
        }
        return store;
    }

    /**
     * The credentials: those given, else the ones stored in account.json by an earlier run on this
     * directory, else generated ones; stored for the next run.
     */
    static Account account(Path root, String accountId, String applicationKey) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path file = root.resolve("account.json");
        Account stored = Files.exists(file) ? json.readValue(file.toFile(), Account.class) : null;
        Account account = new Account(
                accountId != null ? accountId : stored != null ? stored.accountId : B2Emulator.random(6),
                applicationKey != null ? applicationKey : stored != null ? stored.applicationKey : "K000" + B2Emulator.random(13));
        if (!account.equals(stored)) {
            json.writeValue(file.toFile(), account);
        }
        return account;
    }

    // ---- buckets ----

    synchronized List<Bucket> buckets() {
        return List.copyOf(buckets.values());
    }

    synchronized Bucket bucket(String bucketId) {
        return bucketId == null ? null : buckets.get(bucketId);
    }

    synchronized Bucket bucketByName(String name) {
        return buckets.values().stream().filter(b -> b.bucketName.equals(name)).findFirst().orElse(null);
    }

    /** The bucket of that name, created if missing (the emulator's default bucket). */
    synchronized Bucket ensureBucket(String accountId, String name, String type) {
        Bucket b = bucketByName(name);
        return b != null ? b : createBucket(accountId, name, type);
    }

    synchronized Bucket createBucket(String accountId, String name, String type) {
        if (bucketByName(name) != null) {
            throw new B2Error(400, "duplicate_bucket_name", "Bucket name is already in use.");
        }
        byte[] id = new byte[12];
        random.nextBytes(id);
        Bucket b = new Bucket(accountId, HexFormat.of().formatHex(id), name, type, 1);
        buckets.put(b.bucketId, b);
        names.put(b.bucketId, new TreeMap<>(NAME_ORDER));
        saveBuckets();
        return b;
    }

    synchronized Bucket updateBucket(String bucketId, String type) {
        Bucket b = requireBucket(bucketId);
        Bucket updated = new Bucket(b.accountId, b.bucketId, b.bucketName, type != null ? type : b.bucketType, b.revision + 1);
        buckets.put(bucketId, updated);
        saveBuckets();
        return updated;
    }

    synchronized Bucket deleteBucket(String bucketId) {
        Bucket b = requireBucket(bucketId);
        if (!names.get(bucketId).isEmpty()) {
            throw new B2Error(400, "cannot_delete_non_empty_bucket",
                    "Cannot delete non-empty bucket");
        }
        buckets.remove(bucketId);
        names.remove(bucketId);
        saveBuckets();
        return b;
    }

    synchronized Bucket requireBucket(String bucketId) {
        Bucket b = bucket(bucketId);
        if (b == null) {
            throw B2Error.badBucketId(bucketId);
        }
        return b;
    }

    // ---- files ----

    Path newTempFile() {
        try {
            return Files.createTempFile(root.resolve("tmp"), "upload-", ".tmp");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path data(Version v) {
        return root.resolve("data").resolve(v.fileId);
    }

    /** Stores received content as a new version of {@code name}; {@code temp} is moved into the store. */
    synchronized Version putFile(String bucketId, String name, String contentType, Map<String, String> info,
                                 String sse, Path temp, long length, String sha1, String md5) {
        requireBucket(bucketId);
        Version v = new Version(newFileId(bucketId), bucketId, name, "upload", length, sha1, md5, contentType,
                new TreeMap<>(info), nextTimestamp(), ++seq, sse);
        move(temp, data(v));
        add(v);
        return v;
    }

    synchronized Version hide(String bucketId, String name) {
        requireBucket(bucketId);
        Version current = current(bucketId, name);
        if (current == null) {
            throw new B2Error(404, "no_such_file", "File not present: " + name);
        }
        if (current.is("hide")) {
            throw new B2Error(400, "already_hidden", "File already hidden: " + name);
        }
        Version v = new Version(newFileId(bucketId), bucketId, name, "hide", 0,
                "da39a3ee5e6b4b0d3255bfef95601890afd80709", "d41d8cd98f00b204e9800998ecf8427e",
                "application/x-bz-hide-marker", Map.of(), nextTimestamp(), ++seq, null);
        add(v);
        return v;
    }

    /** Deletes one version; deleting the "start" version of an unfinished large file cancels it. */
    synchronized Version deleteVersion(String fileName, String fileId) {
        Version v = byId.get(fileId);
        if (v == null || !v.fileName.equals(fileName)) {
            throw new B2Error(400, "file_not_present", "File not present: " + fileName + " " + fileId);
        }
        remove(v);
        return v;
    }

    synchronized Version version(String fileId) {
        return fileId == null ? null : byId.get(fileId);
    }

    /** The newest version of a name that is not an unfinished large file: what downloads by name see. */
    synchronized Version current(String bucketId, String name) {
        List<Version> versions = names.getOrDefault(bucketId, new TreeMap<>()).get(name);
        if (versions == null) {
            return null;
        }
        return versions.stream().filter(v -> !v.is("start")).findFirst().orElse(null);
    }

    synchronized int versionCount(String bucketId) {
        return names.getOrDefault(bucketId, new TreeMap<>()).values().stream().mapToInt(List::size).sum();
    }

    /**
     * b2_list_file_names (allVersions false: the current version of each name, if it is an upload) and
     * b2_list_file_versions (every version, newest first per name). With a delimiter, names below the
     * prefix that contain it are folded into one "folder" entry.
     */
    synchronized Listing list(String bucketId, boolean allVersions, String startFileName, String startFileId,
                              String prefix, String delimiter, int max) {
        TreeMap<String, List<Version>> all = names.get(bucketId);
        List<Version> out = new ArrayList<>();
        String from = startFileName == null || NAME_ORDER.compare(startFileName, prefix) < 0 ? prefix : startFileName;
        String key = all.ceilingKey(from);
        while (key != null && key.startsWith(prefix)) {
            if (delimiter != null && !delimiter.isEmpty()) {
                int at = key.indexOf(delimiter, prefix.length());
                if (at >= 0) {
                    String folder = key.substring(0, at + delimiter.length());
                    if (allVersions || hasVisible(all, folder)) {
                        if (out.size() == max) {
                            return new Listing(out, folder, null);
                        }
                        out.add(Version.folder(bucketId, folder));
                    }
                    key = all.ceilingKey(after(folder));
                    continue;
                }
            }
            List<Version> versions = all.get(key);
            if (allVersions) {
                boolean skipping = key.equals(startFileName) && startFileId != null
                        && versions.stream().anyMatch(v -> v.fileId.equals(startFileId));
                for (Version v : versions) {
                    if (skipping && !v.fileId.equals(startFileId)) {
                        continue;
                    }
                    skipping = false;
                    if (out.size() == max) {
                        return new Listing(out, v.fileName, v.fileId);
                    }
                    out.add(v);
                }
            } else {
                Version current = visible(versions);
                if (current != null) {
                    if (out.size() == max) {
                        return new Listing(out, key, null);
                    }
                    out.add(current);
                }
            }
            key = all.higherKey(key);
        }
        return new Listing(out, null, null);
    }

    // ---- large files ----

    synchronized Version startLarge(String bucketId, String name, String contentType, Map<String, String> info, String sse) {
        requireBucket(bucketId);
        Version v = new Version(newFileId(bucketId), bucketId, name, "start", 0, "none", null, contentType,
                new TreeMap<>(info), nextTimestamp(), ++seq, sse);
        try {
            Files.createDirectories(partsDir(v.fileId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        parts.put(v.fileId, new TreeMap<>());
        add(v);
        return v;
    }

    synchronized Version requireUnfinished(String fileId) {
        Version v = byId.get(fileId);
        if (v == null || !v.is("start")) {
            throw B2Error.badRequest("No active upload for: " + fileId);
        }
        return v;
    }

    /** Stores a part; uploading the same part number again replaces it, as on B2. */
    synchronized Part putPart(String fileId, int partNumber, Path temp, long length, String sha1, String md5) {
        requireUnfinished(fileId);
        Part p = new Part(fileId, partNumber, length, sha1, md5, clock.millis());
        move(temp, partsDir(fileId).resolve(partNumber + ".data"));
        writeJson(partsDir(fileId).resolve(partNumber + ".json"), p);
        parts.get(fileId).put(partNumber, p);
        return p;
    }

    synchronized List<Part> parts(String fileId) {
        requireUnfinished(fileId);
        return List.copyOf(parts.get(fileId).values());
    }

    /**
     * b2_finish_large_file: the parts must be 1..N with no gap, N at least 2, their SHA-1s as listed,
     * and each but the last at least {@code minimumPartSize} bytes. The parts are joined into the file.
     */
    synchronized Version finishLarge(String fileId, List<String> partSha1s, long minimumPartSize) {
        Version start = requireUnfinished(fileId);
        TreeMap<Integer, Part> uploaded = parts.get(fileId);
        if (partSha1s.size() < 2) {
            throw B2Error.badRequest("large files must have at least 2 parts");
        }
        for (int n = 1; n <= partSha1s.size(); n++) {
            if (!uploaded.containsKey(n)) {
                throw B2Error.badRequest("Part number " + n + " has not been uploaded");
            }
        }
        if (uploaded.size() != partSha1s.size()) {
            throw B2Error.badRequest("Part number " + uploaded.lastKey() + " was uploaded, but partSha1Array has "
                    + partSha1s.size() + " parts");
        }
        for (Part p : uploaded.values()) {
            if (!p.contentSha1.equalsIgnoreCase(partSha1s.get(p.partNumber - 1))) {
                throw B2Error.badRequest("Sha1 mismatch for part number " + p.partNumber);
            }
            if (p.partNumber < partSha1s.size() && p.contentLength < minimumPartSize) {
                throw B2Error.badRequest("Part number " + p.partNumber + " is smaller than the minimum part size: "
                        + p.contentLength + " < " + minimumPartSize);
            }
        }
        Path joined = newTempFile();
        long length = 0;
        try (OutputStream out = Files.newOutputStream(joined)) {
            for (Part p : uploaded.values()) {
                try (InputStream in = Files.newInputStream(partsDir(fileId).resolve(p.partNumber + ".data"))) {
                    length += in.transferTo(out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Version done = new Version(start.fileId, start.bucketId, start.fileName, "upload", length, "none", null,
                start.contentType, start.fileInfo, start.uploadTimestamp, start.seq, start.serverSideEncryption);
        move(joined, data(done));
        replace(start, done);
        deleteParts(fileId);
        return done;
    }

    synchronized Version cancelLarge(String fileId) {
        Version v = requireUnfinished(fileId);
        remove(v);
        return v;
    }

    /** Unfinished large files of a bucket, oldest first. */
    synchronized List<Version> unfinished(String bucketId, String namePrefix) {
        return byId.values().stream()
                .filter(v -> v.is("start") && v.bucketId.equals(bucketId))
                .filter(v -> namePrefix == null || v.fileName.startsWith(namePrefix))
                .sorted(Comparator.comparingLong(Version::seq))
                .toList();
    }

    synchronized int unfinishedCount() {
        return parts.size();
    }

    // ---- internals ----

    private static boolean hasVisible(TreeMap<String, List<Version>> all, String folder) {
        for (var e : all.tailMap(folder, true).entrySet()) {
            if (!e.getKey().startsWith(folder)) {
                return false;
            }
            if (visible(e.getValue()) != null) {
                return true;
            }
        }
        return false;
    }

    /** The version b2_list_file_names shows for a name: the current one, if it is an upload. */
    private static Version visible(List<Version> versions) {
        for (Version v : versions) {
            if (!v.is("start")) {
                return v.is("upload") ? v : null;
            }
        }
        return null;
    }

    /** The smallest string greater than every name that starts with {@code folder}. */
    private static String after(String folder) {
        int last = folder.codePointBefore(folder.length());
        return folder.substring(0, folder.length() - Character.charCount(last)) + Character.toString(last + 1);
    }

    private void add(Version v) {
        writeJson(versionFile(v.fileId), v);
        index(v);
    }

    private void index(Version v) {
        byId.put(v.fileId, v);
        List<Version> versions = names.get(v.bucketId).computeIfAbsent(v.fileName, k -> new ArrayList<>());
        versions.add(v);
        versions.sort(NEWEST_FIRST);
    }

    private void replace(Version old, Version now) {
        writeJson(versionFile(now.fileId), now);
        List<Version> versions = names.get(old.bucketId).get(old.fileName);
        versions.set(versions.indexOf(old), now);
        byId.put(now.fileId, now);
    }

    private void remove(Version v) {
        byId.remove(v.fileId);
        TreeMap<String, List<Version>> bucketNames = names.get(v.bucketId);
        List<Version> versions = bucketNames.get(v.fileName);
        versions.remove(v);
        if (versions.isEmpty()) {
            bucketNames.remove(v.fileName);
        }
        try {
            Files.deleteIfExists(versionFile(v.fileId));
            Files.deleteIfExists(data(v));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (v.is("start")) {
            deleteParts(v.fileId);
        }
    }

    private void deleteParts(String fileId) {
        parts.remove(fileId);
        Path dir = partsDir(fileId);
        try (Stream<Path> files = Files.exists(dir) ? Files.list(dir) : Stream.empty()) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String newFileId(String bucketId) {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        // The shape of B2's ids: 4_z<bucket>_f<hex>_d<date>_m<time>_c<cluster>_v<vault>_t<thread>.
        return "4_z" + bucketId + "_f" + HexFormat.of().formatHex(bytes).substring(1) + ID_TIME.format(clock.instant())
                + "_c000_v0001000_t" + String.format("%04d", seq % 10000);
    }

    /** Upload timestamps strictly increase, so versions of one name have a definite order. */
    private long nextTimestamp() {
        lastTimestamp = Math.max(clock.millis(), lastTimestamp + 1);
        return lastTimestamp;
    }

    private Path versionFile(String fileId) {
        return root.resolve("versions").resolve(fileId + ".json");
    }

    private Path partsDir(String fileId) {
        return root.resolve("parts").resolve(fileId);
    }

    private void saveBuckets() {
        writeJson(root.resolve("buckets.json"), List.copyOf(buckets.values()));
    }

    private void writeJson(Path file, Object value) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            json.writeValue(tmp.toFile(), value);
            move(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void load() throws IOException {
        Path bucketsFile = root.resolve("buckets.json");
        if (Files.exists(bucketsFile)) {
            for (Bucket b : json.readValue(bucketsFile.toFile(), Bucket[].class)) {
                buckets.put(b.bucketId, b);
                names.put(b.bucketId, new TreeMap<>(NAME_ORDER));
            }
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(root.resolve("versions"), "*.json")) {
            for (Path f : files) {
                Version v = json.readValue(f.toFile(), Version.class);
                if (buckets.containsKey(v.bucketId)) {
                    index(v);
                    seq = Math.max(seq, v.seq);
                    lastTimestamp = Math.max(lastTimestamp, v.uploadTimestamp);
                    if (v.is("start")) {
                        parts.put(v.fileId, loadParts(v.fileId));
                    }
                }
            }
        }
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(root.resolve("tmp"))) {
            for (Path f : leftovers) {
                Files.deleteIfExists(f); // uploads cut off by a stop
            }
        }
    }

    private TreeMap<Integer, Part> loadParts(String fileId) throws IOException {
        TreeMap<Integer, Part> loaded = new TreeMap<>();
        Path dir = partsDir(fileId);
        Files.createDirectories(dir);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                Part p = json.readValue(f.toFile(), Part.class);
                loaded.put(p.partNumber, p);
            }
        }
        return loaded;
    }
}
