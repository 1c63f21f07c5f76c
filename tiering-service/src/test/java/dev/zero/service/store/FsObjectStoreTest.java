package dev.zero.service.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsObjectStoreTest {
    @TempDir
    Path root;

    FsObjectStore store;

    @BeforeEach
    void open() throws IOException {
        store = new FsObjectStore(root, 4096);
    }

    static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void put_returnsSize_andGetReadsRanges() throws IOException {
        assertThat(store.put("v1/f2/1-x", bytes("hello world"), 11)).isEqualTo(11);
        try (InputStream in = store.get("v1/f2/1-x", 6, 5)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("world");
        }
        assertThat(store.size("v1/f2/1-x")).isEqualTo(11);
    }

    @Test
    void put_existingKey_refusedAndOriginalKept() throws IOException {
        store.put("k", bytes("first"), -1);
        assertThatThrownBy(() -> store.put("k", bytes("second"), -1)).isInstanceOf(FileAlreadyExistsException.class);
        try (InputStream in = store.get("k", 0, 100)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("first");
        }
    }

    @Test
    void put_streamShorterThanAnnounced_failsAndLeavesNothing() throws IOException {
        assertThatThrownBy(() -> store.put("short", bytes("abc"), 10)).isInstanceOf(EOFException.class);
        assertThat(store.size("short")).isEqualTo(-1);
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    @DisplayName("runs of zeros are stored as holes: a sparse file's copy stays sparse and reads back whole")
    void put_zeros_storedSparse() throws IOException {
        byte[] content = new byte[3 * 4096 * 64];
        content[0] = 1;
        content[content.length - 1] = 2;
        assertThat(store.put("sparse", new ByteArrayInputStream(content), content.length)).isEqualTo(content.length);
        Path file = root.resolve("sparse");
        assertThat(Files.size(file)).isEqualTo(content.length);
        assertThat((Long) Files.getAttribute(file, "unix:size")).isEqualTo(content.length);
        long blocks = Long.parseLong(new String(new ProcessBuilder("stat", "-c", "%b", file.toString()).start().getInputStream().readAllBytes()).trim());
        assertThat(blocks * 512).isLessThan(content.length / 4);
        try (InputStream in = store.get("sparse", 0, content.length)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void get_missing_noSuchFile() {
        assertThatThrownBy(() -> store.get("missing", 0, 1)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void delete_isIdempotent() throws IOException {
        store.put("gone", bytes("x"), 1);
        store.delete("gone");
        store.delete("gone");
        assertThat(store.size("gone")).isEqualTo(-1);
    }

    @Test
    void keysEscapingTheRoot_refused() {
        assertThatThrownBy(() -> store.put("../outside", bytes("x"), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("/abs", bytes("x"), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("a//b", bytes("x"), 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void check_passesOnWritableRoot_failsWhenRootIsGone() throws IOException {
        store.check();
        Files.delete(root);
        assertThatThrownBy(store::check).isInstanceOf(IOException.class);
    }
}
