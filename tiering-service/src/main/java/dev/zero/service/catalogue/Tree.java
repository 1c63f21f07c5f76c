package dev.zero.service.catalogue;

import dev.zero.api.CatalogueEntry;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.TierState;
import dev.zero.api.VolumeView;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/** The catalogue's view of a volume as paths, for operators and for checking it against the mount. */
@ApplicationScoped
public class Tree {
    /** Deeper than any real tree; stops a corrupted catalogue (a cycle of entries) from recursing forever. */
    private static final int MAX_DEPTH = 4096;

    private final Db db;

    Tree(Db db) {
        this.db = db;
    }

    public List<CatalogueEntry> list(String volume) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            try (var s = Db.bind(c.prepareStatement("""
                    with recursive t(file_id, path, depth) as (
                        select file_id, name, 1 from entry where volume_id = ? and parent_id = ?
                        union all
                        select e.file_id, t.path || '/' || e.name, t.depth + 1
                        from entry e join t on e.parent_id = t.file_id
                        where e.volume_id = ? and t.depth < ?)
                    select t.path, f.id, f.type, f.size, f.mode, f.uid, f.gid, f.nlink, f.atime, f.mtime, f.ctime,
                           f.content_version, f.state, f.link_target
                    from t join file f on f.volume_id = ? and f.id = t.file_id
                    order by t.path collate "C"
                    """), volumeId, VolumeView.ROOT_FILE_ID, volumeId, MAX_DEPTH, volumeId); var rs = s.executeQuery()) {
                List<CatalogueEntry> entries = new ArrayList<>();
                while (rs.next()) {
                    FileMeta meta = new FileMeta(FileType.valueOf(rs.getString("type")), rs.getLong("size"), rs.getInt("mode"),
                            rs.getInt("uid"), rs.getInt("gid"), rs.getInt("nlink"), Db.instant(rs.getTimestamp("atime")),
                            Db.instant(rs.getTimestamp("mtime")), Db.instant(rs.getTimestamp("ctime")), rs.getLong("content_version"));
                    entries.add(new CatalogueEntry(rs.getString("path"), rs.getLong("id"), meta, TierState.valueOf(rs.getString("state")),
                            rs.getString("link_target")));
                }
                return entries;
            }
        });
    }
}
