package dev.zero.service.catalogue;

import dev.zero.api.ObjectManifest;
import dev.zero.api.TierInfo;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Objects in the store as the catalogue records them: one row per uploaded content version of a
 * file, with its size, SHA-256 and chunk hashes. A row is STAGED by the upload and STORED once the
 * uploader confirms it ({@link TierTransitions#confirmed}).
 */
@ApplicationScoped
public class StoredObjects {
    /** One object row. */
    public record Row(long id, long volumeId, long fileId, long contentVersion, long nonce, String key, long size, byte[] sha256,
            int chunkSize, byte[] chunkHashes, boolean stored, Instant createdAt) {

        public String sha256Hex() {
            return HexFormat.of().formatHex(sha256);
        }

        public ObjectManifest manifest() {
            return new ObjectManifest(key, TierInfo.nonceHex(nonce), fileId, contentVersion, size, sha256Hex(), chunkSize,
                    Base64.getEncoder().encodeToString(chunkHashes));
        }
    }

    private static final String COLUMNS = "id, volume_id, file_id, content_version, nonce, key, size, sha256, chunk_size, chunk_sha256, state, created_at";

    private final Db db;

    StoredObjects(Db db) {
        this.db = db;
    }

    /** Records an object an upload has just written, not yet the file's content. */
    public void stage(long volumeId, ObjectManifest m) {
        db.inTransaction(c -> {
            insert(c, volumeId, m, "STAGED");
            return null;
        });
    }

    /** Records an object found in the store but missing from the catalogue (after a catalogue rebuild). */
    public Row adopt(long volumeId, ObjectManifest m) {
        return db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    insert into object (key, size, sha256, volume_id, file_id, content_version, nonce, chunk_size, chunk_sha256, state)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'STORED') on conflict do nothing"""),
                    m.key(), m.size(), HexFormat.of().parseHex(m.sha256()), volumeId, m.fileId(), m.contentVersion(), m.nonce(),
                    m.chunkSize(), m.chunkHashes())) {
                s.executeUpdate();
            }
            return find(c, volumeId, m.fileId(), m.contentVersion(), TierInfo.parseNonce("nonce", m.nonce()))
                    .orElseThrow(() -> new IllegalStateException("adopted object " + m.key() + " is not in the catalogue"));
        });
    }

    private static void insert(Connection c, long volumeId, ObjectManifest m, String state) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                insert into object (key, size, sha256, volume_id, file_id, content_version, nonce, chunk_size, chunk_sha256, state)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""),
                m.key(), m.size(), HexFormat.of().parseHex(m.sha256()), volumeId, m.fileId(), m.contentVersion(), m.nonce(),
                m.chunkSize(), m.chunkHashes(), state)) {
            s.executeUpdate();
        }
    }

    /** The object uploaded as {@code version} of the file with {@code nonce}. */
    public Optional<Row> find(long volumeId, long fileId, long version, long nonce) {
        return db.inTransaction(c -> find(c, volumeId, fileId, version, nonce));
    }

    static Optional<Row> find(Connection c, long volumeId, long fileId, long version, long nonce) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select " + COLUMNS + " from object where volume_id = ? and file_id = ? and content_version = ? and nonce = ?"),
                volumeId, fileId, version, TierInfo.nonceHex(nonce)); var rs = s.executeQuery()) {
            return rs.next() ? Optional.of(row(rs)) : Optional.empty();
        }
    }

    /** The object holding the file's current stored copy, or 404. */
    public Row current(String volume, long fileId) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            return current(c, volumeId, fileId).orElseThrow(() -> ApiException.notFound(
                    "file " + fileId + " of volume " + volume + " has no content in the object store"));
        });
    }

    static Optional<Row> current(Connection c, long volumeId, long fileId) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("select 1 from file where volume_id = ? and id = ?"), volumeId, fileId);
                var rs = s.executeQuery()) {
            if (!rs.next()) {
                throw ApiException.notFound("volume " + volumeId + " has no file " + fileId);
            }
        }
        try (var s = Db.bind(c.prepareStatement("select " + prefixed("o") + " from file f join object o on o.id = f.object_id"
                + " where f.volume_id = ? and f.id = ?"), volumeId, fileId); var rs = s.executeQuery()) {
            return rs.next() ? Optional.of(row(rs)) : Optional.empty();
        }
    }

    /** Removes the row of an object that was never confirmed (its bytes are deleted by the caller). */
    public void dropStaged(long volumeId, long fileId, long version, long nonce) {
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    delete from object where volume_id = ? and file_id = ? and content_version = ? and nonce = ?
                      and state = 'STAGED' and ref_count = 0"""), volumeId, fileId, version, TierInfo.nonceHex(nonce))) {
                s.executeUpdate();
            }
            return null;
        });
    }

    private static String prefixed(String alias) {
        return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
    }

    static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), Long.parseUnsignedLong(rs.getString(5), 16),
                rs.getString(6), rs.getLong(7), rs.getBytes(8), rs.getInt(9), rs.getBytes(10), "STORED".equals(rs.getString(11)),
                Db.instant(rs.getTimestamp(12)));
    }
}
