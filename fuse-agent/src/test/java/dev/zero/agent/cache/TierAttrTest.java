package dev.zero.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.agent.posix.Stat.Timespec;
import dev.zero.api.TierState;

class TierAttrTest {
    @Test
    @DisplayName("every field survives encoding, in a fixed 56-byte record")
    void roundTrip() {
        TierAttr a = new TierAttr(TierState.EVICTED, true, 1234567890123L, 42, new TierAttr.Stored(41, 0xfedcba9876543210L), -7,
                new Timespec(-5_000_000_000L, 999_999_999));
        byte[] bytes = a.encode();
        assertThat(bytes).hasSize(TierAttr.SIZE).hasSize(56);
        assertThat(TierAttr.decode(bytes, bytes.length)).isEqualTo(a);
        TierAttr plain = TierAttr.fresh(9);
        assertThat(TierAttr.decode(plain.encode(), 56)).isEqualTo(plain);
    }

    @Test
    void unknownFormat_refused() {
        byte[] bytes = TierAttr.fresh(9).encode();
        bytes[0] = 2;
        assertThatThrownBy(() -> TierAttr.decode(bytes, bytes.length)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format");
        assertThatThrownBy(() -> TierAttr.decode(bytes, 20)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("the packed attribute stays in the inode: a small file takes the same blocks as on the bare disk")
    void fitsInTheInode(@TempDir Path dir) throws Exception {
        byte[] content = new byte[7 * 1024];
        new java.util.Random(7).nextBytes(content);
        Path bare = Files.write(dir.resolve("bare"), content);
        Path tiered = Files.write(dir.resolve("tiered"), content);
        try (BackingRoot root = BackingRoot.open(dir)) {
            TierAttrs attrs = new TierAttrs(new FileIds(dir.resolve("state"), 10));
            attrs.write(root, Native.cstr("tiered"), new TierAttr(TierState.EVICTED, true, Long.MAX_VALUE, Long.MAX_VALUE,
                    new TierAttr.Stored(Long.MAX_VALUE, -1L), -1, new Timespec(Long.MAX_VALUE, 999_999_999)));
            assertThat(attrs.read(root, Native.cstr("tiered")).fileId()).isEqualTo(Long.MAX_VALUE);
            new ProcessBuilder("sync").start().waitFor();
            assertThat(blocks(tiered)).as("st_blocks with the packed attribute").isEqualTo(blocks(bare));
        }
    }

    @Test
    @DisplayName("files labelled by an older agent (three trusted.zero.* attributes) are converted on first read")
    void legacyAttributesConverted(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("old"), "x");
        exec("setfattr", "-n", "trusted.zero.id", "-v", "777", f.toString());
        exec("setfattr", "-n", "trusted.zero.version", "-v", "5", f.toString());
        exec("setfattr", "-n", "trusted.zero.state", "-v", "LOCAL", f.toString());
        try (BackingRoot root = BackingRoot.open(dir)) {
            TierAttrs attrs = new TierAttrs(new FileIds(dir.resolve("state"), 10));
            TierAttr a = attrs.ensure(root, Native.cstr("old"));
            assertThat(a.fileId()).isEqualTo(777);
            assertThat(a.contentVersion()).isEqualTo(5);
            assertThat(a.state()).isEqualTo(TierState.LOCAL);
        }
        String names = new String(new ProcessBuilder("getfattr", "-m", "-", "--absolute-names", f.toString()).start().getInputStream()
                .readAllBytes()).trim();
        assertThat(names).contains("trusted.zero").doesNotContain("trusted.zero.id").doesNotContain("trusted.zero.state");
    }

    private static long blocks(Path p) throws Exception {
        var st = Stat.allocate();
        Stat.lstat(Native.AT_FDCWD, Native.cstr(p.toString()), st);
        return Stat.allocated(st);
    }

    private static void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
    }
}
