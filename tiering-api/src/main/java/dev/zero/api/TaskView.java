package dev.zero.api;

import java.time.Instant;

/**
 * A task handed to an agent, leased to it until {@code leaseUntil}. {@code path} is one name of
 * the file in the volume as the catalogue knows it when the task is handed out; the agent checks
 * that the name still leads to {@code fileId} before acting. For UNDELETE, {@code fileId}
 * and {@code contentVersion} with {@code recreate} name the stored object to recreate the file
 * from, {@code path} where; {@code recreate} is null for other kinds.
 */
public record TaskView(long id, TaskKind kind, String volume, long fileId, long contentVersion, String path, Instant leaseUntil,
        Recreate recreate) {

    /** What an undeleted file is recreated as: the stored object's nonce, and the deleted file's mode, owner and mtime. */
    public record Recreate(String nonce, int mode, int uid, int gid, Instant mtime) {
    }
}
