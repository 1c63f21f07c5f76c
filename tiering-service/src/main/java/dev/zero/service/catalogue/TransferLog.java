package dev.zero.service.catalogue;

import dev.zero.api.FileView;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** History of transfers between agents and the object store. */
@ApplicationScoped
public class TransferLog {
    public enum Direction { UP, DOWN }

    public enum Outcome { OK, FAILED, STALE }

    private final Db db;

    TransferLog(Db db) {
        this.db = db;
    }

    /** Records one finished transfer; {@code range} names the bytes of a partial download, null for a whole object. */
    public void record(long volumeId, long fileId, Long contentVersion, Direction direction, long bytes, String range, Outcome outcome,
            String error) {
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    insert into transfer (volume_id, file_id, content_version, direction, object_id, bytes, byte_range, finished_at, outcome, error)
                    values (?, ?, ?::bigint, ?, null, ?, ?, now(), ?, ?)"""),
                    volumeId, fileId, contentVersion, direction, bytes, range, outcome, error)) {
                s.executeUpdate();
            }
            return null;
        });
    }

    /** The file's most recent transfers, newest first. */
    static List<FileView.Transfer> recent(Connection c, long volumeId, long fileId, int max) throws SQLException {
        try (var s = Db.bind(c.prepareStatement("""
                select started_at, finished_at, direction, content_version, bytes, byte_range, outcome, error from transfer
                where volume_id = ? and file_id = ? order by started_at desc, id desc limit ?"""), volumeId, fileId, max);
                var rs = s.executeQuery()) {
            List<FileView.Transfer> out = new ArrayList<>();
            while (rs.next()) {
                long version = rs.getLong(4);
                out.add(new FileView.Transfer(Db.instant(rs.getTimestamp(1)), Db.instant(rs.getTimestamp(2)), rs.getString(3),
                        rs.wasNull() ? null : version, rs.getLong(5), rs.getString(6), rs.getString(7), rs.getString(8)));
            }
            return out;
        }
    }
}
