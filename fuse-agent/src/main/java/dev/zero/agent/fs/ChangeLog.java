package dev.zero.agent.fs;

import dev.zero.api.FileMeta;

/**
 * Where the mount reports every namespace and content change, after the backing tree has
 * made it. Implementations must return at once: no call may wait for the service or for an
 * fsync (the journal appends in memory and writes in batches). File ids are the agent's
 * stable ids (the root directory is {@link dev.zero.api.VolumeView#ROOT_FILE_ID}); names are
 * single path components.
 */
public interface ChangeLog {
    /** A file, directory, symlink or node was created under a directory. */
    void created(long fileId, long parentId, String name, FileMeta meta, String linkTarget);

    /** An existing file got another name (hard link); {@code meta} has its new link count. */
    void linked(long fileId, long parentId, String name, FileMeta meta);

    /** A name was removed (unlink or rmdir); {@code fileId} is what it named, when known. */
    void unlinked(Long fileId, long parentId, String name);

    /** A name moved, replacing whatever the new name held. */
    void renamed(Long fileId, long parentId, String name, long newParentId, String newName);

    /** Attributes changed: mode, owner, times or size by truncate. */
    void attributesChanged(long fileId, FileMeta meta);

    /** Content was written and the writer closed or fsynced the file; {@code meta} carries the new content version. */
    void contentChanged(long fileId, FileMeta meta);

    /** The file was opened or read; cheap to call on every access (the journal coalesces). */
    void accessed(long fileId);
}
