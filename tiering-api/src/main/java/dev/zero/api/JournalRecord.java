package dev.zero.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One entry of an agent's change journal. {@code seq} numbers the records of a volume
 * from 1 without gaps; see {@link JournalOp} for which fields each kind uses.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JournalRecord(long seq, JournalOp op, Long fileId, Long parentId, String name,
        Long newParentId, String newName, FileMeta meta, String linkTarget, Instant at, Long generation, TierInfo tier) {

    public JournalRecord {
        Checks.positive("seq", seq);
        Checks.present("op", op);
        String where = "record " + seq + " (" + op + ")";
        switch (op) {
            case CREATE -> {
                need(where, "fileId", fileId);
                needName(where, parentId, name);
                need(where, "meta", meta);
                if (meta.type() == FileType.SYMLINK) {
                    need(where, "linkTarget", linkTarget);
                }
                Checks.text(where + " linkTarget", linkTarget);
            }
            case LINK -> {
                need(where, "fileId", fileId);
                needName(where, parentId, name);
            }
            case UNLINK -> needName(where, parentId, name);
            case RENAME -> {
                needName(where, parentId, name);
                need(where, "newParentId", newParentId);
                Checks.entryName(where + " newName", newName);
            }
            case SETATTR, CONTENT -> {
                need(where, "fileId", fileId);
                need(where, "meta", meta);
            }
            case TIER -> {
                need(where, "fileId", fileId);
                need(where, "tier", tier);
            }
            case ACCESS -> {
                need(where, "fileId", fileId);
                need(where, "at", at);
            }
            case RECONCILE_BEGIN, RECONCILE_END -> need(where, "generation", generation);
            case SNAPSHOT -> {
                need(where, "fileId", fileId);
                need(where, "meta", meta);
                need(where, "generation", generation);
                if (fileId != VolumeView.ROOT_FILE_ID) {
                    needName(where, parentId, name);
                }
            }
        }
    }

    private static void need(String where, String field, Object value) {
        Checks.present(where + " " + field, value);
    }

    private static void needName(String where, Long parentId, String name) {
        need(where, "parentId", parentId);
        Checks.entryName(where + " name", name);
    }

    public static JournalRecord create(long seq, long fileId, long parentId, String name, FileMeta meta, String linkTarget) {
        return new JournalRecord(seq, JournalOp.CREATE, fileId, parentId, name, null, null, meta, linkTarget, null, null, null);
    }

    public static JournalRecord link(long seq, long fileId, long parentId, String name, FileMeta meta) {
        return new JournalRecord(seq, JournalOp.LINK, fileId, parentId, name, null, null, meta, null, null, null, null);
    }

    public static JournalRecord unlink(long seq, Long fileId, long parentId, String name) {
        return new JournalRecord(seq, JournalOp.UNLINK, fileId, parentId, name, null, null, null, null, null, null, null);
    }

    public static JournalRecord rename(long seq, Long fileId, long parentId, String name, long newParentId, String newName) {
        return new JournalRecord(seq, JournalOp.RENAME, fileId, parentId, name, newParentId, newName, null, null, null, null, null);
    }

    public static JournalRecord setattr(long seq, long fileId, FileMeta meta) {
        return new JournalRecord(seq, JournalOp.SETATTR, fileId, null, null, null, null, meta, null, null, null, null);
    }

    public static JournalRecord content(long seq, long fileId, FileMeta meta) {
        return new JournalRecord(seq, JournalOp.CONTENT, fileId, null, null, null, null, meta, null, null, null, null);
    }

    public static JournalRecord tier(long seq, long fileId, TierInfo tier) {
        return new JournalRecord(seq, JournalOp.TIER, fileId, null, null, null, null, null, null, null, null, tier);
    }

    public static JournalRecord access(long seq, long fileId, Instant at) {
        return new JournalRecord(seq, JournalOp.ACCESS, fileId, null, null, null, null, null, null, at, null, null);
    }

    public static JournalRecord reconcileBegin(long seq, long generation) {
        return new JournalRecord(seq, JournalOp.RECONCILE_BEGIN, null, null, null, null, null, null, null, null, generation, null);
    }

    public static JournalRecord snapshot(long seq, long generation, long fileId, Long parentId, String name, FileMeta meta, String linkTarget,
            TierInfo tier) {
        return new JournalRecord(seq, JournalOp.SNAPSHOT, fileId, parentId, name, null, null, meta, linkTarget, null, generation, tier);
    }

    public static JournalRecord reconcileEnd(long seq, long generation) {
        return new JournalRecord(seq, JournalOp.RECONCILE_END, null, null, null, null, null, null, null, null, generation, null);
    }

    /** The same record under another sequence number (the agent numbers records when it appends them). */
    public JournalRecord withSeq(long newSeq) {
        return new JournalRecord(newSeq, op, fileId, parentId, name, newParentId, newName, meta, linkTarget, at, generation, tier);
    }
}
