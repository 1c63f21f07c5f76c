package dev.zero.system;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.zero.api.CatalogueEntry;
import dev.zero.api.FileType;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One Zero installation as a user runs it: {@code ./zero up} with its own ZERO_HOME, ports and
 * volume, driven from outside through the shell, the mount and the REST API.
 */
final class ZeroStack implements AutoCloseable {
    static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    final Path home;
    final Path mountpoint;
    final String volume;
    final int port;
    final int agentPort;
    /** Extra environment for the processes `./zero up` starts (e.g. agent settings as ZERO_AGENT_* variables). */
    final Map<String, String> env = new java.util.HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    ZeroStack(Path base, String volume) throws IOException {
        this.home = Files.createDirectories(base.resolve("home"));
        this.mountpoint = base.resolve("mnt");
        this.volume = volume;
        this.port = freePort();
        this.agentPort = freePort();
    }

    /** What a command printed and how it ended. */
    record Result(int exit, String output) {
    }

    Result zero(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = REPO.resolve("zero").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true);
        pb.environment().put("ZERO_HOME", home.toString());
        pb.environment().put("ZERO_PORT", Integer.toString(port));
        pb.environment().put("ZERO_AGENT_PORT", Integer.toString(agentPort));
        pb.environment().put("ZERO_VOLUME", volume);
        pb.environment().put("ZERO_CONFIG", home.resolve("no-config.yml").toString());
        pb.environment().put("ZERO_NO_BUILD", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("./zero " + String.join(" ", args) + " did not finish:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    Result up() throws IOException, InterruptedException {
        Result r = zero("up", mountpoint.toString());
        if (r.exit() != 0) {
            throw new IllegalStateException("./zero up failed:\n" + r.output() + "\n--- agent log:\n" + log("agent"));
        }
        return r;
    }

    String log(String name) {
        try {
            return Files.readString(home.resolve("logs").resolve(name + ".log"));
        } catch (IOException e) {
            return "(no " + name + " log)";
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** A token the launcher made: "admin", "enrolment" or "agent-api". */
    String token(String which) throws IOException {
        return Files.readString(home.resolve(which + "-token")).strip();
    }

    /** This host's own credential, as its agent got it at enrolment. */
    String hostCredential() throws IOException {
        return Files.readString(home.resolve("cache").resolve("state").resolve("host-credential")).strip();
    }

    /** A curl command line for the agent's own API at {@code path} (under /agent/v1), with its token. */
    String agentCurl(String path) throws IOException {
        return "curl -s -H 'Authorization: Bearer " + token("agent-api") + "' http://127.0.0.1:" + agentPort + "/agent/v1" + path;
    }

    Path backing() {
        return home.resolve("cache").resolve("tree");
    }

    long pid(String process) throws IOException {
        return Long.parseLong(Files.readString(home.resolve("run").resolve(process + ".pid")).strip());
    }

    HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** `./zero where --json PATH`: {"catalogue": FileView, "host": the agent's view}. */
    com.fasterxml.jackson.databind.JsonNode where(String relative) throws IOException, InterruptedException {
        Result r = zero("where", "--json", mountpoint.resolve(relative).toString());
        if (r.exit() != 0) {
            throw new IllegalStateException("./zero where " + relative + " failed:\n" + r.output());
        }
        String out = r.output().trim();
        return JSON.readTree(out.substring(out.lastIndexOf("{\"catalogue\"")));
    }

    /** The agent's own status (journal and cache). */
    com.fasterxml.jackson.databind.JsonNode agentStatus() throws IOException, InterruptedException {
        return JSON.readTree(agentGet("/agent/v1/status", token("agent-api")));
    }

    /** How the agent's health says its mount is served ("kernel (passthrough on, requests over io_uring)", "jnr-fuse"). */
    String transport() throws IOException, InterruptedException {
        com.fasterxml.jackson.databind.JsonNode health = JSON.readTree(agentGet("/q/health", null));
        for (com.fasterxml.jackson.databind.JsonNode check : health.path("checks")) {
            if (check.path("data").has("transport")) {
                return check.path("data").path("transport").asText();
            }
        }
        throw new IllegalStateException("the agent's health names no transport: " + health);
    }

    /** The agent's Prometheus metrics, as text. */
    String agentMetrics() throws IOException, InterruptedException {
        return agentGet("/q/metrics", null);
    }

    /** The body of a GET of the agent's own HTTP endpoint {@code path}, with {@code token} if not null. */
    private String agentGet(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The catalogue's view of the volume: path -> entry. */
    Map<String, CatalogueEntry> catalogue() throws IOException, InterruptedException {
        HttpResponse<String> answer = get("/api/v1/admin/volumes/" + volume + "/tree", token("admin"));
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("tree: " + answer.statusCode() + " " + answer.body());
        }
        Map<String, CatalogueEntry> tree = new TreeMap<>();
        for (CatalogueEntry e : JSON.readValue(answer.body(), CatalogueEntry[].class)) {
            tree.put(e.path(), e);
        }
        return tree;
    }

    /** The backing tree described the way the catalogue describes it, for comparison. */
    Map<String, String> backingTree() throws IOException {
        Map<String, String> tree = new TreeMap<>();
        Path root = backing();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) {
                    tree.put(root.relativize(dir).toString(), describe(dir));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!file.getFileName().toString().startsWith(".fuse_hidden")) {
                    tree.put(root.relativize(file).toString(), describe(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return tree;
    }

    static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,nlink,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        String type = switch (mode & 0170000) {
            case 0040000 -> "DIRECTORY";
            case 0120000 -> "SYMLINK";
            case 0010000 -> "FIFO";
            default -> "FILE";
        };
        boolean dir = type.equals("DIRECTORY");
        String mtime = dir ? "-" : micros(((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toInstant());
        return String.format("%s size=%d mode=%o uid=%s gid=%s nlink=%s mtime=%s", type, dir ? -1 : (Long) a.get("size"), mode & 07777,
                a.get("uid"), a.get("gid"), dir ? "-" : a.get("nlink"), mtime);
    }

    /**
     * The catalogue described like {@link #backingTree()}. A directory's size, link count and
     * times follow from its entries, which are compared themselves.
     */
    Map<String, String> catalogueTree() throws IOException, InterruptedException {
        Map<String, String> tree = new TreeMap<>();
        for (CatalogueEntry e : catalogue().values()) {
            var m = e.meta();
            boolean dir = m.type() == FileType.DIRECTORY;
            tree.put(e.path(), String.format("%s size=%d mode=%o uid=%d gid=%d nlink=%s mtime=%s", m.type(), dir ? -1 : m.size(),
                    m.mode(), m.uid(), m.gid(), dir ? "-" : Integer.toString(m.nlink()), dir ? "-" : micros(m.mtime())));
        }
        return tree;
    }

    /** The catalogue keeps microseconds (PostgreSQL timestamps, truncated as stat shows them); compare at that precision. */
    static String micros(java.time.Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        Result down = zero("down");
        if (down.exit() != 0) {
            throw new IllegalStateException("./zero down failed:\n" + down.output());
        }
    }
}
