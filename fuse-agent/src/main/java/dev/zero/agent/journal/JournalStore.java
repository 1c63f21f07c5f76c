package dev.zero.agent.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.JournalRecord;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The journal on disk: numbered segment files {@code <firstSeq>.jsonl} of one JSON record per
 * line. {@link #append} writes a group of records and fsyncs once; a torn last line (a crash
 * mid-write) is cut off when the store opens. Segments wholly acknowledged by the service are
 * deleted. Not thread-safe: {@link Journal} serialises access.
 */
final class JournalStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JournalStore.class);
    private static final String SUFFIX = ".jsonl";

    private final Path dir;
    private final ObjectMapper json;
    private final long segmentBytes;
    /** First sequence number of each segment -> its file. */
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private FileChannel active;
    private long activeSize;
    private long lastSeq;
    /** Where the last read stopped: the next sequence number, its segment and byte offset. */
    private long cursorSeq = -1;
    private long cursorSegment;
    private long cursorOffset;

    JournalStore(Path dir, ObjectMapper json, long segmentBytes) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.json = json;
        this.segmentBytes = segmentBytes;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(SUFFIX)) {
                    segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), file);
                }
            }
        }
        if (!segments.isEmpty()) {
            lastSeq = recoverTail(segments.lastEntry().getValue());
            if (lastSeq == 0) {
                lastSeq = segments.lastKey() - 1;
            }
        }
    }

    /** Highest sequence number on disk (0 if none). */
    long lastSeq() {
        return lastSeq;
    }

    /** Lowest sequence number still on disk, or {@code lastSeq + 1} if the journal is empty. */
    long firstSeq() {
        return segments.isEmpty() ? lastSeq + 1 : segments.firstKey();
    }

    /** Writes records (consecutive, following {@link #lastSeq}) and fsyncs them. */
    void append(List<JournalRecord> records) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(records.size() * 160);
        for (JournalRecord r : records) {
            json.writeValue(bytes, r);
            bytes.write('\n');
        }
        if (active == null || activeSize >= segmentBytes) {
            roll(records.get(0).seq());
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
        while (buffer.hasRemaining()) {
            active.write(buffer);
        }
        active.force(false);
        activeSize += bytes.size();
        lastSeq = records.get(records.size() - 1).seq();
    }

    /**
     * Up to {@code max} records from sequence number {@code from} on. Reading on from where the
     * previous read stopped (the shipper's usual case) continues at the remembered byte offset.
     */
    List<JournalRecord> read(long from, int max) throws IOException {
        List<JournalRecord> out = new ArrayList<>();
        Long segment;
        long offset;
        if (from == cursorSeq && segments.containsKey(cursorSegment)) {
            segment = cursorSegment;
            offset = cursorOffset;
        } else {
            segment = segments.floorKey(from);
            if (segment == null) {
                segment = segments.ceilingKey(from);
            }
            offset = 0;
        }
        long nextSeq = from;
        for (; segment != null && out.size() < max; segment = segments.higherKey(segment), offset = 0) {
            try (FileChannel channel = FileChannel.open(segments.get(segment), StandardOpenOption.READ);
                    var lines = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel.position(offset)),
                            StandardCharsets.UTF_8))) {
                for (String line; out.size() < max && (line = lines.readLine()) != null; ) {
                    offset += line.getBytes(StandardCharsets.UTF_8).length + 1;
                    if (line.isBlank()) {
                        continue;
                    }
                    JournalRecord r = json.readValue(line, JournalRecord.class);
                    if (r.seq() >= from) {
                        out.add(r);
                        nextSeq = r.seq() + 1;
                    }
                }
            }
            cursorSegment = segment;
            cursorOffset = offset;
        }
        cursorSeq = nextSeq;
        return out;
    }

    /** Deletes segments whose every record is at or below {@code acked}. */
    void trim(long acked) throws IOException {
        while (segments.size() > 1) {
            var first = segments.firstEntry();
            long nextFirst = segments.higherKey(first.getKey());
            if (nextFirst - 1 > acked) {
                break;
            }
            Files.deleteIfExists(first.getValue());
            segments.remove(first.getKey());
        }
        if (segments.size() == 1 && lastSeq <= acked && activeSize >= segmentBytes) {
            clear(lastSeq);
        }
    }

    /** Forgets every record; the next one appended will be {@code lastSeq + 1}. */
    void clear(long newLastSeq) throws IOException {
        closeActive();
        for (Path file : segments.values()) {
            Files.deleteIfExists(file);
        }
        segments.clear();
        lastSeq = newLastSeq;
        cursorSeq = -1;
    }

    private void roll(long firstSeq) throws IOException {
        closeActive();
        Path file = dir.resolve(firstSeq + SUFFIX);
        active = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        activeSize = active.size();
        segments.put(firstSeq, file);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private void closeActive() throws IOException {
        if (active != null) {
            active.close();
            active = null;
            activeSize = 0;
        }
    }

    /** Cuts a torn or unparsable tail off the last segment; returns the last good sequence number (0 if none). */
    private long recoverTail(Path file) throws IOException {
        byte[] content = Files.readAllBytes(file);
        long last = 0;
        int goodEnd = 0;
        int lineStart = 0;
        for (int i = 0; i < content.length; i++) {
            if (content[i] == '\n') {
                String line = new String(content, lineStart, i - lineStart, StandardCharsets.UTF_8);
                try {
                    if (!line.isBlank()) {
                        last = json.readValue(line, JournalRecord.class).seq();
                    }
                    goodEnd = i + 1;
                } catch (IOException | RuntimeException e) {
                    break;
                }
                lineStart = i + 1;
            }
        }
        if (goodEnd < content.length) {
            LOG.warnf("journal segment %s: cut %d bytes of a torn tail", file.getFileName(), content.length - goodEnd);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(goodEnd);
                ch.force(true);
            }
        }
        return last;
    }

    @Override
    public void close() {
        try {
            closeActive();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
