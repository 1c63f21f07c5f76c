package dev.zero.service.catalogue;

import dev.zero.api.TierInfo;
import dev.zero.api.TierState;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The only code that changes a file's tier state in the catalogue. Each change is a
 * conditional update on the content version it applies to, so a transition that raced with
 * newer content changes nothing. The agent's own record of a file (its packed attribute) is the
 * truth; the catalogue follows it through uploads the service confirms, the agent's TIER journal
 * records and the snapshots of reconciling walks.
 */
@ApplicationScoped
public class TierTransitions {
    /** A file an upload may target: it exists, is a regular file, and has not moved past the version uploaded. */
    public record UploadTarget(long volumeId, long currentVersion) {
    }

    private final Db db;

    TierTransitions(Db db) {
        this.db = db;
    }

    /** Checks before any byte is stored that the file exists, is a regular file and is not newer than {@code version}. */
    public UploadTarget uploadTarget(String volume, long fileId, long version) {
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
                long current = rs.getLong(2);
                if (current > version) {
                    throw stale(fileId, version, current);
                }
                return new UploadTarget(volumeId, current);
            }
        });
    }

    /**
     * The uploader confirmed that a staged object holds content version {@code version}: the
     * object becomes the file's stored copy and the file SYNCED, unless the file has moved past
     * that version (409) or the uploader's SHA-256 differs from what was stored (409). A journal
     * that lags behind the uploader is caught up here: the catalogue takes the version and size
     * the object proves.
     */
    public void confirmed(long volumeId, long fileId, long version, long nonce, String sha256) {
        db.inTransaction(c -> {
            StoredObjects.Row object = StoredObjects.find(c, volumeId, fileId, version, nonce).orElseThrow(() -> ApiException.notFound(
                    "file " + fileId + " has no uploaded object " + TierInfo.nonceHex(nonce) + " of version " + version));
            if (!object.sha256Hex().equals(sha256)) {
                throw ApiException.conflict("content SHA-256 mismatch: the uploader sent " + sha256 + " but the store holds "
                        + object.sha256Hex() + " (" + object.size() + " bytes); the upload was discarded");
            }
            update(c, "update object set state = 'STORED' where id = ?", object.id());
            int changed = update(c, """
                    update file set object_id = ?, content_hash = ?, size = ?, content_version = ?, state = 'SYNCED'
                    where volume_id = ? and id = ? and type = 'FILE' and content_version <= ?""",
                    object.id(), object.sha256(), object.size(), version, volumeId, fileId, version);
            if (changed != 1) {
                throw ApiException.conflict("content version " + version + " is no longer the current content of file " + fileId
                        + "; the upload was discarded");
            }
            return null;
        });
    }

    /**
     * New content (a CONTENT, SETATTR or CREATE record with a higher version than the catalogue
     * had): the stored copy, if any, is of an older version, so the file is LOCAL again.
     */
    void newContent(Connection c, long volumeId, long fileId, long version) throws SQLException {
        update(c, "update file set state = 'LOCAL' where volume_id = ? and id = ? and content_version = ? and state <> 'LOCAL'",
                volumeId, fileId, version);
    }

    /**
     * The agent moved the file's content (a TIER record). Applies only to the content version the
     * record names: a record about content the file has since replaced changes nothing.
     */
    void reported(Connection c, long volumeId, long fileId, TierInfo tier) throws SQLException {
        apply(c, volumeId, fileId, tier, true);
    }

    /**
     * A reconciling walk saw the file with this tier record: the walk is authoritative, so the
     * state is taken whatever the catalogue held (a rebuilt catalogue learns here which content
     * lives only in the store). Returns false when the stored copy it names is not in the
     * catalogue's object table (it is adopted from the store when first read).
     */
    boolean snapshot(Connection c, long volumeId, long fileId, TierInfo tier) throws SQLException {
        return apply(c, volumeId, fileId, tier, false);
    }

    private static boolean apply(Connection c, long volumeId, long fileId, TierInfo tier, boolean sameVersionOnly) throws SQLException {
        String nonce = tier.nonce();
        try (var s = Db.bind(c.prepareStatement("""
                with o as (select id, sha256 from object where volume_id = ? and file_id = ? and content_version = ?::bigint and nonce = ?::text)
                update file f set state = ?,
                    restores = f.restores + case when f.state = 'EVICTED' and ?::text in ('RESTORING', 'SYNCED') and ? then 1 else 0 end,
                    -- content brought back is in use: the minimum residency runs from its restore
                    last_access = case when f.state = 'EVICTED' and ?::text in ('RESTORING', 'SYNCED') and ? then greatest(f.last_access, now())
                                  else f.last_access end,
                    object_id = coalesce((select id from o), f.object_id),
                    content_hash = coalesce((select sha256 from o), f.content_hash)
                where f.volume_id = ? and f.id = ? and f.type = 'FILE' and (not ? or f.content_version = ?)
                returning (?::text is null or exists (select 1 from o))"""),
                volumeId, fileId, tier.storedVersion(), nonce, catalogueState(tier.state()).name(), catalogueState(tier.state()).name(),
                sameVersionOnly, catalogueState(tier.state()).name(), sameVersionOnly, volumeId, fileId, sameVersionOnly,
                tier.contentVersion(), nonce); var rs = s.executeQuery()) {
            return !rs.next() || rs.getBoolean(1);
        }
    }

    /** The agent's transitional states never outlive a step; the catalogue keeps the state on either side that is safe to plan on. */
    static TierState catalogueState(TierState agentState) {
        return switch (agentState) {
            case UPLOADING -> TierState.LOCAL;
            case EVICTING -> TierState.SYNCED;
            default -> agentState;
        };
    }

    private static ApiException stale(long fileId, long version, long current) {
        return ApiException.conflict("content version " + version + " is no longer the current content of file " + fileId
                + " (the catalogue has version " + current + "); the upload was discarded");
    }

    private static int update(Connection c, String sql, Object... values) throws SQLException {
        try (var s = Db.bind(c.prepareStatement(sql), values)) {
            return s.executeUpdate();
        }
    }
}
