package dev.zero.agent.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileIdsTest {
    @Test
    @DisplayName("ids start after the root id and are unique")
    void unique(@TempDir Path dir) throws Exception {
        FileIds ids = new FileIds(dir, 3);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            assertTrue(seen.add(ids.next()));
        }
        assertEquals(2L, seen.stream().min(Long::compare).orElseThrow());
    }

    @Test
    @DisplayName("a restart (or crash) continues after the reserved block, never reusing an id")
    void restartSkipsAhead(@TempDir Path dir) throws Exception {
        FileIds first = new FileIds(dir, 100);
        long a = first.next();
        first.next();
        assertEquals(a + 100, first.reservedLimit());
        assertEquals(Long.toString(a + 100), Files.readString(dir.resolve(FileIds.FILE_NAME)).trim());
        FileIds second = new FileIds(dir, 100);
        assertEquals(a + 100, second.next());
    }
}
