package dev.zero.agent.mount;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.zero.agent.cache.TierListener;
import dev.zero.agent.fs.ChangeLog;
import dev.zero.api.FileMeta;
import dev.zero.api.TierInfo;

/** A ChangeLog for tests: keeps every call in order. */
public final class RecordingChangeLog implements ChangeLog, TierListener {
    /** One recorded call; unused fields are null or 0. */
    record Event(String kind, Long fileId, long parentId, String name, long newParentId, String newName, FileMeta meta,
            String linkTarget) {
        @Override
        public String toString() {
            return kind + "(" + fileId + "," + parentId + "," + name + (newName == null ? "" : "->" + newParentId + "," + newName) + ")";
        }
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void tierChanged(long fileId, TierInfo tier) {
        events.add(new Event("tier:" + tier.state(), fileId, 0, null, 0, null, null, null));
    }

    @Override
    public void created(long fileId, long parentId, String name, FileMeta meta, String linkTarget) {
        events.add(new Event("created", fileId, parentId, name, 0, null, meta, linkTarget));
    }

    @Override
    public void linked(long fileId, long parentId, String name, FileMeta meta) {
        events.add(new Event("linked", fileId, parentId, name, 0, null, meta, null));
    }

    @Override
    public void unlinked(Long fileId, long parentId, String name) {
        events.add(new Event("unlinked", fileId, parentId, name, 0, null, null, null));
    }

    @Override
    public void renamed(Long fileId, long parentId, String name, long newParentId, String newName) {
        events.add(new Event("renamed", fileId, parentId, name, newParentId, newName, null, null));
    }

    @Override
    public void attributesChanged(long fileId, FileMeta meta) {
        events.add(new Event("attributesChanged", fileId, 0, null, 0, null, meta, null));
    }

    @Override
    public void contentChanged(long fileId, FileMeta meta) {
        events.add(new Event("contentChanged", fileId, 0, null, 0, null, meta, null));
    }

    @Override
    public void accessed(long fileId) {
        events.add(new Event("accessed", fileId, 0, null, 0, null, null, null));
    }

    List<Event> events() {
        return new ArrayList<>(events);
    }

    List<Event> events(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).toList();
    }

    void clear() {
        events.clear();
    }
}
