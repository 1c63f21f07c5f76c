package dev.zero.fuse.kernel;

import java.time.Duration;

/**
 * How long the kernel may trust what a reply tells it. The daemon is the only writer of its
 * backing tree and the kernel keeps its own caches right for every change made through the
 * mount (every hard link is one node), so these can be long, as virtiofs's {@code cache=always}:
 * what changes behind the kernel (tier changes) is invalidated by notification. The one blind
 * spot is a shared writable mapping of a passed-through file, whose stores change the backing
 * file's times without a request: a file once opened read-write (mmap needs a readable
 * descriptor) has its attributes cached only {@code readWriteAttr}.
 *
 * @param entry names found ({@code entry_valid})
 * @param negative names not found (0: not cached)
 * @param attr attributes ({@code attr_valid})
 * @param readWriteAttr attributes of a file opened read-write since the kernel first asked for it
 */
public record CacheTimeouts(Duration entry, Duration negative, Duration attr, Duration readWriteAttr) {
    public CacheTimeouts {
        for (Duration d : new Duration[] {entry, negative, attr, readWriteAttr}) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("a cache timeout cannot be negative: " + d);
            }
        }
    }

    /** Names and attributes cached for {@code entry} and {@code attr}, whatever the file; missing names not at all. */
    public static CacheTimeouts of(Duration entry, Duration attr) {
        return new CacheTimeouts(entry, Duration.ZERO, attr, attr);
    }
}
