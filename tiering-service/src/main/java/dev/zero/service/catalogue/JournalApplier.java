package dev.zero.service.catalogue;

import dev.zero.api.FileMeta;
import dev.zero.api.JournalRecord;
import dev.zero.api.ReconcileReport;
import dev.zero.api.VolumeView;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;

/**
 * Applies journal records of one volume inside the caller's transaction. Every operation is
 * written so that applying it again, or on a catalogue that drifted, leaves the catalogue as
 * the tree was: upserts instead of inserts, deletes that tolerate absence. {@link #apply}
 * returns false when a record named something the catalogue does not have (drift that the
 * next reconciling walk repairs).
 */
final class JournalApplier {
    private final Connection c;
    private final TierTransitions tiers;
    private final long volumeId;
    /** Generation of the reconciling walk in progress: rows this batch touches count as seen by it. */
    private Long generation;
    private final long[] counts = new long[6];
    private ReconcileReport finished;

    JournalApplier(Connection connection, TierTransitions tiers, long volumeId, Long generation) {
        this.c = connection;
        this.tiers = tiers;
        this.volumeId = volumeId;
        this.generation = generation;
    }

    /** The report of a walk that a record of this batch closed, or null. */
    ReconcileReport finishedReport() {
        return finished;
    }

    boolean apply(JournalRecord r) throws SQLException {
        return switch (r.op()) {
            case CREATE -> {
                upsertFile(r.fileId(), r.meta(), r.linkTarget(), generation);
                putEntry(r.parentId(), r.name(), r.fileId(), generation);
                yield true;
            }
            case LINK -> link(r);
            case UNLINK -> removeEntry(r.parentId(), r.name());
            case RENAME -> rename(r);
            case SETATTR -> updateMeta(r.fileId(), r.meta(), false);
            case CONTENT -> updateMeta(r.fileId(), r.meta(), true);
            case TIER -> {
                // A tier report of content that has since been replaced or deleted changes nothing, and is no drift.
                tiers.reported(c, volumeId, r.fileId(), r.tier());
                yield true;
            }
            case ACCESS -> {
                // Accesses are flushed late (coalesced): the file may be gone by now, which is no drift.
                // each record is one period of use (the agent coalesces the opens of a flush interval): the ranking counts them
                update("update file set last_access = greatest(last_access, ?), accesses = accesses + 1 where volume_id = ? and id = ?",
                        r.at(), volumeId, r.fileId());
                yield true;
            }
            case RECONCILE_BEGIN -> beginWalk(r.generation());
            case SNAPSHOT -> snapshot(r);
            case RECONCILE_END -> endWalk(r.generation());
        };
    }

    private boolean link(JournalRecord r) throws SQLException {
        boolean known = r.meta() != null ? updateMeta(r.fileId(), r.meta(), false)
                : exists("select 1 from file where volume_id = ? and id = ?", volumeId, r.fileId());
        if (!known) {
            return false;
        }
        putEntry(r.parentId(), r.name(), r.fileId(), generation);
        return true;
    }

    private boolean rename(JournalRecord r) throws SQLException {
        Long moved = entryFile(r.parentId(), r.name());
        if (moved == null) {
            return false;
        }
        if (r.parentId().equals(r.newParentId()) && r.name().equals(r.newName())) {
            return true;
        }
        Long replaced = entryFile(r.newParentId(), r.newName());
        if (moved.equals(replaced)) {
            // POSIX: renaming one hard link of a file onto another does nothing.
            return true;
        }
        if (replaced != null) {
            update("delete from entry where volume_id = ? and parent_id = ? and name = ?", volumeId, r.newParentId(), r.newName());
        }
        update("update entry set parent_id = ?, name = ?, seen_gen = coalesce(?::bigint, seen_gen) where volume_id = ? and parent_id = ? and name = ?",
                r.newParentId(), r.newName(), generation, volumeId, r.parentId(), r.name());
        if (replaced != null) {
            dropIfNameless(replaced, r.newParentId(), r.newName());
        }
        if (generation != null) {
            // The walk may have passed the new place before the move: count the moved subtree as seen.
            update("""
                    with recursive sub(id) as (
                        select ?::bigint
                        union
                        select e.file_id from entry e join sub on e.parent_id = sub.id where e.volume_id = ?)
                    , marked as (update entry set seen_gen = ? where volume_id = ? and parent_id in (select id from sub))
                    update file set seen_gen = ? where volume_id = ? and id in (select id from sub)""",
                    moved, volumeId, generation, volumeId, generation, volumeId);
        }
        return true;
    }

    private boolean removeEntry(long parentId, String name) throws SQLException {
        Long removed = null;
        try (var s = Db.bind(c.prepareStatement("delete from entry where volume_id = ? and parent_id = ? and name = ? returning file_id"),
                volumeId, parentId, name); var rs = s.executeQuery()) {
            if (rs.next()) {
                removed = rs.getLong(1);
            }
        }
        if (removed == null) {
            return false;
        }
        dropIfNameless(removed, parentId, name);
        return true;
    }

    /**
     * A file leaves the catalogue with its last name (the root never does); a file that keeps
     * other names (hard links) has one link fewer, which no journal record states.
     */
    private void dropIfNameless(long fileId, long lastParent, String lastName) throws SQLException {
        // a file with a stored copy is remembered with its last path: undelete brings it back within the retention period
        String path = null;
        if (exists("select 1 from file where volume_id = ? and id = ? and object_id is not null", volumeId, fileId)) {
            path = lastParent == VolumeView.ROOT_FILE_ID ? lastName
                    : Paths.pathOf(c, volumeId, lastParent).map(p -> p + "/" + lastName).orElse(lastName);
        }
        int dropped = rows("""
                with gone as (delete from file f where f.volume_id = ? and f.id = ? and f.id <> ?
                                and not exists (select 1 from entry e where e.volume_id = f.volume_id and e.file_id = f.id)
                              returning f.volume_id, f.id, f.object_id, f.mode, f.uid, f.gid, f.mtime),
                remembered as (insert into deleted_file (volume_id, file_id, path, object_id, mode, uid, gid, mtime)
                               select volume_id, id, ?::text, object_id, mode, uid, gid, mtime from gone
                               where object_id is not null and ?::text is not null)
                select 1 from gone""", volumeId, fileId, VolumeView.ROOT_FILE_ID, path, path);
        if (dropped == 0) {
            update("""
                    update file f set nlink = (select count(*) from entry e where e.volume_id = f.volume_id and e.file_id = f.id)
                    where f.volume_id = ? and f.id = ? and f.type <> 'DIRECTORY'""", volumeId, fileId);
        }
    }

    /** Points the name at the file; returns whether the catalogue had it otherwise. */
    private boolean putEntry(long parentId, String name, long fileId, Long seen) throws SQLException {
        Long previous;
        // One round trip: the statement's snapshot shows the entry as it was before the upsert.
        try (var st = Db.bind(c.prepareStatement("""
                with prev as (select file_id from entry where volume_id = ? and parent_id = ? and name = ?),
                up as (insert into entry (volume_id, parent_id, name, file_id, seen_gen) values (?, ?, ?, ?, ?::bigint)
                       on conflict (volume_id, parent_id, name)
                       do update set file_id = excluded.file_id, seen_gen = coalesce(excluded.seen_gen, entry.seen_gen)
                       returning 1)
                select (select file_id from prev)"""),
                volumeId, parentId, name, volumeId, parentId, name, fileId, seen); var rs = st.executeQuery()) {
            rs.next();
            long value = rs.getLong(1);
            previous = rs.wasNull() ? null : value;
        }
        if (previous != null && previous == fileId) {
            return false;
        }
        if (previous != null) {
            dropIfNameless(previous, parentId, name);
        }
        return true;
    }

    /** What an upsert found: no row before, a row with other attributes, or the same. */
    private enum Upsert { ADDED, CHANGED, SAME }

    private Upsert upsertFile(long fileId, FileMeta m, String linkTarget, Long seen) throws SQLException {
        // One round trip: "old" sees the row as it was before the upsert in the same statement.
        Upsert found;
        boolean newerContent;
        try (var st = Db.bind(c.prepareStatement("""
                with old as (select type, size, mode, uid, gid, nlink, mtime, content_version, link_target, state
                             from file where volume_id = ? and id = ?),
                up as (insert into file (volume_id, id, type, size, mode, uid, gid, nlink, atime, mtime, ctime, link_target,
                                         content_version, last_access, seen_gen)
                       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::bigint)
                       on conflict (volume_id, id) do update set type = excluded.type, size = excluded.size, mode = excluded.mode,
                           uid = excluded.uid, gid = excluded.gid, nlink = excluded.nlink, atime = excluded.atime,
                           mtime = excluded.mtime, ctime = excluded.ctime, link_target = excluded.link_target,
                           content_version = greatest(file.content_version, excluded.content_version),
                           seen_gen = coalesce(excluded.seen_gen, file.seen_gen)
                       returning 1)
                select case
                    when not exists (select 1 from old) then 'ADDED'
                    when exists (select 1 from old o
                                 where (o.type, o.size, o.mode, o.uid, o.gid, o.nlink, o.mtime, o.link_target)
                                       is distinct from (?::text, ?::bigint, ?::integer, ?::integer, ?::integer, ?::integer,
                                                         ?::timestamptz, ?::text)
                                    or o.content_version < ?::bigint) then 'CHANGED'
                    else 'SAME' end,
                    coalesce((select o.content_version < ?::bigint and o.state <> 'LOCAL' from old o), false)"""),
                volumeId, fileId,
                volumeId, fileId, m.type(), m.size(), m.mode(), m.uid(), m.gid(), m.nlink(), m.atime(), m.mtime(), m.ctime(),
                linkTarget, m.contentVersion(), lastAccess(m), seen,
                m.type(), m.size(), m.mode(), m.uid(), m.gid(), m.nlink(), m.mtime(), linkTarget, m.contentVersion(),
                m.contentVersion());
                var rs = st.executeQuery()) {
            rs.next();
            found = Upsert.valueOf(rs.getString(1));
            newerContent = rs.getBoolean(2);
        }
        if (newerContent) {
            tiers.newContent(c, volumeId, fileId, m.contentVersion());
        }
        return found;
    }

    /** New content makes the file LOCAL again: the stored copy, if any, is an older version. */
    private boolean updateMeta(long fileId, FileMeta m, boolean contentChanged) throws SQLException {
        boolean found;
        boolean newerContent;
        try (var st = Db.bind(c.prepareStatement("""
                with old as (select content_version, state from file where volume_id = ? and id = ?),
                up as (update file set size = ?, mode = ?, uid = ?, gid = ?, nlink = ?, atime = ?, mtime = ?, ctime = ?,
                           content_version = greatest(content_version, ?),
                           last_access = case when ? then greatest(last_access, ?) else last_access end,
                           accesses = accesses + case when ? then 1 else 0 end,
                           seen_gen = coalesce(?::bigint, seen_gen)
                       where volume_id = ? and id = ? returning 1)
                select exists (select 1 from up),
                       coalesce((select o.content_version < ?::bigint and o.state <> 'LOCAL' from old o), false)"""),
                volumeId, fileId,
                m.size(), m.mode(), m.uid(), m.gid(), m.nlink(), m.atime(), m.mtime(), m.ctime(), m.contentVersion(),
                contentChanged, m.mtime(), contentChanged, generation, volumeId, fileId, m.contentVersion()); var rs = st.executeQuery()) {
            rs.next();
            found = rs.getBoolean(1);
            newerContent = rs.getBoolean(2);
        }
        if (newerContent) {
            tiers.newContent(c, volumeId, fileId, m.contentVersion());
        }
        return found;
    }

    private boolean beginWalk(long gen) throws SQLException {
        generation = gen;
        update("update volume set reconcile_gen = ? where id = ?", gen, volumeId);
        update("insert into reconcile (volume_id, generation) values (?, ?) on conflict do nothing", volumeId, gen);
        return true;
    }

    private boolean snapshot(JournalRecord r) throws SQLException {
        if (!Objects.equals(generation, r.generation())) {
            return false;
        }
        Upsert found = upsertFile(r.fileId(), r.meta(), r.linkTarget(), generation);
        if (r.tier() != null && r.meta().type() == dev.zero.api.FileType.FILE) {
            tiers.snapshot(c, volumeId, r.fileId(), r.tier());
        }
        counts[0]++;
        if (found == Upsert.ADDED) {
            counts[1]++;
        } else if (found == Upsert.CHANGED) {
            counts[2]++;
        }
        if (r.fileId() != VolumeView.ROOT_FILE_ID && putEntry(r.parentId(), r.name(), r.fileId(), generation)) {
            counts[4]++;
        }
        flushCountsIfLarge();
        return true;
    }

    private boolean endWalk(long gen) throws SQLException {
        if (!Objects.equals(generation, gen)) {
            return false;
        }
        counts[5] += update("delete from entry where volume_id = ? and seen_gen is distinct from ?", volumeId, gen);
        counts[3] += update("delete from file where volume_id = ? and id <> ? and seen_gen is distinct from ?",
                volumeId, VolumeView.ROOT_FILE_ID, gen);
        counts[3] += update("""
                delete from file f where f.volume_id = ? and f.id <> ?
                  and not exists (select 1 from entry e where e.volume_id = f.volume_id and e.file_id = f.id)""",
                volumeId, VolumeView.ROOT_FILE_ID);
        flushCounts();
        update("update reconcile set finished_at = now() where volume_id = ? and generation = ?", volumeId, gen);
        update("update volume set reconcile_gen = null where id = ?", volumeId);
        try (var s = Db.bind(c.prepareStatement("""
                select files_seen, files_added, files_updated, files_removed, entries_added, entries_removed
                from reconcile where volume_id = ? and generation = ?"""), volumeId, gen); var rs = s.executeQuery()) {
            rs.next();
            finished = new ReconcileReport(gen, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
        }
        generation = null;
        return true;
    }

    private void flushCountsIfLarge() throws SQLException {
        if (counts[0] >= 1000) {
            flushCounts();
        }
    }

    /** Walk counters live in memory for the batch and are added to the walk's row in one statement. */
    private void flushCounts() throws SQLException {
        if (generation == null) {
            return;
        }
        update("""
                update reconcile set files_seen = files_seen + ?, files_added = files_added + ?, files_updated = files_updated + ?,
                    files_removed = files_removed + ?, entries_added = entries_added + ?, entries_removed = entries_removed + ?
                where volume_id = ? and generation = ?""",
                counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], volumeId, generation);
        java.util.Arrays.fill(counts, 0);
    }

    /** Must run before the batch commits: the walk's counters are part of the batch's effect. */
    void finishBatch() throws SQLException {
        flushCounts();
    }

    private Long entryFile(long parentId, String name) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select file_id from entry where volume_id = ? and parent_id = ? and name = ? for update"),
                volumeId, parentId, name); var rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : null;
        }
    }

    private boolean exists(String sql, Object... values) throws SQLException {
        try (var s = Db.bind(c.prepareStatement(sql), values); ResultSet rs = s.executeQuery()) {
            return rs.next();
        }
    }

    /** Runs a query and counts the rows it returns. */
    private int rows(String sql, Object... values) throws SQLException {
        try (var s = Db.bind(c.prepareStatement(sql), values); ResultSet rs = s.executeQuery()) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }

    private int update(String sql, Object... values) throws SQLException {
        try (var s = Db.bind(c.prepareStatement(sql), values)) {
            return s.executeUpdate();
        }
    }

    private static Instant lastAccess(FileMeta m) {
        Instant atime = m.atime();
        return atime.isAfter(m.mtime()) ? atime : m.mtime();
    }
}
