package dev.zero.service.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What every object store promises Zero, run against each implementation (fs, and b2 on the
 * emulator): objects appear whole or not at all, keys are never overwritten, ranges read back
 * exactly, deletes are idempotent, listing by prefix sees what is there.
 */
public abstract class ObjectStoreContract {
    /** The store under test, empty at the start of each test. */
    protected abstract ObjectStore store();

    /** A size above which the store takes another path (B2's large files); fs has none. */
    protected long largeObjectSize() {
        return 3 * 1024 * 1024 + 17;
    }

    protected static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    protected static byte[] random(long n, long seed) {
        byte[] b = new byte[(int) n];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected static String read(ObjectStore store, String key, long offset, long length) throws IOException {
        try (InputStream in = store.get(key, offset, length)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    @DisplayName("put returns the size; get reads the whole object and any range of it")
    void putThenRanges() throws IOException {
        assertThat(store().put("v1/f2/1-x", bytes("hello world"), 11)).isEqualTo(11);
        assertThat(read(store(), "v1/f2/1-x", 0, 11)).isEqualTo("hello world");
        assertThat(read(store(), "v1/f2/1-x", 6, 5)).isEqualTo("world");
        assertThat(read(store(), "v1/f2/1-x", 0, 1)).isEqualTo("h");
        assertThat(store().size("v1/f2/1-x")).isEqualTo(11);
    }

    @Test
    @DisplayName("a taken key is refused and the object under it is kept as it was")
    void existingKeyRefused() throws IOException {
        store().put("k", bytes("first"), -1);
        assertThatThrownBy(() -> store().put("k", bytes("second"), -1)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(read(store(), "k", 0, 5)).isEqualTo("first");
    }

    @Test
    @DisplayName("a stream that ends before its announced size fails and leaves no object")
    void shortStreamLeavesNothing() throws IOException {
        assertThatThrownBy(() -> store().put("short", bytes("abc"), 10)).isInstanceOf(EOFException.class);
        assertThat(store().size("short")).isEqualTo(-1);
        assertThat(store().list("")).isEmpty();
    }

    @Test
    @DisplayName("an object above the store's large-object size goes up and comes back byte-identical, whole and by range")
    void largeObject() throws IOException {
        byte[] content = random(largeObjectSize(), 7);
        assertThat(store().put("v/big", new ByteArrayInputStream(content), content.length)).isEqualTo(content.length);
        assertThat(store().size("v/big")).isEqualTo(content.length);
        try (InputStream in = store().get("v/big", 0, content.length)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        long from = content.length / 3;
        try (InputStream in = store().get("v/big", from, content.length / 2)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, (int) from, (int) from + content.length / 2));
        }
    }

    @Test
    @DisplayName("an empty object is an object")
    void emptyObject() throws IOException {
        assertThat(store().put("empty", new ByteArrayInputStream(new byte[0]), 0)).isZero();
        assertThat(store().size("empty")).isZero();
        assertThat(read(store(), "empty", 0, 0)).isEmpty();
    }

    @Test
    @DisplayName("a missing object: get fails with NoSuchFileException, size is -1")
    void missing() throws IOException {
        assertThatThrownBy(() -> store().get("missing", 0, 1)).isInstanceOf(NoSuchFileException.class);
        assertThat(store().size("missing")).isEqualTo(-1);
    }

    @Test
    @DisplayName("delete removes the object and deleting it again is no error")
    void deleteIdempotent() throws IOException {
        store().put("gone", bytes("x"), 1);
        store().delete("gone");
        store().delete("gone");
        assertThat(store().size("gone")).isEqualTo(-1);
        store().put("gone", bytes("y"), 1);
        assertThat(read(store(), "gone", 0, 1)).as("the key can be used again once deleted").isEqualTo("y");
    }

    @Test
    @DisplayName("list by prefix names every object under it, in key order")
    void listByPrefix() throws IOException {
        store().put("vol/1/1-a", bytes("a"), 1);
        store().put("vol/1/2-b", bytes("b"), 1);
        store().put("vol/2/1-c", bytes("c"), 1);
        store().put("other/1/1-d", bytes("d"), 1);
        assertThat(store().list("vol/1/")).containsExactly("vol/1/1-a", "vol/1/2-b");
        assertThat(store().list("vol/")).containsExactly("vol/1/1-a", "vol/1/2-b", "vol/2/1-c");
        assertThat(store().list("")).hasSize(4);
    }

    @Test
    @DisplayName("check passes on a usable store")
    void checkPasses() throws IOException {
        store().check();
    }
}
