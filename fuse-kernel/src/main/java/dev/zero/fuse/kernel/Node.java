package dev.zero.fuse.kernel;

/**
 * One kernel inode: an id of the transport's own, keyed by the backing file's (device, inode)
 * and held by an O_PATH descriptor, so that every hard link of a file is one node.
 */
public final class Node {
    record Key(long dev, long ino) {
    }

    final long id;
    final Key key;
    final int fd;
    /** A symbolic link (an inode's type never changes): no chmod, times or xattrs through /proc. */
    final boolean symlink;
    long lookups; // guarded by the node table
    /** Where the kernel last looked it up: its parent's node id and its name there (guarded by the node table; see {@link NodeBudget}). */
    long parent;
    byte[] name;
    /** Asked for since the budget last swept past it (guarded by the node table; see {@link NodeBudget}). */
    boolean referenced;
    int opens; // guarded by the node
    int backingId; // guarded by the node
    /** Opened read-write since the kernel first asked for it: it may be mapped shared (see {@link CacheTimeouts}). */
    volatile boolean openedReadWrite;

    Node(long id, Key key, int fd, boolean symlink) {
        this.id = id;
        this.key = key;
        this.fd = fd;
        this.symlink = symlink;
    }

    /** The O_PATH descriptor of the backing file. */
    public int fd() {
        return fd;
    }

    /** The backing file's device. */
    public long device() {
        return key.dev();
    }

    /** The backing file's inode number. */
    public long inode() {
        return key.ino();
    }

    public boolean isSymlink() {
        return symlink;
    }

    /** "/proc/self/fd/N": a path to the backing inode itself, whatever its names are now. */
    public String procPath() {
        return "/proc/self/fd/" + fd;
    }
}
