package dev.zero.agent.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HandleTableTest {
    @Test
    @DisplayName("handles resolve until removed; a reused slot does not answer to the old handle")
    void staleHandles() throws Exception {
        HandleTable<String> table = new HandleTable<>();
        long a = table.add("a");
        assertEquals("a", table.get(a));
        assertEquals("a", table.remove(a));
        assertThrows(ClosedChannelException.class, () -> table.get(a));
        long b = table.add("b");
        assertEquals((int) a, (int) b, "slot reused");
        assertNotEquals(a, b);
        assertThrows(ClosedChannelException.class, () -> table.get(a));
        assertThrows(ClosedChannelException.class, () -> table.get(12345));
    }

    @Test
    @DisplayName("grows past its initial size and closeAll closes everything, collecting failures")
    void growAndCloseAll() {
        HandleTable<Integer> table = new HandleTable<>();
        List<Long> handles = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            handles.add(table.add(i));
        }
        assertEquals(1000, table.size());
        List<Integer> closed = new ArrayList<>();
        IOException e = assertThrows(IOException.class, () -> table.closeAll(v -> {
            closed.add(v);
            if (v % 500 == 0) {
                throw new IOException("fail " + v);
            }
        }));
        assertEquals(1000, closed.size());
        assertEquals(1, e.getSuppressed().length);
        assertEquals(0, table.size());
    }
}
