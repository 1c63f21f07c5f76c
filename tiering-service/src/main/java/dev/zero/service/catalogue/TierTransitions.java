package dev.zero.service.catalogue;

import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HexFormat;

/**
 * The only code that changes a file's tier state in the catalogue. Each change is a
 * conditional update on the state and content version it expects, so a transition that
 * raced with newer content changes nothing.
 */
@ApplicationScoped
public class TierTransitions {
    /** Where a file's stored content is, for a download. */
    public record StoredContent(long volumeId, String key, long size, String sha256, long contentVersion) {
    }

    /** A file an upload may target: it exists, is a regular file, and has this content version now. */
    public record UploadTarget(long volumeId, long currentVersion) {
    }

    private final Db db;

    TierTransitions(Db db) {
        this.db = db;
    }

    /** Checks before any byte is stored that the file exists and is a regular file. */
    public UploadTarget uploadTarget(String volume, long fileId) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            try (var s = Db.bind(c.prepareStatement("select type, content_version from file where volume_id = ? and id = ?"),
                    volumeId, fileId); var rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("volume " + volume + " has no file " + fileId);
                }
                if (!rs.getString(1).equals("FILE")) {
                    throw ApiException.conflict("file " + fileId + " of volume " + volume + " is a " + rs.getString(1)
                            + "; only regular files have content");
                }
                return new UploadTarget(volumeId, rs.getLong(2));
            }
        });
    }

    /**
     * Records a stored object and points the file at it, marking the file SYNCED. If the
     * object does not hold the file's current content version (the file changed while it was
     * uploading) nothing is recorded and the answer is 409: the caller removes the object.
     */
    public void uploaded(long volumeId, long fileId, long version, String key, long size, String sha256) {
        db.inTransaction(c -> {
            long objectId;
            try (var s = Db.bind(c.prepareStatement("insert into object (key, size, sha256) values (?, ?, ?) returning id"),
                    key, size, HexFormat.of().parseHex(sha256)); var rs = s.executeQuery()) {
                rs.next();
                objectId = rs.getLong(1);
            }
            try (var s = Db.bind(c.prepareStatement("""
                    update file set object_id = ?, content_hash = ?,
                        state = case when state in ('LOCAL', 'UPLOADING') then 'SYNCED' else state end
                    where volume_id = ? and id = ? and type = 'FILE' and content_version = ? and size = ?"""),
                    objectId, HexFormat.of().parseHex(sha256), volumeId, fileId, version, size)) {
                if (s.executeUpdate() != 1) {
                    throw ApiException.conflict("content version " + version + " (" + size + " bytes) is no longer the current content of file "
                            + fileId + "; the upload was discarded");
                }
                return null;
            }
        });
    }

    public StoredContent stored(String volume, long fileId) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            try (var s = Db.bind(c.prepareStatement("""
                    select o.key, o.size, o.sha256, f.content_version, f.object_id is null as none
                    from file f left join object o on o.id = f.object_id
                    where f.volume_id = ? and f.id = ?"""), volumeId, fileId); var rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("volume " + volume + " has no file " + fileId);
                }
                if (rs.getBoolean(5)) {
                    throw ApiException.notFound("file " + fileId + " of volume " + volume + " has no content in the object store");
                }
                return new StoredContent(volumeId, rs.getString(1), rs.getLong(2), HexFormat.of().formatHex(rs.getBytes(3)), rs.getLong(4));
            }
        });
    }
}
