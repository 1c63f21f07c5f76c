package dev.zero.service.catalogue;

import dev.zero.api.CommandView;
import dev.zero.api.TierInfo;
import dev.zero.api.UndeleteRequest;
import dev.zero.api.VersionView;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Stored versions that are still held: a file's older uploads and the last upload of files
 * deleted at a path, kept for the retention period after they stop being current; and undelete,
 * which brings a deleted file back from its last stored version.
 */
@ApplicationScoped
public class Versions {
    private final Db db;
    private final Commands commands;
    private final ServiceConfig config;

    Versions(Db db, Commands commands, ServiceConfig config) {
        this.db = db;
        this.commands = commands;
        this.config = config;
    }

    public List<VersionView> list(String volume, String path) {
        return db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            List<VersionView> out = new ArrayList<>();
            Optional<Long> file = Paths.resolve(c, volumeId, path);
            if (file.isPresent()) {
                try (var s = Db.bind(c.prepareStatement("""
                        select o.content_version, o.size, o.sha256, o.created_at, o.id = f.object_id, o.unreferenced_since
                        from object o join file f on f.volume_id = o.volume_id and f.id = o.file_id
                        where o.volume_id = ? and o.file_id = ? and o.state = 'STORED' order by o.content_version desc, o.id desc"""),
                        volumeId, file.get()); var rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(new VersionView(path, file.get(), rs.getLong(1), rs.getLong(2), HexFormat.of().formatHex(rs.getBytes(3)),
                                Db.instant(rs.getTimestamp(4)), rs.getBoolean(5), null, keptUntil(Db.instant(rs.getTimestamp(6)))));
                    }
                }
            }
            try (var s = Db.bind(c.prepareStatement("""
                    select d.file_id, o.content_version, o.size, o.sha256, o.created_at, d.deleted_at, o.unreferenced_since
                    from deleted_file d join object o on o.id = d.object_id
                    where d.volume_id = ? and d.path = ? order by d.deleted_at desc"""), volumeId, path); var rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new VersionView(path, rs.getLong(1), rs.getLong(2), rs.getLong(3), HexFormat.of().formatHex(rs.getBytes(4)),
                            Db.instant(rs.getTimestamp(5)), false, Db.instant(rs.getTimestamp(6)), keptUntil(Db.instant(rs.getTimestamp(7)))));
                }
            }
            return out;
        });
    }

    private Instant keptUntil(Instant unreferencedSince) {
        return unreferencedSince == null ? null : unreferencedSince.plus(config.gc().retention());
    }

    /** Queues the recreation of the file last deleted at {@code request.path()}, at {@code request.to()}. */
    public CommandView undelete(String volume, UndeleteRequest request) {
        long commandId = db.inTransaction(c -> {
            long volumeId = Volumes.idOf(c, volume);
            if (Paths.resolve(c, volumeId, request.to()).isPresent()) {
                throw ApiException.conflict("'" + request.to() + "' exists; undelete to another path (to)");
            }
            long deletedId;
            long fileId;
            long version;
            long size;
            String nonce;
            try (var s = Db.bind(c.prepareStatement("""
                    select d.file_id, o.content_version, o.nonce, o.size, d.id from deleted_file d join object o on o.id = d.object_id
                    where d.volume_id = ? and d.path = ? and o.state = 'STORED' order by d.deleted_at desc limit 1"""), volumeId, request.path());
                    var rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("no deleted file at '" + request.path() + "' has a stored version left (kept for "
                            + config.gc().retention() + " after deletion)");
                }
                fileId = rs.getLong(1);
                version = rs.getLong(2);
                nonce = rs.getString(3);
                size = rs.getLong(4);
                deletedId = rs.getLong(5);
            }
            return commands.insertUndelete(c, volumeId, request, deletedId, fileId, version, nonce, size);
        });
        return commands.progress(commandId);
    }
}
