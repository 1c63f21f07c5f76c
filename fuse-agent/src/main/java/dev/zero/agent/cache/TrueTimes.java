package dev.zero.agent.cache;

import java.util.concurrent.ConcurrentHashMap;

import dev.zero.agent.posix.Stat;
import dev.zero.agent.posix.Stat.Timespec;
import jnr.ffi.Pointer;

/**
 * The times the mount shows for backing files whose own times tiering has moved: punching a
 * file's blocks, refilling them and writing the agent's attribute all move the backing ctime
 * (and refilling moves the mtime until it is put back). Keyed by backing inode, so a stat of a
 * file that was never tiered costs one lookup in an empty or small map and no I/O. The ctimes
 * are persisted in each file's {@link TierAttr} (and a restore's mtime in its {@link ChunkMap}),
 * and loaded again by the start-up walk.
 */
public final class TrueTimes {
    /** {@code mtime} null: the backing file's own mtime is true. */
    record Entry(Timespec mtime, Timespec ctime) {
    }

    private final ConcurrentHashMap<Long, Entry> byInode = new ConcurrentHashMap<>();

    /** Puts the true times into a {@code struct stat} just filled from the backing tree. */
    public void apply(Pointer st) {
        if (byInode.isEmpty()) {
            return;
        }
        Entry e = byInode.get(Stat.ino(st));
        if (e != null) {
            Stat.setCtime(st, e.ctime());
            if (e.mtime() != null) {
                Stat.setMtime(st, e.mtime());
            }
        }
    }

    /** The ctime users see for the inode, or null when the backing file's own is true. */
    public Timespec ctime(long inode) {
        Entry e = byInode.isEmpty() ? null : byInode.get(inode);
        return e == null ? null : e.ctime();
    }

    public boolean has(long inode) {
        return !byInode.isEmpty() && byInode.containsKey(inode);
    }

    void set(long inode, Timespec mtime, Timespec ctime) {
        byInode.put(inode, new Entry(mtime, ctime));
    }

    /** The inode's backing times are true again (a user's change through the mount moved them), or the inode is gone. */
    public void forget(long inode) {
        if (!byInode.isEmpty()) {
            byInode.remove(inode);
        }
    }

    public int size() {
        return byInode.size();
    }
}
