package dev.zero.agent.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.fs.Caller;
import dev.zero.agent.fs.ErrnoMapper;
import dev.zero.agent.fs.OpenFile;
import dev.zero.agent.fs.TreeOps;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.fuse.kernel.Backing;
import dev.zero.fuse.kernel.Errno;
import dev.zero.fuse.kernel.Node;
import jnr.ffi.Pointer;

/**
 * The tiered tree as the inode transport's {@link Backing}: every request that changes the tree
 * or moves file content goes to the same {@link TreeOps} the path transport uses, so tier
 * records, the disk budget and the journal change the same way whichever transport carries it.
 * Files whose content is all on the host are opened as present (the kernel passes them
 * through); an evicted or partly restored file is not, and its reads come here and restore.
 */
final class TieredBacking implements Backing {
    private static final Logger LOG = Logger.getLogger(TieredBacking.class);
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final ThreadLocal<Pointer> STATVFS = ThreadLocal.withInitial(() -> Native.allocate(112));
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    private final TieredFiles tiered;
    private final TreeOps ops;
    private final NodePaths paths;
    /** Open handles the kernel writes through itself, by backing inode. */
    private final Map<Long, Set<OpenFile>> unseenWriters = new ConcurrentHashMap<>();

    /** An open file: the tree's handle, the flags it was opened with, and the inode it writes unseen (-1: none). */
    private static final class Open {
        final OpenFile file;
        final int flags;
        volatile long unseenWriterOf = -1;

        Open(OpenFile file, int flags) {
            this.file = file;
            this.flags = flags;
        }
    }

    TieredBacking(TieredFiles tiered, TreeOps ops) throws IOException {
        this.tiered = tiered;
        this.ops = ops;
        this.paths = new NodePaths(tiered.root());
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    @FunctionalInterface
    private interface LongCall {
        long get() throws Exception;
    }

    /** Runs a tree operation, its exceptions as the errno the kernel is answered with. */
    private static void call(String op, Call c) throws Errno {
        try {
            c.run();
        } catch (Exception e) {
            throw errno(e, op);
        }
    }

    private static long value(String op, LongCall c) throws Errno {
        try {
            return c.get();
        } catch (Exception e) {
            throw errno(e, op);
        }
    }

    /** The tree's exceptions as the errno the kernel is answered with (one mapping for both transports). */
    private static Errno errno(Throwable e, String op) {
        if (e instanceof Errno errno) {
            return errno;
        }
        return new Errno(op, -ErrnoMapper.toErrno(e, op));
    }

    private static Pointer pointer(MemorySegment segment, long size) {
        return Pointer.wrap(Native.RUNTIME, segment.address(), size);
    }

    private static Pointer cstr(MemorySegment name) {
        return Native.cstr(Backing.bytes(name));
    }

    private static OpenFile file(Opened opened) {
        return ((Open) opened.state()).file;
    }

    @Override
    public void attributes(Node node, MemorySegment stat) {
        tiered.times().apply(pointer(stat, Native.STAT_SIZE));
    }

    @Override
    public void mkdir(Node dir, MemorySegment name, int mode, int uid, int gid) throws Errno {
        call("mkdir", () -> ops.dirs().mkdir(paths.child(dir, name), mode, new Caller(uid, gid)));
    }

    @Override
    public void mknod(Node dir, MemorySegment name, int mode, long rdev, int uid, int gid) throws Errno {
        call("mknod", () -> ops.files().mknod(paths.child(dir, name), mode, rdev, new Caller(uid, gid)));
    }

    @Override
    public void symlink(Node dir, MemorySegment name, MemorySegment target, int uid, int gid) throws Errno {
        call("symlink", () -> ops.links().symlink(cstr(target), paths.child(dir, name), new Caller(uid, gid)));
    }

    /** Through the node's own descriptor: the name it was found by may be gone while others remain. */
    @Override
    public void link(Node from, Node dir, MemorySegment name) throws Errno {
        call("link", () -> ops.links().link(from.fd(), Native.cstr(""), Native.AT_EMPTY_PATH, paths.child(dir, name)));
    }

    @Override
    public void unlink(Node dir, MemorySegment name) throws Errno {
        call("unlink", () -> ops.links().unlink(paths.child(dir, name)));
    }

    @Override
    public void rmdir(Node dir, MemorySegment name) throws Errno {
        call("rmdir", () -> ops.dirs().rmdir(paths.child(dir, name)));
    }

    @Override
    public void rename(Node fromDir, MemorySegment from, Node toDir, MemorySegment to, int flags) throws Errno {
        call("rename", () -> ops.links().rename(paths.child(fromDir, from), paths.child(toDir, to), flags));
    }

    @Override
    public Opened open(Node node, int flags, int uid, int gid) throws Errno {
        try {
            OpenFile file = ops.files().open(node.fd(), flags);
            return new Opened(file.fd(), passable(file, flags), new Open(file, flags));
        } catch (Exception e) {
            throw errno(e, "open");
        }
    }

    @Override
    public Opened create(Node dir, MemorySegment name, int flags, int mode, int uid, int gid) throws Errno {
        try {
            OpenFile file = ops.files().create(paths.child(dir, name), mode, flags, new Caller(uid, gid));
            return new Opened(file.fd(), passable(file, flags), new Open(file, flags));
        } catch (Exception e) {
            throw errno(e, "create");
        }
    }

    /**
     * Whether the kernel may read and write the open file itself: its content is all on the
     * host, and it is not a writer under a hard limit ({@code maxDiskUsage}), whose writes the
     * agent must see to hold them there.
     */
    private boolean passable(OpenFile file, int flags) {
        boolean writer = (flags & Native.O_ACCMODE) != 0;
        return file.tiered().whole() && !(writer && tiered.budget().max() != null);
    }

    /** A writer the kernel passes through is never seen writing: its writes are found as changes of the file. */
    @Override
    public void passingThrough(Node node, Opened opened) {
        Open open = (Open) opened.state();
        if ((open.flags & Native.O_ACCMODE) != 0) {
            ops.files().writesBypass(open.file);
            open.unseenWriterOf = node.inode();
            unseenWriters.computeIfAbsent(node.inode(), i -> ConcurrentHashMap.newKeySet()).add(open.file);
        }
    }

    /** Before the daemon changes a file's times or size: what its passthrough writers wrote is recorded first. */
    private void catchUp(Node node) throws IOException {
        Set<OpenFile> writers = unseenWriters.get(node.inode());
        if (writers != null) {
            for (OpenFile writer : writers) {
                ops.files().catchUp(writer);
            }
        }
    }

    /** After the daemon changed a file's times or size: its passthrough writers did not write that. */
    private void sawOwnChange(Node node) {
        Set<OpenFile> writers = unseenWriters.get(node.inode());
        if (writers != null) {
            writers.forEach(ops.files()::sawOwnChange);
        }
    }

    /** An evicted or partly restored file's reads and writes may wait for a restore. */
    @Override
    public boolean mayWait(Opened opened) {
        return !file(opened).tiered().whole();
    }

    @Override
    public int read(Opened opened, MemorySegment out, int size, long offset) throws Errno {
        return (int) value("read", () -> ops.files().read(file(opened), pointer(out, size), size, offset));
    }

    @Override
    public int write(Opened opened, MemorySegment data, int size, long offset) throws Errno {
        return (int) value("write", () -> ops.files().write(file(opened), pointer(data, size), size, offset));
    }

    @Override
    public void flush(Opened opened) throws Errno {
        call("flush", () -> ops.files().flush(file(opened)));
    }

    @Override
    public void fsync(Opened opened, boolean dataOnly) throws Errno {
        call("fsync", () -> ops.files().fsync(file(opened), dataOnly));
    }

    @Override
    public void release(Opened opened) {
        Open open = (Open) opened.state();
        if (open.unseenWriterOf >= 0) {
            unseenWriters.computeIfPresent(open.unseenWriterOf, (inode, writers) -> {
                writers.remove(open.file);
                return writers.isEmpty() ? null : writers;
            });
        }
        try {
            ops.files().release(open.file);
        } catch (Exception e) {
            LOG.warnf("release of an open file: %s", e.getMessage());
        }
    }

    /**
     * An evicted or partly restored file's holes are not the file's: it is all data to whoever
     * seeks for data or holes (else cp and tar would copy zeros where the store has the bytes).
     */
    @Override
    public long lseek(Opened opened, long offset, int whence) throws Errno {
        OpenFile file = file(opened);
        if ((whence == SEEK_DATA || whence == SEEK_HOLE) && !file.tiered().whole()) {
            Pointer st = STAT.get();
            try {
                Stat.fstat(file.fd(), st);
            } catch (Exception e) {
                throw errno(e, "lseek");
            }
            long size = Stat.size(st);
            if (offset < 0 || offset >= size) {
                throw new Errno("lseek", dev.zero.agent.posix.Errno.ENXIO);
            }
            return whence == SEEK_DATA ? offset : size;
        }
        return Backing.super.lseek(opened, offset, whence);
    }

    @Override
    public void fallocate(Opened opened, int mode, long offset, long length) throws Errno {
        call("fallocate", () -> ops.files().fallocate(file(opened), mode, offset, length));
    }

    @Override
    public void chmod(Node node, int mode) throws Errno {
        call("chmod", () -> ops.files().chmod(paths.path(node), mode));
    }

    @Override
    public void chown(Node node, int uid, int gid) throws Errno {
        call("chown", () -> ops.files().chown(paths.path(node), uid, gid));
    }

    @Override
    public void truncate(Node node, Opened opened, long size) throws Errno {
        try {
            catchUp(node);
            if (opened != null) {
                ops.files().ftruncate(file(opened), size);
            } else {
                ops.files().truncate(paths.path(node), size);
            }
            sawOwnChange(node);
        } catch (Exception e) {
            throw errno(e, "truncate");
        }
    }

    @Override
    public void utimens(Node node, MemorySegment times) throws Errno {
        try {
            catchUp(node);
            ops.files().utimens(paths.path(node), pointer(times, 32));
            sawOwnChange(node);
        } catch (Exception e) {
            throw errno(e, "utimens");
        }
    }

    @Override
    public long getxattr(Node node, MemorySegment name, MemorySegment out, long size) throws Errno {
        return value("getxattr", () -> ops.xattrs().get(paths.path(node), cstr(name), size == 0 ? null : pointer(out, size), size));
    }

    @Override
    public long listxattr(Node node, MemorySegment out, long size) throws Errno {
        return value("listxattr", () -> ops.xattrs().list(paths.path(node), size == 0 ? null : pointer(out, size), size));
    }

    @Override
    public void setxattr(Node node, MemorySegment name, MemorySegment value, long size, int flags) throws Errno {
        call("setxattr", () -> ops.xattrs().set(paths.path(node), cstr(name), pointer(value, Math.max(size, 1)), size, flags));
    }

    @Override
    public void removexattr(Node node, MemorySegment name) throws Errno {
        call("removexattr", () -> ops.xattrs().remove(paths.path(node), cstr(name)));
    }

    /** The tree's "infinite" statvfs ({@link dev.zero.agent.fs.FileOps#statfs}) as {@code fuse_kstatfs}. */
    @Override
    public void statfs(Node root, MemorySegment out) throws Errno {
        Pointer v = STATVFS.get();
        call("statfs", () -> ops.files().statfs(v));
        for (int i = 0; i < 5; i++) {
            out.set(JAVA_LONG_UNALIGNED, 8L * i, v.getLong(16 + 8L * i)); // blocks, bfree, bavail, files, ffree
        }
        out.set(JAVA_INT_UNALIGNED, 40, (int) v.getLong(0)); // bsize
        out.set(JAVA_INT_UNALIGNED, 44, (int) v.getLong(80)); // namelen
        out.set(JAVA_INT_UNALIGNED, 48, (int) v.getLong(8)); // frsize
        out.asSlice(52, 80 - 52).fill((byte) 0);
    }
}
