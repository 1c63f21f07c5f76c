package dev.zero.service.catalogue;

import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.FileView;
import dev.zero.api.TierInfo;
import dev.zero.api.TierState;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;

/** One file's story as the catalogue knows it, for {@code ./zero where}. */
@ApplicationScoped
public class FileViews {
    static final int NAMES = 16;
    static final int TRANSFERS = 10;

    private final Db db;

    FileViews(Db db) {
        this.db = db;
    }

    public FileView byPath(String volume, String path) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            long fileId = Paths.resolve(c, volumeId, path).orElseThrow(() -> ApiException.notFound(
                    "volume " + volume + " has no file at '" + path + "' (the catalogue follows the mount within seconds)"));
            FileMeta meta;
            TierState state;
            try (var s = Db.bind(c.prepareStatement("""
                    select type, size, mode, uid, gid, nlink, atime, mtime, ctime, content_version, state
                    from file where volume_id = ? and id = ?"""), volumeId, fileId); var rs = s.executeQuery()) {
                rs.next();
                meta = new FileMeta(FileType.valueOf(rs.getString(1)), rs.getLong(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                        Db.instant(rs.getTimestamp(7)), Db.instant(rs.getTimestamp(8)), Db.instant(rs.getTimestamp(9)), rs.getLong(10));
                state = TierState.valueOf(rs.getString(11));
            }
            FileView.StoredCopy stored = StoredObjects.current(c, volumeId, fileId)
                    .map(o -> new FileView.StoredCopy(o.key(), TierInfo.nonceHex(o.nonce()), o.contentVersion(), o.size(), o.sha256Hex(),
                            o.chunkSize(), o.chunkHashes() == null ? 0 : o.chunkHashes().length / 32, o.createdAt()))
                    .orElse(null);
            return new FileView(volume, fileId, Paths.pathsOf(c, volumeId, fileId, NAMES), meta, state, stored,
                    TransferLog.recent(c, volumeId, fileId, TRANSFERS));
        });
    }
}
