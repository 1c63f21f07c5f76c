package dev.zero.agent.mount;

import dev.zero.agent.volume.Mountpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountpointTest {
    @TempDir
    Path dir;

    @Test
    void requireEmpty_nonEmptyDirectory_refusedWithReason() throws IOException {
        Files.writeString(dir.resolve("precious.txt"), "data");
        assertThatThrownBy(() -> Mountpoint.requireEmpty(dir))
                .isInstanceOf(DirectoryNotEmptyException.class)
                .hasMessageContaining("not empty").hasMessageContaining("hide");
        assertThat(Files.readString(dir.resolve("precious.txt"))).isEqualTo("data");
    }

    @Test
    void requireEmpty_emptyDirectory_accepted() throws IOException {
        Mountpoint.requireEmpty(dir);
    }
}
