package dev.zero.service.catalogue;

import dev.zero.api.VolumeView;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Paths of a volume in the catalogue, which stores names as (directory, name) -> file: a path is
 * found by following its components from the root, a file's path by following its names up.
 * Each is one recursive query.
 */
final class Paths {
    /** Deeper than any real tree; stops a corrupted catalogue (a cycle of entries) from recursing forever. */
    static final int MAX_DEPTH = 4096;

    private Paths() {
    }

    /** The file a normalised volume path ("" for the root) names. */
    static Optional<Long> resolve(Connection c, long volumeId, String path) throws SQLException {
        if (path.isEmpty()) {
            return Optional.of(VolumeView.ROOT_FILE_ID);
        }
        String[] parts = path.split("/");
        Array names = c.createArrayOf("text", parts);
        try (var s = Db.bind(c.prepareStatement("""
                with recursive walk(depth, file_id) as (
                    select 0, ?::bigint
                    union all
                    select w.depth + 1, e.file_id from walk w
                    join entry e on e.volume_id = ? and e.parent_id = w.file_id and e.name = (?::text[])[w.depth + 1]
                    where w.depth < cardinality(?::text[]))
                select file_id from walk where depth = cardinality(?::text[])"""),
                VolumeView.ROOT_FILE_ID, volumeId, names, names, names); var rs = s.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    /** One path of the file (its first name in (directory, name) order), or empty when it has no name. */
    static Optional<String> pathOf(Connection c, long volumeId, long fileId) throws SQLException {
        List<String> all = pathsOf(c, volumeId, fileId, 1);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** One path of each of the files (its first name), by file id; files without a name are left out. One query. */
    static java.util.Map<Long, String> pathsOf(Connection c, long volumeId, java.util.Collection<Long> fileIds) throws SQLException {
        java.util.Map<Long, String> out = new java.util.HashMap<>();
        if (fileIds.isEmpty()) {
            return out;
        }
        try (var s = Db.bind(c.prepareStatement("""
                with recursive up(start_id, parent_id, path, depth) as (
                    select * from (select distinct on (file_id) file_id, parent_id, name, 1 from entry
                        where volume_id = ? and file_id = any(?) order by file_id, parent_id, name collate "C") first
                    union all
                    select u.start_id, e.parent_id, e.name || '/' || u.path, u.depth + 1
                    from up u join entry e on e.volume_id = ? and e.file_id = u.parent_id
                    where u.parent_id <> ? and u.depth < ?)
                select start_id, path from up where parent_id = ?"""),
                volumeId, c.createArrayOf("bigint", fileIds.toArray()), volumeId, VolumeView.ROOT_FILE_ID, MAX_DEPTH,
                VolumeView.ROOT_FILE_ID); var rs = s.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2));
            }
        }
        return out;
    }

    /** Up to {@code max} paths of the file, one per name (hard links have several). */
    static List<String> pathsOf(Connection c, long volumeId, long fileId, int max) throws SQLException {
        if (fileId == VolumeView.ROOT_FILE_ID) {
            return List.of("");
        }
        try (var s = Db.bind(c.prepareStatement("""
                with recursive up(start_parent, start_name, parent_id, path, depth) as (
                    select parent_id, name, parent_id, name, 1 from entry where volume_id = ? and file_id = ?
                    union all
                    select u.start_parent, u.start_name, e.parent_id, e.name || '/' || u.path, u.depth + 1
                    from up u join entry e on e.volume_id = ? and e.file_id = u.parent_id
                    where u.parent_id <> ? and u.depth < ?)
                select path from up where parent_id = ? order by start_parent, start_name collate "C" limit ?"""),
                volumeId, fileId, volumeId, VolumeView.ROOT_FILE_ID, MAX_DEPTH, VolumeView.ROOT_FILE_ID, max); var rs = s.executeQuery()) {
            List<String> paths = new ArrayList<>();
            while (rs.next()) {
                paths.add(rs.getString(1));
            }
            return paths;
        }
    }
}
