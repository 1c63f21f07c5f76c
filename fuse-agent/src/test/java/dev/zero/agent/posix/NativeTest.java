package dev.zero.agent.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NativeTest {
    @Test
    @DisplayName("a C string made here reads back whole, though its memory is no longer than the string")
    void boundedStrings() {
        byte[] name = "dir/f\u00e9".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(name, Native.bytes(Native.cstr(name)));
        assertArrayEquals(new byte[0], Native.bytes(Native.cstr(new byte[0])));
        assertArrayEquals("dir/f".getBytes(StandardCharsets.UTF_8), Native.bytes(Native.cstr("/dir/f").slice(1)), "a slice, as a FUSE path's relative part");
    }
}
