package dev.zero.agent.mount;

import static dev.zero.agent.mount.Sh.ok;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.zero.agent.config.AgentConfig.Mount.Transport;

import dev.zero.agent.mount.RecordingChangeLog.Event;
import dev.zero.api.FileType;
import dev.zero.api.VolumeView;

/** The ChangeLog calls a burst of shell commands produces. */
class ChangeLogTest {
    private static String namespaceKinds(List<Event> events) {
        return events.stream().filter(e -> !e.kind().equals("accessed") && !e.kind().equals("attributesChanged"))
                .map(e -> e.kind() + ":" + (e.newName() != null ? e.name() + ">" + e.newName() : e.name()))
                .collect(Collectors.joining(" "));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    @DisplayName("a scripted burst is reported in order, with stable ids, parents and content versions")
    void burst(Transport transport) throws Exception {
        try (TestMount m = new TestMount(transport)) {
            ok(m.mnt, "set -e; mkdir a; printf hello > a/f; ln a/f a/h; mv a/f a/g; chmod 600 a/g; ln -s g a/l; "
                    + "rm a/h; printf more >> a/g; cat a/g > /dev/null; truncate -s 2 a/g; mkfifo a/p; mkdir a/b; mv a/b b; rmdir b");
            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            List<Event> events = m.log.events();
            assertEquals("created:a created:f contentChanged:null linked:h renamed:f>g created:l unlinked:h contentChanged:null "
                    + "created:p created:b renamed:b>b unlinked:b", namespaceKinds(events));

            Event dir = m.log.events("created").get(0);
            Event file = m.log.events("created").get(1);
            assertEquals(VolumeView.ROOT_FILE_ID, dir.parentId());
            assertEquals(FileType.DIRECTORY, dir.meta().type());
            assertEquals(dir.fileId(), file.parentId());
            assertNotEquals(dir.fileId(), file.fileId());
            long id = file.fileId();

            List<Event> content = m.log.events("contentChanged");
            assertEquals(List.of(id, id), content.stream().map(Event::fileId).toList());
            assertEquals(List.of(1L, 2L), content.stream().map(e -> e.meta().contentVersion()).toList(), "one bump per written handle");
            assertEquals(List.of(5L, 9L), content.stream().map(e -> e.meta().size()).toList());

            Event link = m.log.events("linked").get(0);
            assertEquals(id, link.fileId());
            assertEquals(2, link.meta().nlink());
            Event rename = m.log.events("renamed").get(0);
            assertEquals(id, rename.fileId());
            assertEquals(dir.fileId(), rename.newParentId());
            assertEquals("g", m.log.events("created").get(2).linkTarget());
            assertEquals(id, m.log.events("unlinked").get(0).fileId());

            Event moveOut = m.log.events("renamed").get(1);
            assertEquals(dir.fileId(), moveOut.parentId());
            assertEquals(VolumeView.ROOT_FILE_ID, moveOut.newParentId());

            List<Event> attrs = m.log.events("attributesChanged").stream().filter(e -> e.fileId() == id).toList();
            assertTrue(attrs.stream().anyMatch(e -> e.meta().mode() == 0600), "chmod reported");
            assertTrue(attrs.stream().anyMatch(e -> e.meta().size() == 2 && e.meta().contentVersion() == 3),
                    "truncate reported as an attribute change with a new content version");
            assertTrue(m.log.events("accessed").stream().anyMatch(e -> e.fileId() == id), "open reported as access");
            assertNull(m.log.events().stream().filter(e -> e.fileId() == null && !e.kind().equals("unlinked")).findAny().orElse(null));
        }
    }
}
