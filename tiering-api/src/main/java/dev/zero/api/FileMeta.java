package dev.zero.api;

import java.time.Instant;

/**
 * A snapshot of one file's attributes as the agent saw them on the backing tree.
 * {@code contentVersion} increases every time the content changes; an upload is current
 * only if it carries the version the catalogue holds.
 */
public record FileMeta(FileType type, long size, int mode, int uid, int gid, int nlink,
        Instant atime, Instant mtime, Instant ctime, long contentVersion) {
    public FileMeta {
        Checks.present("meta.type", type);
        Checks.nonNegative("meta.size", size);
        Checks.nonNegative("meta.nlink", nlink);
        Checks.nonNegative("meta.contentVersion", contentVersion);
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("meta.mode must hold permission bits only (<= 07777), got 0" + Integer.toOctalString(mode));
        }
    }
}
