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

class FsObjectStoreTest extends ObjectStoreContract {
    @TempDir
    Path root;

    FsObjectStore store;

    @BeforeEach
    void open() throws IOException {
        store = new FsObjectStore(root, 4096);
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Test
    @DisplayName("a failed upload leaves no file in the store's directory, not even a temporary one")
    void shortStream_noFileLeft() throws IOException {
        assertThatThrownBy(() -> store.put("short", bytes("abc"), 10)).isInstanceOf(EOFException.class);
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
