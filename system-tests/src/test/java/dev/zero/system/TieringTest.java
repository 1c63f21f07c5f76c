package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Files moving to the object store and back on `./zero up`, driven as a user drives them: the
 * shell on the mount, `./zero upload|evict|restore|where`, and the object store's directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieringTest implements OnTransport {
    private static final long MIB = 1 << 20;

    protected Path base;
    private Path ref;
    protected ZeroStack zero;

    @BeforeAll
    void up() throws Exception {
        String missing = Machine.missing();
        assumeTrue(missing == null, missing);
        base = Files.createTempDirectory("zero-tiering-");
        ref = Files.createDirectories(base.resolve("ref"));
        zero = new ZeroStack(base, "tiering");
        transport().select(zero);
        configure(zero);
        zero.up();
    }

    /** Settings of the stack under test before it starts (the fs store: none). */
    protected void configure(ZeroStack stack) throws Exception {
    }

    @Test
    @Order(0)
    @DisplayName("the mount is served by the transport configured, as the agent's health says")
    void servedByTheTransportConfigured() throws Exception {
        assertThat(zero.transport()).isEqualTo(transport().servedBy);
    }

    /** Where the store keeps the bytes of an object, so a test can damage or remove them. */
    protected Path objectFile(String key) throws Exception {
        return zero.home.resolve("objects").resolve(key);
    }

    /** The sizes of the big-file test: a sparse file and a dense one. */
    protected long sparseBytes() {
        return 5L << 30;
    }

    protected long denseBytes() {
        return 1L << 30;
    }

    @AfterAll
    void down() throws Exception {
        if (zero != null) {
            zero.close();
            Shell.run(Path.of("/"), "rm -rf " + base);
        }
    }

    private String sh(String script) throws Exception {
        return Shell.run(zero.mountpoint, script).trim();
    }

    /** Size and the three times as the mount shows them, to the nanosecond. */
    private String stat(String rel) throws Exception {
        return sh("stat -c '%s %x %y %z' " + rel);
    }

    private String sizeMtimeCtime(String rel) throws Exception {
        return sh("stat -c '%s %y %z' " + rel);
    }

    private long blocks(String rel) throws Exception {
        return Long.parseLong(sh("stat -c %b " + rel));
    }

    private ZeroStack.Result zeroOk(String... args) throws Exception {
        ZeroStack.Result r = zero.zero(args);
        if (r.exit() != 0) {
            String agent = zero.log("agent");
            String service = zero.log("service");
            assertThat(r.exit()).as("./zero " + String.join(" ", args) + ":\n" + r.output() + "\n--- agent log (end):\n"
                    + agent.substring(Math.max(0, agent.length() - 6000)) + "\n--- service log (end):\n" + service.substring(Math.max(0, service.length() - 4000)))
                    .isZero();
        }
        return r;
    }

    private String path(String rel) {
        return zero.mountpoint.resolve(rel).toString();
    }

    private List<JsonNode> downloads(String rel) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode t : zero.where(rel).path("catalogue").path("transfers")) {
            if (t.path("direction").asText().equals("DOWN")) {
                out.add(t);
            }
        }
        return out;
    }

    @Test
    @Order(1)
    @DisplayName("upload and evict: du drops, stat keeps size and all three times; cat, cmp, mmap and dd skip= read back identical")
    void uploadEvictRead() throws Exception {
        sh("mkdir t1 && head -c " + 30 * MIB + " /dev/urandom > t1/photo.raw && printf 'my notes\\n' > t1/notes.txt"
                + " && ln t1/photo.raw t1/same-photo && cp t1/photo.raw " + ref.resolve("photo.raw"));
        String photoBefore = stat("t1/photo.raw");
        String notesBefore = stat("t1/notes.txt");
        long duBefore = Long.parseLong(sh("du -sk t1 | cut -f1"));

        ZeroStack.Result upload = zeroOk("upload", path("t1"));
        assertThat(upload.output()).contains("upload: 2 files").contains("2 done");
        JsonNode synced = zero.where("t1/photo.raw");
        assertThat(synced.path("catalogue").path("state").asText()).isEqualTo("SYNCED");
        assertThat(synced.path("host").path("tier").path("state").asText()).isEqualTo("SYNCED");
        assertThat(synced.path("catalogue").path("stored").path("chunks").asInt()).isEqualTo(8);
        assertThat(synced.path("catalogue").path("paths")).hasSize(2);

        ZeroStack.Result evict = zeroOk("evict", path("t1"));
        assertThat(evict.output()).contains("2 done");
        long duAfter = Long.parseLong(sh("du -sk t1 | cut -f1"));
        assertThat(duAfter).as("du after eviction (was " + duBefore + " KiB)").isLessThan(duBefore / 100);
        assertThat(blocks("t1/photo.raw")).isLessThanOrEqualTo(8);
        assertThat(stat("t1/photo.raw")).isEqualTo(photoBefore);
        assertThat(stat("t1/same-photo")).isEqualTo(photoBefore);
        assertThat(stat("t1/notes.txt")).isEqualTo(notesBefore);
        JsonNode evicted = zero.where("t1/photo.raw");
        assertThat(evicted.path("catalogue").path("state").asText()).isEqualTo("EVICTED");
        assertThat(evicted.path("host").path("tier").path("state").asText()).isEqualTo("EVICTED");
        assertThat(zero.where("t1/notes.txt").path("host").path("tier").path("state").asText()).isEqualTo("EVICTED");

        // a ranged read fetches only the chunk under it
        long offset = 21 * MIB + 12345;
        assertThat(sh("dd if=t1/photo.raw bs=4096 iflag=skip_bytes,count_bytes skip=" + offset + " count=4096 status=none | sha256sum"))
                .isEqualTo(sh("dd if=" + ref.resolve("photo.raw") + " bs=4096 iflag=skip_bytes,count_bytes skip=" + offset
                        + " count=4096 status=none | sha256sum"));
        List<JsonNode> first = downloads("t1/photo.raw");
        assertThat(first).hasSize(1);
        assertThat(first.get(0).path("range").asText()).isEqualTo("bytes " + 20 * MIB + "-" + (24 * MIB - 1) + "/" + 30 * MIB);
        assertThat(zero.where("t1/photo.raw").path("host").path("tier").path("state").asText()).isEqualTo("RESTORING");
        assertThat(sizeMtimeCtime("t1/photo.raw")).isEqualTo(photoBefore.replaceFirst(" \\S+ \\S+ \\S+ ", " "));

        // whole reads: cat, cmp, mmap
        assertThat(sh("cat t1/notes.txt")).isEqualTo("my notes");
        sh("cmp t1/photo.raw " + ref.resolve("photo.raw"));
        assertThat(sh("python3 -c 'import mmap, hashlib; f = open(\"t1/same-photo\", \"rb\"); "
                + "print(hashlib.sha256(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)).hexdigest())'"))
                .isEqualTo(sh("sha256sum " + ref.resolve("photo.raw") + " | cut -d' ' -f1"));
        JsonNode back = zero.where("t1/photo.raw");
        assertThat(back.path("host").path("tier").path("state").asText()).isEqualTo("SYNCED");
        assertThat(back.path("catalogue").path("state").asText()).isEqualTo("SYNCED");
        assertThat(sizeMtimeCtime("t1/photo.raw")).isEqualTo(sizeMtimeCtime("t1/same-photo"));
        assertThat(sh("stat -c '%s %y %z' t1/photo.raw")).isEqualTo(photoBefore.replaceFirst(" \\S+ \\S+ \\S+ ", " "));
        assertThat(zero.zero("where", path("t1/photo.raw")).output()).contains("SYNCED").contains("DOWN").contains("UP")
                .contains("sha256:");
    }

    @Test
    @Order(2)
    @DisplayName("times (all three) are identical through the mount before an eviction and after ./zero restore")
    void timesSurviveEvictAndRestore() throws Exception {
        sh("mkdir t2 && head -c " + 9 * MIB + " /dev/urandom > t2/f && touch -d '2001-02-03 04:05:06.123456789' t2/f && chmod 640 t2/f");
        String before = stat("t2/f");
        zeroOk("upload", path("t2/f"));
        zeroOk("evict", path("t2/f"));
        assertThat(stat("t2/f")).isEqualTo(before);
        ZeroStack.Result restore = zeroOk("restore", path("t2/f"));
        assertThat(restore.output()).contains("1 done");
        assertThat(stat("t2/f")).isEqualTo(before);
        assertThat(blocks("t2/f")).isGreaterThanOrEqualTo(9 * MIB / 512);
        zeroOk("warmup", path("t2/f"));
    }

    @Test
    @Order(3)
    @DisplayName("a big sparse file (5 GiB; 256 MiB on b2) and a dense one (1 GiB; 64 MiB): a 4 KiB read at the end fetches only the last chunk")
    void bigFilesFetchOnlyWhatIsRead() throws Exception {
        sh("mkdir t3 && truncate -s " + sparseBytes() + " t3/sparse && printf 'end of the sparse file' | dd of=t3/sparse bs=1 seek="
                + (sparseBytes() - 22) + " conv=notrunc status=none && head -c " + denseBytes() + " /dev/urandom > t3/dense");
        String denseTail = sh("tail -c 4096 t3/dense | sha256sum");
        String sparseTail = sh("tail -c 4096 t3/sparse | sha256sum");
        zeroOk("upload", path("t3"));
        zeroOk("evict", path("t3"));
        long restoredBefore = zero.agentStatus().path("cache").path("restoredBytes").asLong();
        assertThat(sh("tail -c 4096 t3/dense | sha256sum")).isEqualTo(denseTail);
        assertThat(sh("tail -c 4096 t3/sparse | sha256sum")).isEqualTo(sparseTail);
        for (String f : List.of("t3/dense", "t3/sparse")) {
            List<JsonNode> fetched = downloads(f);
            assertThat(fetched).as(f + " downloads").hasSize(1);
            assertThat(fetched.get(0).path("bytes").asLong()).as(f + " bytes fetched").isLessThanOrEqualTo(4 * MIB);
        }
        long restored = zero.agentStatus().path("cache").path("restoredBytes").asLong() - restoredBefore;
        assertThat(restored).as("bytes the agent fetched and verified").isLessThanOrEqualTo(8 * MIB);
        assertThat(zero.agentMetrics()).contains("zero_tier_restored_bytes_total");
    }

    @Test
    @Order(4)
    @DisplayName("a damaged or deleted stored object: EIO, the file stays evicted, and where and the metrics show the failure")
    void damagedOrMissingObject_eio() throws Exception {
        sh("mkdir t4 && head -c " + 10 * MIB + " /dev/urandom > t4/damaged && head -c " + MIB + " /dev/urandom > t4/gone");
        zeroOk("upload", path("t4"));
        zeroOk("evict", path("t4"));
        Path damaged = objectFile(zero.where("t4/damaged").path("catalogue").path("stored").path("key").asText());
        // flip the byte (a constant would leave it intact once in 256 runs of random data)
        Shell.run(Path.of("/"), "python3 -c \"import sys; f = open(sys.argv[1], 'r+b'); f.seek(" + (6 * MIB + 7) + "); b = f.read(1); f.seek(" + (6 * MIB + 7)
                + "); f.write(bytes([b[0] ^ 0xff]))\" " + damaged);
        String read = "python3 -c 'import sys, errno\ntry:\n    f = open(sys.argv[1], \"rb\"); f.seek(" + 5 * MIB
                + "); f.read(" + 3 * MIB + ")\n    print(\"read\")\nexcept OSError as e:\n    print(errno.errorcode[e.errno])' ";
        assertThat(sh(read + "t4/damaged")).isEqualTo("EIO");
        JsonNode where = zero.where("t4/damaged");
        assertThat(where.path("host").path("tier").path("state").asText()).isIn("EVICTED", "RESTORING");
        assertThat(where.path("host").path("lastRestoreFailure").asText()).contains("SHA-256");
        assertThat(zero.agentStatus().path("cache").path("corruptChunks").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(zero.agentMetrics()).containsPattern("zero_tier_corrupt_total [1-9]");
        assertThat(blocks("t4/damaged")).as("no damaged bytes kept").isLessThanOrEqualTo(2 * MIB / 512 + 8);

        Path gone = objectFile(zero.where("t4/gone").path("catalogue").path("stored").path("key").asText());
        Files.delete(gone);
        assertThat(sh(read.replace(String.valueOf(5 * MIB), "0") + "t4/gone")).isEqualTo("EIO");
        JsonNode goneWhere = zero.where("t4/gone");
        assertThat(goneWhere.path("host").path("tier").path("state").asText()).isEqualTo("EVICTED");
        assertThat(goneWhere.path("host").path("lastRestoreFailure").asText()).isNotEmpty();
        assertThat(zero.agentMetrics()).containsPattern("zero_tier_restore_failures_total [1-9]");
        assertThat(blocks("t4/gone")).isLessThanOrEqualTo(8);
    }

    @Test
    @Order(5)
    @DisplayName("an open file is not evicted, and a file written during its upload is not recorded with stale content")
    void openOrWrittenFiles() throws Exception {
        sh("mkdir t5 && head -c " + MIB + " /dev/urandom > t5/open && head -c " + 200 * MIB + " /dev/urandom > t5/busy");
        zeroOk("upload", path("t5/open"));
        Process holder = new ProcessBuilder("python3", "-c", "import time; f = open('t5/open'); print('open', flush=True); time.sleep(60)")
                .directory(zero.mountpoint.toFile()).start();
        try {
            assertThat(new String(holder.getInputStream().readNBytes(4))).isEqualTo("open");
            ZeroStack.Result refused = zero.zero("evict", path("t5/open"));
            assertThat(refused.exit()).isEqualTo(3);
            assertThat(refused.output()).contains("refused").contains("open");
            assertThat(zero.where("t5/open").path("host").path("tier").path("state").asText()).isEqualTo("SYNCED");
        } finally {
            holder.destroy();
            holder.waitFor();
        }
        zeroOk("evict", path("t5/open"));

        // a writer keeps changing the file while it uploads
        Process writer = new ProcessBuilder("bash", "-c", "for i in $(seq 1 400); do printf x >> t5/busy; sleep 0.01; done")
                .directory(zero.mountpoint.toFile()).start();
        ZeroStack.Result during = zero.zero("upload", path("t5/busy"));
        writer.waitFor();
        assertThat(during.output()).as("the upload while written").containsAnyOf("refused", "1 done");
        String content = sh("sha256sum t5/busy | cut -d' ' -f1");
        JsonNode after = zero.where("t5/busy");
        if (after.path("catalogue").path("state").asText().equals("SYNCED")) {
            assertThat(after.path("catalogue").path("stored").path("sha256").asText()).as("a synced copy is the current content").isEqualTo(content);
        } else {
            assertThat(after.path("host").path("tier").path("state").asText()).isEqualTo("LOCAL");
        }
        zeroOk("upload", path("t5/busy"));
        JsonNode synced = zero.where("t5/busy");
        assertThat(synced.path("catalogue").path("state").asText()).isEqualTo("SYNCED");
        assertThat(synced.path("catalogue").path("stored").path("sha256").asText()).isEqualTo(content);
    }

    @Test
    @Order(6)
    @DisplayName("O_TRUNC of an evicted file needs no restore; a write to an evicted file restores it first")
    void truncateAndWriteEvicted() throws Exception {
        sh("mkdir t6 && head -c " + 5 * MIB + " /dev/urandom > t6/trunc && head -c " + 5 * MIB + " /dev/urandom > t6/append"
                + " && cp t6/append " + ref.resolve("append"));
        zeroOk("upload", path("t6"));
        zeroOk("evict", path("t6"));
        sh("printf new > t6/trunc");
        assertThat(sh("cat t6/trunc")).isEqualTo("new");
        assertThat(downloads("t6/trunc")).isEmpty();
        sh("printf more >> t6/append && printf more >> " + ref.resolve("append"));
        sh("cmp t6/append " + ref.resolve("append"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(zero.where("t6/trunc").path("catalogue").path("state").asText()).isEqualTo("LOCAL");
            assertThat(zero.where("t6/append").path("catalogue").path("state").asText()).isEqualTo("LOCAL");
        });
    }

    @Test
    @Order(7)
    @DisplayName("df on the mount shows the logical, 'infinite' view: a petabyte, used = the files' logical size")
    void statfsIsLogical() throws Exception {
        String[] df = sh("df -B1 --output=size,used . | tail -1").trim().split("\\s+");
        assertThat(Long.parseLong(df[0])).isGreaterThanOrEqualTo(1L << 50);
        assertThat(Long.parseLong(df[1])).as("used includes the evicted sparse and dense files").isGreaterThan(sparseBytes() + denseBytes());
        JsonNode cache = zero.agentStatus().path("cache");
        assertThat(cache.path("allocatedBytes").asLong()).as("bytes really on disk").isLessThan(denseBytes() + (1L << 30));
        assertThat(cache.path("logicalBytes").asLong()).isGreaterThan(sparseBytes() + denseBytes());
    }
}
