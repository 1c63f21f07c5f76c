package dev.zero.agent.fs;

import dev.zero.agent.cache.TieredFiles;

/**
 * The operations on the tiered backing tree that a transport serves, wired together once:
 * whichever transport carries the requests (jnr-fuse's path API or the inode protocol), the
 * tree, its tier records and its journal change the same way.
 */
public record TreeOps(FileOps files, DirOps dirs, LinkOps links, XattrOps xattrs) {
    /** @param reportedCapacity the size {@code df} shows for the mount */
    public static TreeOps of(TieredFiles tiered, ChangeLog changeLog, long reportedCapacity) {
        ChangeReporter changes = new ChangeReporter(changeLog, tiered.root(), tiered.attrs(), tiered.times());
        FileOps files = new FileOps(tiered.root(), tiered, changes, reportedCapacity);
        return new TreeOps(files, new DirOps(tiered.root(), tiered, changes), new LinkOps(tiered.root(), tiered, changes),
                new XattrOps(tiered.root(), files));
    }
}
