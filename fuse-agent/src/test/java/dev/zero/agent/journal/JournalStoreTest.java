package dev.zero.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.JournalRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());
    private static final Instant T = Instant.parse("2026-11-25T10:00:00.123456789Z");

    @TempDir
    Path dir;

    static List<JournalRecord> records(long from, int count) {
        List<JournalRecord> out = new ArrayList<>();
        for (long seq = from; seq < from + count; seq++) {
            out.add(JournalRecord.create(seq, 100 + seq, 1, "f" + seq, new FileMeta(FileType.FILE, seq, 0644, 0, 0, 1, T, T, T, 0), null));
        }
        return out;
    }

    long segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".jsonl")).count();
        }
    }

    @Test
    @DisplayName("records written survive a reopen, in order, with nanosecond times")
    void appendThenReopen_readsSameRecords() throws IOException {
        try (JournalStore store = new JournalStore(dir, JSON, 1 << 20)) {
            store.append(records(1, 50));
        }
        try (JournalStore store = new JournalStore(dir, JSON, 1 << 20)) {
            assertThat(store.lastSeq()).isEqualTo(50);
            List<JournalRecord> read = store.read(1, 100);
            assertThat(read).isEqualTo(records(1, 50));
            assertThat(read.get(0).meta().mtime()).isEqualTo(T);
        }
    }

    @Test
    @DisplayName("a torn last line (a crash mid-write) is cut off and numbering continues after the last whole record")
    void tornTail_cutOff() throws IOException {
        try (JournalStore store = new JournalStore(dir, JSON, 1 << 20)) {
            store.append(records(1, 10));
        }
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.findFirst().orElseThrow();
        }
        Files.writeString(segment, "{\"seq\":11,\"op\":\"CRE", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (JournalStore store = new JournalStore(dir, JSON, 1 << 20)) {
            assertThat(store.lastSeq()).isEqualTo(10);
            store.append(records(11, 2));
            assertThat(store.read(1, 100)).extracting(JournalRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        }
    }

    @Test
    @DisplayName("reading in batches continues where the last batch stopped, across segments")
    void batchedReads_acrossSegments() throws IOException {
        try (JournalStore store = new JournalStore(dir, JSON, 4096)) {
            for (int i = 0; i < 20; i++) {
                store.append(records(1 + i * 25L, 25));
            }
            assertThat(segments()).isGreaterThan(3);
            List<Long> seen = new ArrayList<>();
            for (long from = 1; from <= 500; ) {
                List<JournalRecord> batch = store.read(from, 37);
                assertThat(batch).isNotEmpty();
                batch.forEach(r -> seen.add(r.seq()));
                from = batch.get(batch.size() - 1).seq() + 1;
            }
            assertThat(seen).hasSize(500).doesNotHaveDuplicates().isSorted();
            assertThat(store.read(250, 1)).extracting(JournalRecord::seq).containsExactly(250L);
        }
    }

    @Test
    @DisplayName("segments wholly acknowledged are deleted; the rest stay readable")
    void trim_deletesAcknowledgedSegments() throws IOException {
        try (JournalStore store = new JournalStore(dir, JSON, 4096)) {
            for (int i = 0; i < 10; i++) {
                store.append(records(1 + i * 25L, 25));
            }
            long before = segments();
            store.trim(200);
            assertThat(segments()).isLessThan(before);
            assertThat(store.firstSeq()).isLessThanOrEqualTo(201);
            assertThat(store.read(201, 1000)).extracting(JournalRecord::seq).startsWith(201L).endsWith(250L);
        }
    }

    @Test
    void clear_restartsNumbering() throws IOException {
        try (JournalStore store = new JournalStore(dir, JSON, 4096)) {
            store.append(records(1, 5));
            store.clear(900);
            assertThat(segments()).isZero();
            store.append(records(901, 2));
            assertThat(store.read(0, 10)).extracting(JournalRecord::seq).containsExactly(901L, 902L);
        }
        try (JournalStore store = new JournalStore(dir, JSON, 4096)) {
            assertThat(store.lastSeq()).isEqualTo(902);
        }
    }
}
