package dev.zero.api;

/**
 * The kinds of change an agent journals. Each record names the fields it uses; the
 * catalogue applies them in sequence order, and applying one twice has no further effect.
 */
public enum JournalOp {
    /** A new file, directory, symlink or node {@code fileId} named {@code (parentId, name)}, with {@code meta} (and {@code linkTarget} for symlinks). */
    CREATE,
    /** A new name {@code (parentId, name)} for the existing file {@code fileId}; {@code meta} carries its new link count. */
    LINK,
    /** The name {@code (parentId, name)} of {@code fileId} is gone (unlink or rmdir); a file left without names leaves the catalogue. */
    UNLINK,
    /** {@code (parentId, name)} moved to {@code (newParentId, newName)}, replacing whatever was there. */
    RENAME,
    /** {@code fileId}'s attributes changed (chmod, chown, utimens, truncate): {@code meta} is the new snapshot. */
    SETATTR,
    /** {@code fileId}'s content changed (written and closed or fsynced): {@code meta} carries the new size, times and content version. */
    CONTENT,
    /** {@code fileId}'s content moved between the host and the object store: {@code tier} says where it is now. */
    TIER,
    /** {@code fileId} was read or opened at {@code at} (accesses are coalesced by the agent). */
    ACCESS,
    /** A reconciling walk starts: every snapshot until the matching end carries {@code generation}. */
    RECONCILE_BEGIN,
    /**
     * One file as found by the reconciling walk: {@code fileId} named {@code (parentId, name)} (no parent for the root) with
     * {@code meta}, and for a regular file its {@code tier} (so a rebuilt catalogue knows which content lives only in the store).
     */
    SNAPSHOT,
    /** The reconciling walk of {@code generation} is complete: whatever it did not see is removed from the catalogue. */
    RECONCILE_END
}
