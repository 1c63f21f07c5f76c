package dev.zero.fuse.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import dev.zero.fuse.kernel.KernelMount.Request;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An inode-based filesystem over {@link KernelMount}: nodes are ids of its own, keyed by the
 * backing file's (device, inode) and held by O_PATH descriptors, so every hard link of a file is
 * one kernel inode and attributes can be cached. With passthrough, each open file whose content
 * is present names a backing file (one per inode, kept until its last release) and the kernel
 * reads and writes it itself; other opens bypass the page cache and reach {@link Backing#read}.
 * What the tree does on changes is its {@link Backing}'s: {@link Backing#MIRROR} mirrors it,
 * the agent's tiering keeps its records and journal.
 */
public final class InodeFs implements KernelMount.Operations {
    private static final int DIRENT_BUFFER = 64 * 1024;

    private record Handle(Node node, Backing.Opened file) {
    }

    private record DirEntry(long ino, int type, byte[] name) {
    }

    /** An open directory: a snapshot of its entries, taken again when a reader starts over (rewinddir). */
    private static final class DirHandle {
        final Node node;
        final int fd;
        volatile List<DirEntry> entries;
        volatile boolean read;

        DirHandle(Node node, int fd, List<DirEntry> entries) {
            this.node = node;
            this.fd = fd;
            this.entries = entries;
        }
    }

    /** Every node by id, in the order the budget's sweep passes them (see {@link NodeBudget}). */
    private final LinkedHashMap<Long, Node> nodes = new LinkedHashMap<>();
    private final Map<Node.Key, Node> byKey = new HashMap<>();
    private final Map<Long, Handle> files = new ConcurrentHashMap<>();
    private final Map<Long, DirHandle> dirs = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(Protocol.ROOT_ID + 1);
    private final AtomicLong nextFh = new AtomicLong(1);
    private final Node root;
    private final Backing backing;
    private final long entryTimeoutNs;
    private final long negativeTimeoutNs;
    private final long attrTimeoutNs;
    private final long readWriteAttrTimeoutNs;
    private volatile boolean passthrough;
    private volatile String passthroughRefusal;
    private volatile int device = -1;
    private volatile KernelMount mount;
    private final NodeBudget budget = new NodeBudget(this);

    private InodeFs(Node root, Backing backing, CacheTimeouts timeouts) {
        this.root = root;
        this.backing = backing;
        this.entryTimeoutNs = timeouts.entry().toNanos();
        this.negativeTimeoutNs = timeouts.negative().toNanos();
        this.attrTimeoutNs = timeouts.attr().toNanos();
        this.readWriteAttrTimeoutNs = Math.min(attrTimeoutNs, timeouts.readWriteAttr().toNanos());
        root.lookups = 1;
        nodes.put(root.id, root);
        byKey.put(root.key, root);
    }

    /** Mounts a mirror of {@code tree} on {@code mountpoint}. */
    public static Mounted mount(Path tree, Path mountpoint, boolean passthrough, CacheTimeouts timeouts, int threads) throws IOException {
        return mount(tree, Backing.MIRROR, "zero-mirror", mountpoint, passthrough, true, timeouts, threads);
    }

    /**
     * Mounts {@code tree} on {@code mountpoint} as file system {@code name}, its changes made by
     * {@code backing}; passthrough where the kernel offers it and {@code passthrough} asks for it,
     * requests over io_uring likewise.
     */
    public static Mounted mount(Path tree, Backing backing, String name, Path mountpoint, boolean passthrough, boolean ioUring,
            CacheTimeouts timeouts, int threads) throws IOException {
        Scratch s = Scratch.get();
        int fd;
        try {
            try (Arena a = Arena.ofConfined()) {
                fd = Libc.open(a.allocateFrom(tree.toAbsolutePath().toString()), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
            }
            Libc.fstatat(fd, s.empty, s.stat, Libc.AT_EMPTY_PATH);
        } catch (Errno e) {
            throw new IOException("cannot open the backing tree " + tree + ": errno " + e.errno);
        }
        InodeFs fs = new InodeFs(new Node(Protocol.ROOT_ID, key(s.stat), fd, false), backing, timeouts);
        Libc.umask(0); // the kernel has applied the caller's umask already
        KernelMount mount;
        try {
            mount = KernelMount.mount(mountpoint, name, fs, passthrough, ioUring, threads);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        return new Mounted(fs, mount);
    }

    /** A mounted file system: the transport's counters, and the node table for tests. */
    public record Mounted(InodeFs fs, KernelMount mount) implements AutoCloseable {
        /**
         * Drops the kernel's cached attributes of backing inode {@code ino} (the daemon changed
         * them behind a request: blocks punched or restored); nothing when the kernel holds no node of it.
         */
        public void invalidateAttributes(long ino) throws IOException {
            long node = fs.nodeOf(ino);
            if (node != 0) {
                mount.invalidateInode(node, -1, 0);
            }
        }

        @Override
        public void close() {
            mount.close();
        }
    }

    /** The node id the kernel knows the backing file {@code relative} by, or 0 if it holds none. */
    public long nodeOf(Path relative) throws IOException {
        Scratch s = Scratch.get();
        try (Arena a = Arena.ofConfined()) {
            Libc.fstatat(root.fd, a.allocateFrom(relative.toString()), s.stat, Libc.AT_SYMLINK_NOFOLLOW);
        } catch (Errno e) {
            throw new IOException("stat " + relative + ": errno " + e.errno);
        }
        synchronized (nodes) {
            Node n = byKey.get(key(s.stat));
            return n == null ? 0 : n.id;
        }
    }

    /** The node the kernel knows the backing inode {@code ino} of the tree's device by, or 0 if it holds none. */
    public long nodeOf(long ino) {
        synchronized (nodes) {
            Node n = byKey.get(new Node.Key(root.key.dev(), ino));
            return n == null ? 0 : n.id;
        }
    }

    /** How many nodes the table keeps before it asks the kernel to forget some, and how many it asked. */
    public NodeBudget budget() {
        return budget;
    }

    /** Nodes the kernel holds (root included); shrinks as it forgets them. */
    public int nodes() {
        synchronized (nodes) {
            return nodes.size();
        }
    }

    /** Why open files are not passed through although the kernel offered it, or null. */
    public String passthroughRefusal() {
        return passthroughRefusal;
    }

    /** Open files right now. */
    public int openFiles() {
        return files.size();
    }

    /** 2 where the backing tree is itself on a stacked file system (overlayfs, as in many containers), else 1. */
    @Override
    public int backingStackDepth() {
        try {
            MemorySegment b = Scratch.get().statfs;
            Libc.fstatfs(root.fd, b);
            return b.get(JAVA_LONG_UNALIGNED, 0) == OVERLAYFS_SUPER_MAGIC ? 2 : 1;
        } catch (Errno e) {
            return 1;
        }
    }

    private static final long OVERLAYFS_SUPER_MAGIC = 0x794c7630L;

    @Override
    public void initialised(KernelMount mount) {
        this.passthrough = mount.passthrough();
        this.device = mount.deviceFd();
        this.mount = mount;
        budget.start(mount);
    }

    @Override
    public int handle(Request r, MemorySegment out) {
        try {
            return switch (r.opcode) {
                case Protocol.LOOKUP -> lookupReply(node(r.nodeid), r.argName(0), out);
                case Protocol.FORGET -> {
                    forget(r.nodeid, r.argLong(0));
                    yield KernelMount.NO_REPLY;
                }
                case Protocol.BATCH_FORGET -> {
                    int count = r.argInt(0);
                    for (int i = 0; i < count; i++) {
                        forget(r.argLong(8 + 16L * i), r.argLong(16 + 16L * i));
                    }
                    yield KernelMount.NO_REPLY;
                }
                case Protocol.GETATTR -> getattr(r, out);
                case Protocol.SETATTR -> setattr(r, out);
                case Protocol.READLINK -> (int) Libc.readlinkat(node(r.nodeid).fd, Scratch.get().empty, out, 4096);
                case Protocol.SYMLINK -> symlink(r, out);
                case Protocol.MKNOD -> mknod(r, out);
                case Protocol.MKDIR -> mkdir(r, out);
                case Protocol.UNLINK -> {
                    backing.unlink(node(r.nodeid), r.argName(0));
                    yield 0;
                }
                case Protocol.RMDIR -> {
                    backing.rmdir(node(r.nodeid), r.argName(0));
                    yield 0;
                }
                case Protocol.RENAME -> rename(r, 8, 0);
                case Protocol.RENAME2 -> rename(r, 16, r.argInt(8));
                case Protocol.LINK -> link(r, out);
                case Protocol.OPEN -> open(r, out);
                case Protocol.CREATE -> create(r, out);
                case Protocol.READ -> read(r, out);
                case Protocol.WRITE -> write(r, out);
                case Protocol.FLUSH -> {
                    backing.flush(handle(r.argLong(0)).file);
                    yield 0;
                }
                case Protocol.RELEASE -> release(r.argLong(0));
                case Protocol.FSYNC -> {
                    backing.fsync(handle(r.argLong(0)).file, (r.argInt(8) & 1) != 0);
                    yield 0;
                }
                case Protocol.FALLOCATE -> {
                    backing.fallocate(handle(r.argLong(0)).file, r.argInt(24), r.argLong(8), r.argLong(16));
                    yield 0;
                }
                case Protocol.STATFS -> {
                    backing.statfs(root, out);
                    yield Protocol.STATFS_OUT;
                }
                case Protocol.GETXATTR -> getxattr(r, out);
                case Protocol.LISTXATTR -> listxattr(r, out);
                case Protocol.SETXATTR -> setxattr(r);
                case Protocol.REMOVEXATTR -> {
                    backing.removexattr(node(r.nodeid), r.argName(0));
                    yield 0;
                }
                case Protocol.LSEEK -> {
                    out.set(JAVA_LONG_UNALIGNED, 0, backing.lseek(handle(r.argLong(0)).file, r.argLong(8), r.argInt(16)));
                    yield 8;
                }
                case Protocol.OPENDIR -> opendir(r, out);
                case Protocol.READDIR -> readdir(r, out, false);
                case Protocol.READDIRPLUS -> readdir(r, out, true);
                case Protocol.RELEASEDIR -> {
                    DirHandle d = dirs.remove(r.argLong(0));
                    if (d != null) {
                        Libc.close(d.fd);
                    }
                    yield 0;
                }
                case Protocol.FSYNCDIR -> {
                    DirHandle d = dirs.get(r.argLong(0));
                    if (d == null) {
                        yield -Libc.EBADF;
                    }
                    Libc.fsync(d.fd, (r.argInt(8) & 1) != 0);
                    yield 0;
                }
                case Protocol.INTERRUPT -> KernelMount.NO_REPLY;
                case Protocol.DESTROY -> 0;
                // access (default_permissions checks it), locks (the kernel's own), copy_file_range:
                // ENOSYS, so that the kernel stops asking or does them itself.
                default -> -Libc.ENOSYS;
            };
        } catch (Errno e) {
            return -e.errno;
        } catch (NoSuchNode e) {
            return -Libc.ENOENT;
        }
    }

    @Override
    public void unanswered(Request r, MemorySegment payload, int length) {
        switch (r.opcode) {
            case Protocol.LOOKUP, Protocol.MKDIR, Protocol.MKNOD, Protocol.SYMLINK, Protocol.LINK -> forget(payload.get(JAVA_LONG_UNALIGNED, 0), 1);
            case Protocol.CREATE -> {
                forget(payload.get(JAVA_LONG_UNALIGNED, 0), 1);
                release(payload.get(JAVA_LONG_UNALIGNED, Protocol.ENTRY_OUT));
            }
            case Protocol.OPEN -> release(payload.get(JAVA_LONG_UNALIGNED, 0));
            case Protocol.OPENDIR -> {
                DirHandle d = dirs.remove(payload.get(JAVA_LONG_UNALIGNED, 0));
                if (d != null) {
                    Libc.close(d.fd);
                }
            }
            case Protocol.READDIRPLUS -> {
                for (int o = 0; o + Protocol.ENTRY_OUT + 24 <= length;) {
                    long id = payload.get(JAVA_LONG_UNALIGNED, o);
                    if (id != 0) {
                        forget(id, 1);
                    }
                    int nameLength = payload.get(JAVA_INT_UNALIGNED, o + Protocol.ENTRY_OUT + 16);
                    o += Protocol.ENTRY_OUT + ((24 + nameLength + 7) & ~7);
                }
            }
            default -> {
                // nothing was given
            }
        }
    }

    private static final class NoSuchNode extends RuntimeException {
        NoSuchNode() {
            super(null, null, false, false);
        }
    }

    private Node node(long id) {
        Node n;
        synchronized (nodes) {
            n = nodes.get(id);
            if (n != null) {
                n.referenced = true;
            }
        }
        if (n == null) {
            throw new NoSuchNode();
        }
        return n;
    }

    private Handle handle(long fh) throws Errno {
        Handle h = files.get(fh);
        if (h == null) {
            throw new Errno("handle", Libc.EBADF);
        }
        return h;
    }

    private static Node.Key key(MemorySegment stat) {
        return new Node.Key(stat.get(JAVA_LONG_UNALIGNED, 0), stat.get(JAVA_LONG_UNALIGNED, 8));
    }

    /**
     * The node of {@code name} in {@code dir}, its lookup count raised (the kernel will FORGET it),
     * with the attributes of the file it holds in {@code stat}.
     */
    private Node lookup(Node dir, MemorySegment name, MemorySegment stat) throws Errno {
        Scratch s = Scratch.get();
        // A name the kernel has seen before: its node by (device, inode), no descriptor to open.
        Libc.fstatat(dir.fd, name, stat, Libc.AT_SYMLINK_NOFOLLOW);
        Node known = known(stat, dir, name);
        if (known != null) {
            return known;
        }
        int fd;
        try {
            fd = Libc.openat(dir.fd, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        } catch (Errno e) {
            if (e.errno == Libc.EMFILE || e.errno == Libc.ENFILE) {
                budget.outOfDescriptors();
            }
            throw e;
        }
        try {
            // what the descriptor holds, should the name have moved since the stat
            Libc.fstatat(fd, s.empty, stat, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW);
        } catch (Errno e) {
            Libc.close(fd);
            throw e;
        }
        return register(fd, stat, dir, name);
    }

    /**
     * The node already known for the file in {@code stat}, or one made on {@code pathFd}, its
     * lookup count raised, found as {@code name} in {@code dir}.
     */
    private Node register(int pathFd, MemorySegment stat, Node dir, MemorySegment name) {
        Node.Key key = key(stat);
        Node n;
        synchronized (nodes) {
            Node existing = byKey.get(key);
            if (existing != null) {
                existing.lookups++;
                Libc.close(pathFd);
                seenAs(existing, dir, name);
                return existing;
            }
            n = new Node(nextId.getAndIncrement(), key, pathFd, (stat.get(JAVA_INT_UNALIGNED, 24) & Libc.S_IFMT) == Libc.S_IFLNK);
            n.lookups = 1;
            seenAs(n, dir, name);
            nodes.put(n.id, n);
            byKey.put(key, n);
            if (nodes.size() > budget.limit()) {
                budget.exceeded();
            }
        }
        return n;
    }

    /** The node of the file open on {@code fd} (attributes in {@code stat}), just made as {@code name} in {@code dir}, its lookup count raised. */
    private Node adopt(int fd, MemorySegment stat, Node dir, MemorySegment name) throws Errno {
        Node known = known(stat, dir, name);
        return known != null ? known : register(Libc.open(Scratch.get().procPath(fd), Libc.O_PATH | Libc.O_CLOEXEC, 0), stat, dir, name);
    }

    /** The node already known for the file in {@code stat}, found as {@code name} in {@code dir}, its lookup count raised; null if none. */
    private Node known(MemorySegment stat, Node dir, MemorySegment name) {
        synchronized (nodes) {
            Node existing = byKey.get(key(stat));
            if (existing != null) {
                existing.lookups++;
                seenAs(existing, dir, name);
            }
            return existing;
        }
    }

    /** Records the name the kernel now knows {@code n} by (a NUL-terminated {@code name} in {@code dir}). Called holding the table. */
    private static void seenAs(Node n, Node dir, MemorySegment name) {
        byte[] had = n.name;
        if (n.parent == dir.id && had != null && had.length < name.byteSize() && name.get(JAVA_BYTE, had.length) == 0
                && MemorySegment.mismatch(MemorySegment.ofArray(had), 0, had.length, name, 0, had.length) == -1) {
            return;
        }
        long length = 0;
        while (name.get(JAVA_BYTE, length) != 0) {
            length++;
        }
        n.parent = dir.id;
        n.name = name.asSlice(0, length).toArray(JAVA_BYTE);
    }

    /** After a rename: the name the kernel now knows the file at {@code name} in {@code dir} by (the kernel moved its dentry itself). */
    private void renamed(Node dir, MemorySegment name) {
        Scratch s = Scratch.get();
        try {
            Libc.fstatat(dir.fd, name, s.stat2, Libc.AT_SYMLINK_NOFOLLOW);
        } catch (Errno gone) {
            return;
        }
        synchronized (nodes) {
            Node n = byKey.get(key(s.stat2));
            if (n != null) {
                seenAs(n, dir, name);
            }
        }
    }

    /**
     * Up to {@code count} nodes the kernel could forget (not the root, not open, a name known),
     * as (parent, name) pairs, by a second-chance sweep: from the front of the table, a node asked
     * for since the last sweep loses its mark and goes to the back, as does every node offered, so
     * that the next sweep offers others. The request path only sets the mark.
     */
    List<NodeBudget.Name> forgettable(int count) {
        List<NodeBudget.Name> names = new ArrayList<>();
        List<Node> passed = new ArrayList<>();
        synchronized (nodes) {
            for (Node n : nodes.values()) {
                if (names.size() >= count) {
                    break;
                }
                if (n.id == Protocol.ROOT_ID) {
                    continue;
                }
                passed.add(n);
                if (n.referenced) {
                    n.referenced = false;
                } else if (n.name != null && n.opens == 0) {
                    names.add(new NodeBudget.Name(n.parent, n.name));
                }
            }
            for (Node n : passed) {
                nodes.remove(n.id);
                nodes.put(n.id, n);
            }
        }
        return names;
    }

    private void forget(long id, long count) {
        if (id == Protocol.ROOT_ID) {
            return;
        }
        synchronized (nodes) {
            Node n = nodes.get(id);
            if (n == null) {
                return;
            }
            n.lookups -= count;
            dropIfUnused(n);
        }
    }

    /** Removes a node the kernel has forgotten and no file holds open. Called holding the table. */
    private void dropIfUnused(Node n) {
        boolean open;
        synchronized (n) {
            open = n.opens > 0;
        }
        if (n.lookups <= 0 && !open && nodes.remove(n.id) != null) {
            byKey.remove(n.key, n);
            Libc.close(n.fd);
            budget.forgotten();
        }
    }

    /** LOOKUP: the entry, or where the name is not there and negative entries are cached, node 0 for that long. */
    private int lookupReply(Node dir, MemorySegment name, MemorySegment out) throws Errno {
        try {
            return entry(dir, name, out, 0);
        } catch (Errno e) {
            if (e.errno != Libc.ENOENT || negativeTimeoutNs == 0) {
                throw e;
            }
            out.asSlice(0, Protocol.ENTRY_OUT).fill((byte) 0);
            out.set(JAVA_LONG_UNALIGNED, 16, negativeTimeoutNs / 1_000_000_000L);
            out.set(JAVA_INT_UNALIGNED, 32, (int) (negativeTimeoutNs % 1_000_000_000L));
            return Protocol.ENTRY_OUT;
        }
    }

    private int entry(Node dir, MemorySegment name, MemorySegment out, int offset) throws Errno {
        Scratch s = Scratch.get();
        Node n = lookup(dir, name, s.stat);
        fillEntry(out, offset, n, s.stat);
        return Protocol.ENTRY_OUT;
    }

    private void fillEntry(MemorySegment out, int offset, Node n, MemorySegment stat) {
        backing.attributes(n, stat);
        out.set(JAVA_LONG_UNALIGNED, offset, n.id);
        out.set(JAVA_LONG_UNALIGNED, offset + 8, 0); // generation: ids are never reused
        long attr = attrTimeoutNs(n);
        out.set(JAVA_LONG_UNALIGNED, offset + 16, entryTimeoutNs / 1_000_000_000L);
        out.set(JAVA_LONG_UNALIGNED, offset + 24, attr / 1_000_000_000L);
        out.set(JAVA_INT_UNALIGNED, offset + 32, (int) (entryTimeoutNs % 1_000_000_000L));
        out.set(JAVA_INT_UNALIGNED, offset + 36, (int) (attr % 1_000_000_000L));
        fillAttr(out, offset + 40, stat);
    }

    /** How long the kernel may cache {@code n}'s attributes (see {@link CacheTimeouts}). */
    private long attrTimeoutNs(Node n) {
        return n.openedReadWrite ? readWriteAttrTimeoutNs : attrTimeoutNs;
    }

    private static void fillAttr(MemorySegment out, long o, MemorySegment st) {
        out.set(JAVA_LONG_UNALIGNED, o, st.get(JAVA_LONG_UNALIGNED, 8)); // ino
        out.set(JAVA_LONG_UNALIGNED, o + 8, st.get(JAVA_LONG_UNALIGNED, 48)); // size
        out.set(JAVA_LONG_UNALIGNED, o + 16, st.get(JAVA_LONG_UNALIGNED, 64)); // blocks
        out.set(JAVA_LONG_UNALIGNED, o + 24, st.get(JAVA_LONG_UNALIGNED, 72)); // atime
        out.set(JAVA_LONG_UNALIGNED, o + 32, st.get(JAVA_LONG_UNALIGNED, 88)); // mtime
        out.set(JAVA_LONG_UNALIGNED, o + 40, st.get(JAVA_LONG_UNALIGNED, 104)); // ctime
        out.set(JAVA_INT_UNALIGNED, o + 48, (int) st.get(JAVA_LONG_UNALIGNED, 80));
        out.set(JAVA_INT_UNALIGNED, o + 52, (int) st.get(JAVA_LONG_UNALIGNED, 96));
        out.set(JAVA_INT_UNALIGNED, o + 56, (int) st.get(JAVA_LONG_UNALIGNED, 112));
        out.set(JAVA_INT_UNALIGNED, o + 60, st.get(JAVA_INT_UNALIGNED, 24)); // mode
        out.set(JAVA_INT_UNALIGNED, o + 64, (int) st.get(JAVA_LONG_UNALIGNED, 16)); // nlink
        out.set(JAVA_INT_UNALIGNED, o + 68, st.get(JAVA_INT_UNALIGNED, 28)); // uid
        out.set(JAVA_INT_UNALIGNED, o + 72, st.get(JAVA_INT_UNALIGNED, 32)); // gid
        out.set(JAVA_INT_UNALIGNED, o + 76, (int) st.get(JAVA_LONG_UNALIGNED, 40)); // rdev
        out.set(JAVA_INT_UNALIGNED, o + 80, (int) st.get(JAVA_LONG_UNALIGNED, 56)); // blksize
        out.set(JAVA_INT_UNALIGNED, o + 84, 0);
    }

    private int attrReply(Node n, MemorySegment out) throws Errno {
        Scratch s = Scratch.get();
        Libc.fstatat(n.fd, s.empty, s.stat, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW);
        backing.attributes(n, s.stat);
        long attr = attrTimeoutNs(n);
        out.set(JAVA_LONG_UNALIGNED, 0, attr / 1_000_000_000L);
        out.set(JAVA_INT_UNALIGNED, 8, (int) (attr % 1_000_000_000L));
        out.set(JAVA_INT_UNALIGNED, 12, 0);
        fillAttr(out, 16, s.stat);
        return Protocol.ATTR_OUT;
    }

    private int getattr(Request r, MemorySegment out) throws Errno {
        return attrReply(node(r.nodeid), out);
    }

    private int setattr(Request r, MemorySegment out) throws Errno {
        Node n = node(r.nodeid);
        Scratch s = Scratch.get();
        int valid = r.argInt(0);
        Handle h = (valid & Protocol.FATTR_FH) != 0 ? files.get(r.argLong(8)) : null;
        if ((valid & Protocol.FATTR_MODE) != 0) {
            backing.chmod(n, r.argInt(68) & 07777);
        } else if ((valid & Protocol.FATTR_KILL_SUIDGID) != 0 && !n.symlink) {
            dropSetIds(n);
        }
        if ((valid & (Protocol.FATTR_UID | Protocol.FATTR_GID)) != 0) {
            int uid = (valid & Protocol.FATTR_UID) != 0 ? r.argInt(76) : -1;
            int gid = (valid & Protocol.FATTR_GID) != 0 ? r.argInt(80) : -1;
            backing.chown(n, uid, gid);
        }
        if ((valid & Protocol.FATTR_SIZE) != 0) {
            backing.truncate(n, h == null ? null : h.file, r.argLong(16));
        }
        if ((valid & (Protocol.FATTR_ATIME | Protocol.FATTR_MTIME)) != 0) {
            MemorySegment t = s.times;
            setTime(t, 0, valid, Protocol.FATTR_ATIME, Protocol.FATTR_ATIME_NOW, r.argLong(32), r.argInt(56));
            setTime(t, 16, valid, Protocol.FATTR_MTIME, Protocol.FATTR_MTIME_NOW, r.argLong(40), r.argInt(60));
            backing.utimens(n, t);
        }
        return attrReply(n, out);
    }

    private static void setTime(MemorySegment t, long o, int valid, int set, int now, long sec, int nsec) {
        if ((valid & set) == 0) {
            t.set(JAVA_LONG_UNALIGNED, o, 0);
            t.set(JAVA_LONG_UNALIGNED, o + 8, Libc.UTIME_OMIT);
        } else if ((valid & now) != 0) {
            t.set(JAVA_LONG_UNALIGNED, o, 0);
            t.set(JAVA_LONG_UNALIGNED, o + 8, Libc.UTIME_NOW);
        } else {
            t.set(JAVA_LONG_UNALIGNED, o, sec);
            t.set(JAVA_LONG_UNALIGNED, o + 8, nsec);
        }
    }

    private int rename(Request r, long nameAt, int flags) throws Errno {
        Node fromDir = node(r.nodeid);
        Node toDir = node(r.argLong(0));
        MemorySegment to = r.argName(r.afterName(nameAt));
        backing.rename(fromDir, r.argName(nameAt), toDir, to, flags);
        renamed(toDir, to);
        if ((flags & RENAME_EXCHANGE) != 0) {
            renamed(fromDir, r.argName(nameAt));
        }
        return 0;
    }

    private static final int RENAME_EXCHANGE = 2;

    private int mkdir(Request r, MemorySegment out) throws Errno {
        Node dir = node(r.nodeid);
        MemorySegment name = r.argName(8);
        backing.mkdir(dir, name, r.argInt(0), r.uid, r.gid);
        return entry(dir, name, out, 0);
    }

    private int mknod(Request r, MemorySegment out) throws Errno {
        Node dir = node(r.nodeid);
        MemorySegment name = r.argName(16);
        backing.mknod(dir, name, r.argInt(0), r.argInt(4) & 0xffffffffL, r.uid, r.gid);
        return entry(dir, name, out, 0);
    }

    private int symlink(Request r, MemorySegment out) throws Errno {
        Node dir = node(r.nodeid);
        MemorySegment name = r.argName(0);
        backing.symlink(dir, name, r.argName(r.afterName(0)), r.uid, r.gid);
        return entry(dir, name, out, 0);
    }

    private int link(Request r, MemorySegment out) throws Errno {
        Node from = node(r.argLong(0));
        Node dir = node(r.nodeid);
        MemorySegment name = r.argName(8);
        backing.link(from, dir, name);
        return entry(dir, name, out, 0);
    }

    private int open(Request r, MemorySegment out) throws Errno {
        Node n = node(r.nodeid);
        int flags = r.argInt(0);
        Backing.Opened file = backing.open(n, flags, r.uid, r.gid);
        try {
            openingReadWrite(n, flags);
            if ((r.argInt(4) & Protocol.OPEN_KILL_SUIDGID) != 0
                    || passthrough && (flags & Libc.O_ACCMODE) != Libc.O_RDONLY && r.uid != 0) {
                // The second case: passthrough writes run with the daemon's credentials, under
                // which the backing file system keeps set-uid/set-gid; a local file system drops
                // them at an unprivileged write. Drop them when such a writer opens the file (a
                // little early, never late).
                dropSetIds(n);
            }
            return opened(n, file, mayChange(flags), out, 0);
        } catch (Errno | RuntimeException e) {
            backing.release(file);
            throw e;
        }
    }

    private int create(Request r, MemorySegment out) throws Errno {
        Node dir = node(r.nodeid);
        Backing.Opened file = backing.create(dir, r.argName(16), r.argInt(0), r.argInt(4), r.uid, r.gid);
        Scratch s = Scratch.get();
        try {
            Libc.fstatat(file.fd(), s.empty, s.stat, Libc.AT_EMPTY_PATH);
            Node n = adopt(file.fd(), s.stat, dir, r.argName(16)); // the file just opened, whatever its name points to now
            openingReadWrite(n, r.argInt(0));
            fillEntry(out, 0, n, s.stat);
            return Protocol.ENTRY_OUT + opened(n, file, mayChange(r.argInt(0)), out, Protocol.ENTRY_OUT);
        } catch (Errno | RuntimeException e) {
            backing.release(file);
            throw e;
        }
    }

    /**
     * A read-write open can map the file shared and change it with no request: from now on the
     * node's attributes are cached only briefly, and what the kernel cached for longer is dropped.
     * Only attributes are invalidated, which waits on no request, so it is safe from this one.
     */
    private void openingReadWrite(Node n, int flags) {
        if ((flags & Libc.O_ACCMODE) != Libc.O_RDWR || n.openedReadWrite) {
            return;
        }
        n.openedReadWrite = true;
        KernelMount m = mount;
        if (m != null && readWriteAttrTimeoutNs < attrTimeoutNs) {
            try {
                m.invalidateInode(n.id, -1, 0);
            } catch (IOException e) {
                // the connection is going away
            }
        }
    }

    /**
     * Drops set-uid and set-gid as the kernel does at a write or truncate (what
     * FUSE_HANDLE_KILLPRIV_V2 asks of the daemon): set-uid always, set-gid only with group execute.
     */
    private void dropSetIds(Node n) throws Errno {
        Scratch s = Scratch.get();
        Libc.fstatat(n.fd, s.empty, s.stat2, Libc.AT_EMPTY_PATH);
        int mode = s.stat2.get(JAVA_INT_UNALIGNED, 24);
        int kill = (mode & Libc.S_ISUID) | ((mode & 010) != 0 ? mode & Libc.S_ISGID : 0);
        if (kill != 0) {
            backing.chmod(n, mode & 07777 & ~kill);
        }
    }

    /** Whether an open with {@code flags} may change the file (its close then has something to settle). */
    private static boolean mayChange(int flags) {
        return (flags & Libc.O_ACCMODE) != Libc.O_RDONLY || (flags & Libc.O_TRUNC) != 0;
    }

    /**
     * Registers an open file and writes its {@code fuse_open_out} at {@code offset}: with
     * passthrough and the file's content present, the inode's backing id (made on its first such
     * open, from a read-write descriptor where the file allows one, so that every later open can
     * use it), and no FLUSH at its closes unless the open {@code mayChange} the file; else the
     * open bypasses the page cache, which passthrough opens of the inode must not share (EIO), and
     * its reads and writes reach the backing.
     */
    private int opened(Node n, Backing.Opened file, boolean mayChange, MemorySegment out, int offset) throws Errno {
        int openFlags = 0;
        int backingId = 0;
        synchronized (n) {
            if (passthrough && file.present() && n.backingId == 0) {
                try {
                    n.backingId = backingOpen(file.fd());
                } catch (Errno e) {
                    if (e.errno == Libc.EPERM || e.errno == Libc.ELOOP) {
                        // EPERM: BACKING_OPEN needs CAP_SYS_ADMIN in the initial user namespace;
                        // ELOOP: the backing tree is stacked deeper than max_stack_depth allows
                        passthrough = false;
                        passthroughRefusal = "FUSE_DEV_IOC_BACKING_OPEN refused with errno " + e.errno
                                + (e.errno == Libc.EPERM ? " (no CAP_SYS_ADMIN in the initial user namespace)" : " (the backing tree is on a stacked file system)");
                        System.err.println("zero-fuse: passthrough off for this mount: " + passthroughRefusal);
                    }
                }
            }
            if (file.present() && n.backingId > 0) {
                try {
                    backing.passingThrough(n, file);
                } catch (Errno | RuntimeException e) {
                    closeBackingIfUnused(n);
                    throw e;
                }
                // NOFLUSH where the open cannot change the file: its close has nothing to settle. A
                // writer keeps FLUSH, so that its change is recorded (journal, tier record) before
                // its close(2) returns, not by a RELEASE the kernel sends in its own time
                openFlags = Protocol.FOPEN_PASSTHROUGH | (mayChange ? 0 : Protocol.FOPEN_NOFLUSH);
                backingId = n.backingId;
            } else if (passthrough || !file.present()) {
                openFlags = Protocol.FOPEN_DIRECT_IO;
            }
            n.opens++;
        }
        long fh = nextFh.getAndIncrement();
        files.put(fh, new Handle(n, file));
        out.set(JAVA_LONG_UNALIGNED, offset, fh);
        out.set(JAVA_INT_UNALIGNED, offset + 8, openFlags);
        out.set(JAVA_INT_UNALIGNED, offset + 12, backingId);
        return Protocol.OPEN_OUT;
    }

    /** Whether the open file {@code fh} is passed through (the kernel reads and writes it itself). */
    public boolean passedThrough(long fh) {
        Handle h = files.get(fh);
        return h != null && h.file.present() && h.node.backingId > 0;
    }

    /**
     * The inode's backing id, from the descriptor just opened: the kernel opens a backing file of
     * its own from it for each passthrough open, with that open's flags.
     */
    private int backingOpen(int openedFd) throws Errno {
        Scratch s = Scratch.get();
        s.backing.set(JAVA_INT_UNALIGNED, 0, openedFd);
        s.backing.set(JAVA_INT_UNALIGNED, 4, 0);
        s.backing.set(JAVA_LONG_UNALIGNED, 8, 0);
        return Libc.ioctl(device, Protocol.DEV_IOC_BACKING_OPEN, s.backing);
    }

    private int release(long fh) {
        Handle h = files.remove(fh);
        if (h == null) {
            return 0;
        }
        backing.release(h.file);
        Node n = h.node;
        synchronized (n) {
            n.opens--;
            closeBackingIfUnused(n);
        }
        synchronized (nodes) {
            dropIfUnused(n);
        }
        return 0;
    }

    /** Gives the inode's backing id back once no open file uses it. Called holding the node. */
    private void closeBackingIfUnused(Node n) {
        if (n.opens == 0 && n.backingId > 0) {
            Scratch s = Scratch.get();
            s.backing.set(JAVA_INT_UNALIGNED, 0, n.backingId);
            try {
                Libc.ioctl(device, Protocol.DEV_IOC_BACKING_CLOSE, s.backing);
            } catch (Errno e) {
                // the connection is gone; the kernel has dropped its backing files
            }
            n.backingId = 0;
        }
    }

    /** READ: answered off the loop where the backing may wait (content to restore first). */
    private int read(Request r, MemorySegment out) throws Errno {
        Handle h = handle(r.argLong(0));
        long offset = r.argLong(8);
        int size = Math.min(r.argInt(16), Protocol.MAX_WRITE);
        if (backing.mayWait(h.file) && mount.defer(r, size, reply -> backing.read(h.file, reply, size, offset))) {
            return KernelMount.DEFERRED;
        }
        return backing.read(h.file, out, size, offset);
    }

    /** WRITE: as READ, the data copied off the request buffer when answered later. */
    private int write(Request r, MemorySegment out) throws Errno {
        Handle h = handle(r.argLong(0));
        long offset = r.argLong(8);
        int size = r.argInt(16);
        int writeFlags = r.argInt(20);
        if (backing.mayWait(h.file)) {
            MemorySegment data = Arena.ofAuto().allocate(Math.max(size, 1), 8);
            MemorySegment.copy(r.arg(), 40, data, 0, size);
            if (mount.defer(r, Protocol.WRITE_OUT, reply -> written(h, data, size, offset, writeFlags, reply))) {
                return KernelMount.DEFERRED;
            }
        }
        return written(h, r.arg().asSlice(40, size), size, offset, writeFlags, out);
    }

    private int written(Handle h, MemorySegment data, int size, long offset, int writeFlags, MemorySegment out) throws Errno {
        int n = backing.write(h.file, data, size, offset);
        if ((writeFlags & Protocol.WRITE_KILL_SUIDGID) != 0) {
            dropSetIds(h.node);
        }
        out.set(JAVA_INT_UNALIGNED, 0, n);
        out.set(JAVA_INT_UNALIGNED, 4, 0);
        return Protocol.WRITE_OUT;
    }

    /** GETXATTR and LISTXATTR: size 0 asks for the length, else the value (ERANGE if larger). */
    private int getxattr(Request r, MemorySegment out) throws Errno {
        int size = r.argInt(0);
        Node n = node(r.nodeid);
        if (size == 0) {
            long length = backing.getxattr(n, r.argName(8), out, 0);
            out.set(JAVA_INT_UNALIGNED, 0, (int) length);
            out.set(JAVA_INT_UNALIGNED, 4, 0);
            return 8;
        }
        return (int) backing.getxattr(n, r.argName(8), out, Math.min(size, Protocol.MAX_WRITE));
    }

    private int listxattr(Request r, MemorySegment out) throws Errno {
        int size = r.argInt(0);
        Node n = node(r.nodeid);
        if (size == 0) {
            long length = backing.listxattr(n, out, 0);
            out.set(JAVA_INT_UNALIGNED, 0, (int) length);
            out.set(JAVA_INT_UNALIGNED, 4, 0);
            return 8;
        }
        return (int) backing.listxattr(n, out, Math.min(size, Protocol.MAX_WRITE));
    }

    /** SETXATTR without FUSE_SETXATTR_EXT: {u32 size, u32 flags}, the name, then the value. */
    private int setxattr(Request r) throws Errno {
        int size = r.argInt(0);
        int flags = r.argInt(4);
        long value = r.afterName(8);
        backing.setxattr(node(r.nodeid), r.argName(8), r.arg().asSlice(value, size), size, flags);
        return 0;
    }

    private int opendir(Request r, MemorySegment out) throws Errno {
        Node n = node(r.nodeid);
        int fd = Libc.open(Scratch.get().procPath(n.fd), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        List<DirEntry> entries;
        try {
            entries = entries(fd);
        } catch (Errno e) {
            Libc.close(fd);
            throw e;
        }
        long fh = nextFh.getAndIncrement();
        dirs.put(fh, new DirHandle(n, fd, entries));
        out.set(JAVA_LONG_UNALIGNED, 0, fh);
        out.set(JAVA_INT_UNALIGNED, 8, 0);
        out.set(JAVA_INT_UNALIGNED, 12, 0);
        return Protocol.OPEN_OUT;
    }

    /** The entries of an open directory, from its start. */
    private static List<DirEntry> entries(int fd) throws Errno {
        List<DirEntry> entries = new ArrayList<>();
        Libc.lseek(fd, 0, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(DIRENT_BUFFER, 8);
            long got;
            while ((got = Libc.getdents64(fd, buf, DIRENT_BUFFER)) > 0) {
                for (long o = 0; o < got;) {
                    int reclen = buf.get(JAVA_SHORT_UNALIGNED, o + 16) & 0xffff;
                    long nameStart = o + 19;
                    long end = nameStart;
                    while (buf.get(JAVA_BYTE, end) != 0) {
                        end++;
                    }
                    entries.add(new DirEntry(buf.get(JAVA_LONG_UNALIGNED, o), buf.get(JAVA_BYTE, o + 18) & 0xff,
                            buf.asSlice(nameStart, end - nameStart).toArray(JAVA_BYTE)));
                    o += reclen;
                }
            }
        }
        return entries;
    }

    /**
     * READDIR, and READDIRPLUS: each entry with its node and attributes, so that listing a
     * directory and stat-ing what is in it (ls -l, find, du) needs no LOOKUP per name. An entry
     * of READDIRPLUS counts as a lookup, except "." and ".." (node 0), so a name is looked up
     * only once its record is sure to fit.
     */
    private int readdir(Request r, MemorySegment out, boolean plus) throws Errno {
        DirHandle d = dirs.get(r.argLong(0));
        if (d == null) {
            throw new Errno("readdir", Libc.EBADF);
        }
        long offset = r.argLong(8);
        int size = r.argInt(16);
        int used = 0;
        List<DirEntry> entries;
        synchronized (d) {
            if (offset == 0 && d.read) {
                d.entries = entries(d.fd); // started over: what is there now
            }
            d.read = true;
            entries = d.entries;
        }
        Scratch s = Scratch.get();
        for (int i = (int) offset; i < entries.size(); i++) {
            DirEntry e = entries.get(i);
            int dirent = (24 + e.name.length + 7) & ~7;
            int record = plus ? Protocol.ENTRY_OUT + dirent : dirent;
            if (used + record > size) {
                break;
            }
            int at = used;
            if (plus) {
                out.asSlice(at, Protocol.ENTRY_OUT).fill((byte) 0);
                if (!isDot(e.name)) {
                    try {
                        MemorySegment.copy(MemorySegment.ofArray(e.name), 0, s.name, 0, e.name.length);
                        s.name.set(JAVA_BYTE, e.name.length, (byte) 0);
                        Node n = lookup(d.node, s.name, s.stat);
                        fillEntry(out, at, n, s.stat);
                    } catch (Errno gone) {
                        continue; // removed since the listing was taken
                    }
                }
                at += Protocol.ENTRY_OUT;
            }
            out.set(JAVA_LONG_UNALIGNED, at, e.ino);
            out.set(JAVA_LONG_UNALIGNED, at + 8, i + 1);
            out.set(JAVA_INT_UNALIGNED, at + 16, e.name.length);
            out.set(JAVA_INT_UNALIGNED, at + 20, e.type);
            MemorySegment.copy(MemorySegment.ofArray(e.name), 0, out, at + 24, e.name.length);
            out.asSlice(at + 24 + e.name.length, dirent - 24 - e.name.length).fill((byte) 0);
            used += record;
        }
        return used;
    }

    private static boolean isDot(byte[] name) {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }
}
