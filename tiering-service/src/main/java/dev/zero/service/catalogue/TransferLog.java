package dev.zero.service.catalogue;

import jakarta.enterprise.context.ApplicationScoped;

/** History of transfers between agents and the object store. */
@ApplicationScoped
public class TransferLog {
    public enum Direction { UP, DOWN }

    public enum Outcome { OK, FAILED, STALE }

    private final Db db;

    TransferLog(Db db) {
        this.db = db;
    }

    public void record(long volumeId, long fileId, Long contentVersion, Direction direction, long bytes, Outcome outcome, String error) {
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("""
                    insert into transfer (volume_id, file_id, content_version, direction, object_id, bytes, finished_at, outcome, error)
                    values (?, ?, ?::bigint, ?, null, ?, now(), ?, ?)"""),
                    volumeId, fileId, contentVersion, direction, bytes, outcome, error)) {
                s.executeUpdate();
            }
            return null;
        });
    }
}
