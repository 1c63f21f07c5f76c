package dev.zero.agent.cache;

import java.nio.charset.StandardCharsets;

import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.agent.posix.Stat.Timespec;
import dev.zero.api.VolumeView;
import jnr.ffi.Pointer;

/**
 * Reads and writes {@link TierAttr}, the agent's one packed attribute, on backing files (by
 * descriptor, or by path relative to a {@link BackingRoot}), and hands out ids to files that have
 * none. Files from before the packed format carry three {@code trusted.zero.*} attributes; they
 * are converted the first time they are read. The mount hides every name starting with
 * {@value #HIDDEN_PREFIX} from users.
 */
public final class TierAttrs {
    public static final String HIDDEN_PREFIX = "trusted.zero";
    private static final byte[] PREFIX_BYTES = HIDDEN_PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final Pointer NAME = Native.cstr(TierAttr.NAME);
    private static final Pointer LEGACY_ID = Native.cstr("trusted.zero.id");
    private static final Pointer LEGACY_VERSION = Native.cstr("trusted.zero.version");
    private static final Pointer LEGACY_STATE = Native.cstr("trusted.zero.state");
    private static final int BUFFER = 128;
    private static final ThreadLocal<Pointer> SCRATCH = ThreadLocal.withInitial(() -> Native.allocate(BUFFER));
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    private final FileIds ids;

    public TierAttrs(FileIds ids) {
        this.ids = ids;
    }

    /** True when a NUL-terminated xattr name lies in the agent's hidden namespace. */
    public static boolean isHidden(Pointer name) {
        for (int i = 0; i < PREFIX_BYTES.length; i++) {
            if (name.getByte(i) != PREFIX_BYTES[i]) {
                return false;
            }
        }
        return true;
    }

    /** A new id, never handed out before. */
    public long newId() {
        return ids.next();
    }

    /** The record of an open file, or null when it has none. */
    public TierAttr read(int fd) throws ErrnoException {
        Pointer buf = SCRATCH.get();
        long n = Native.LIBC.fgetxattr(fd, NAME, buf, BUFFER);
        return decoded(buf, n, "fgetxattr " + TierAttr.NAME);
    }

    /** The record of a path of the tree (a symlink's own), or null when it has none. */
    public TierAttr read(BackingRoot root, Pointer rel) throws ErrnoException {
        Pointer buf = SCRATCH.get();
        long n = root.getxattr(rel, NAME, buf, BUFFER);
        return decoded(buf, n, "getxattr " + TierAttr.NAME);
    }

    private static TierAttr decoded(Pointer buf, long n, String op) throws ErrnoException {
        if (n < 0) {
            if (Native.errno() == Errno.ENODATA) {
                return null;
            }
            throw ErrnoException.last(op);
        }
        byte[] bytes = new byte[(int) n];
        buf.get(0, bytes, 0, bytes.length);
        try {
            return TierAttr.decode(bytes, bytes.length);
        } catch (IllegalArgumentException e) {
            throw new ErrnoException(Errno.EIO, op + ": " + e.getMessage());
        }
    }

    public void write(int fd, TierAttr attr) throws ErrnoException {
        Pointer buf = encoded(attr);
        if (Native.LIBC.fsetxattr(fd, NAME, buf, TierAttr.SIZE, 0) != 0) {
            throw ErrnoException.last("fsetxattr " + TierAttr.NAME);
        }
    }

    public void write(BackingRoot root, Pointer rel, TierAttr attr) throws ErrnoException {
        if (root.setxattr(rel, NAME, encoded(attr), TierAttr.SIZE, 0) != 0) {
            throw ErrnoException.last("setxattr " + TierAttr.NAME);
        }
    }

    private static Pointer encoded(TierAttr attr) {
        byte[] bytes = attr.encode();
        Pointer buf = SCRATCH.get();
        buf.put(0, bytes, 0, bytes.length);
        return buf;
    }

    /** The record of an open file, giving it a fresh id first if it came without one (created behind the agent's back). */
    public TierAttr ensure(int fd) throws ErrnoException {
        TierAttr attr = read(fd);
        if (attr != null) {
            return attr;
        }
        TierAttr legacy = legacy(fd);
        // labelling is the agent's own write: the ctime it moves is kept
        TierAttr fresh = (legacy != null ? legacy : TierAttr.fresh(ids.next())).withTrueCtime(ctime(fd));
        write(fd, fresh);
        if (legacy != null) {
            Native.LIBC.fremovexattr(fd, LEGACY_ID);
            Native.LIBC.fremovexattr(fd, LEGACY_VERSION);
            Native.LIBC.fremovexattr(fd, LEGACY_STATE);
        }
        return fresh;
    }

    /** The record of a path of the tree, giving it one first if it has none. */
    public TierAttr ensure(BackingRoot root, Pointer rel) throws ErrnoException {
        TierAttr attr = read(root, rel);
        if (attr != null) {
            return attr;
        }
        TierAttr legacy = legacy(root, rel);
        TierAttr fresh = legacy != null ? legacy : TierAttr.fresh(ids.next());
        Timespec ctime = ctime(root, rel);
        if (ctime != null) {
            fresh = fresh.withTrueCtime(ctime);
        }
        Pointer buf = encoded(fresh);
        if (root.setxattr(rel, NAME, buf, TierAttr.SIZE, Native.XATTR_CREATE) != 0) {
            if (Native.errno() == Errno.EEXIST) {
                return read(root, rel);
            }
            throw ErrnoException.last("setxattr " + TierAttr.NAME);
        }
        if (legacy != null) {
            root.removexattr(rel, LEGACY_ID);
            root.removexattr(rel, LEGACY_VERSION);
            root.removexattr(rel, LEGACY_STATE);
        }
        return fresh;
    }

    private static Timespec ctime(int fd) throws ErrnoException {
        Pointer st = STAT.get();
        Stat.fstat(fd, st);
        return Stat.ctime(st);
    }

    /** The ctime of a regular file (the only kind whose times tiering keeps), else null. */
    private static Timespec ctime(BackingRoot root, Pointer rel) {
        Pointer st = STAT.get();
        if (Native.LIBC.fstatat(root.fd(), rel, st, Native.AT_SYMLINK_NOFOLLOW) != 0 || !Stat.isRegular(st)) {
            return null;
        }
        return Stat.ctime(st);
    }

    /** The id of a path, or null when it has no record (or is gone). */
    public Long idOrNull(BackingRoot root, Pointer rel) {
        try {
            TierAttr attr = read(root, rel);
            return attr == null ? null : attr.fileId();
        } catch (ErrnoException e) {
            return null;
        }
    }

    /** Gives the backing root its fixed id. */
    public void markRoot(BackingRoot root) throws ErrnoException {
        TierAttr attr = read(root, Native.DOT);
        if (attr == null || attr.fileId() != VolumeView.ROOT_FILE_ID) {
            write(root, Native.DOT, TierAttr.fresh(VolumeView.ROOT_FILE_ID));
        }
    }

    // ---- the format before the packed attribute: trusted.zero.{id,version,state} as ASCII ----

    private TierAttr legacy(int fd) {
        long id = legacyLong(Native.LIBC.fgetxattr(fd, LEGACY_ID, SCRATCH.get(), BUFFER));
        if (id <= 0) {
            return null;
        }
        long version = Math.max(0, legacyLong(Native.LIBC.fgetxattr(fd, LEGACY_VERSION, SCRATCH.get(), BUFFER)));
        return TierAttr.fresh(id).withContentVersion(version);
    }

    private TierAttr legacy(BackingRoot root, Pointer rel) {
        long id = legacyLong(root.getxattr(rel, LEGACY_ID, SCRATCH.get(), BUFFER));
        if (id <= 0) {
            return null;
        }
        long version = Math.max(0, legacyLong(root.getxattr(rel, LEGACY_VERSION, SCRATCH.get(), BUFFER)));
        return TierAttr.fresh(id).withContentVersion(version);
    }

    private static long legacyLong(long n) {
        if (n <= 0) {
            return -1;
        }
        Pointer buf = SCRATCH.get();
        long v = 0;
        for (int i = 0; i < n; i++) {
            byte c = buf.getByte(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
