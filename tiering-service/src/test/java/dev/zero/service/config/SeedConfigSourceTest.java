package dev.zero.service.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedConfigSourceTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("the seed's B2 keys become the b2 store's settings, and with all three the store is b2")
    void keysMapToTheStore() throws Exception {
        Path yml = Files.writeString(dir.resolve("config.yml"), """
                targetDiskUsage: 500
                accountId: "0012ab34cd56"
                applicationKey: K001secretsecretsecret
                bucketId: 4a5b6c7d8e9f
                sqliteFileLocation: /var/lib/zero.db
                """);
        var p = SeedConfigSource.read(yml);
        assertThat(p).containsEntry("zero.store.b2.account-id", "0012ab34cd56")
                .containsEntry("zero.store.b2.application-key", "K001secretsecretsecret")
                .containsEntry("zero.store.b2.bucket-id", "4a5b6c7d8e9f")
                .containsEntry("zero.store.kind", "b2")
                .doesNotContainKey("targetDiskUsage");
    }

    @Test
    @DisplayName("without all three keys the store stays as configured (fs); no file is no settings")
    void partialOrMissing() throws Exception {
        Path yml = Files.writeString(dir.resolve("config.yml"), "accountId: abc\nbucketId: ''\n");
        assertThat(SeedConfigSource.read(yml)).containsOnlyKeys("zero.store.b2.account-id");
        assertThat(SeedConfigSource.read(dir.resolve("absent.yml"))).isEmpty();
    }

    @Test
    @DisplayName("a file that is not YAML is refused naming the file and the line, never echoing its content")
    void badYamlNamesTheLineNotTheSecret() throws Exception {
        Path yml = Files.writeString(dir.resolve("config.yml"), "accountId: abc\napplicationKey: [K001topsecret\n");
        assertThatThrownBy(() -> SeedConfigSource.read(yml))
                .hasMessageContaining(yml.toString())
                .hasMessageContaining("line")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("K001topsecret"));
    }
}
