package dev.zero.agent.cache;

import java.nio.charset.StandardCharsets;

import dev.zero.agent.fs.ErrnoException;
import dev.zero.agent.fs.Native;
import dev.zero.api.TierState;
import dev.zero.api.VolumeView;
import jnr.ffi.Pointer;

/**
 * The agent's own bookkeeping, kept in {@code trusted.zero.*} extended attributes of the backing
 * files (trusted.* works on every file type, symlinks and nodes included; only root can see it).
 * Values are ASCII decimal or state names so that {@code getfattr} shows them readably.
 * <ul>
 * <li>{@code trusted.zero.id}: the stable file id (the backing root holds {@link VolumeView#ROOT_FILE_ID});
 * hard links share it since they share the inode;</li>
 * <li>{@code trusted.zero.version}: the content version, absent means 0, bumped when written
 * content is closed or fsynced;</li>
 * <li>{@code trusted.zero.state}: the {@link TierState} of a regular file.</li>
 * </ul>
 * The mount hides the whole {@link #PREFIX} namespace from users.
 */
public final class TierXattrs {
    public static final String PREFIX = "trusted.zero.";
    public static final String ID = PREFIX + "id";
    public static final String VERSION = PREFIX + "version";
    public static final String STATE = PREFIX + "state";

    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final Pointer ID_NAME = Native.cstr(ID);
    private static final Pointer VERSION_NAME = Native.cstr(VERSION);
    private static final Pointer STATE_NAME = Native.cstr(STATE);
    private static final int ENODATA = 61;
    private static final int EEXIST = 17;
    private static final ThreadLocal<Pointer> SCRATCH = ThreadLocal.withInitial(() -> Native.allocate(64));

    private final FileIds ids;

    public TierXattrs(FileIds ids) {
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

    /** Gives the backing root (the working directory) its fixed id. */
    public void markRoot() throws ErrnoException {
        setLong(Native.DOT, ID_NAME, VolumeView.ROOT_FILE_ID, 0);
    }

    /** The id of a backing path, assigning one first if the file came without (created behind the agent's back). */
    public long ensureId(Pointer rel) throws ErrnoException {
        long id = getLong(rel, ID_NAME);
        if (id > 0) {
            return id;
        }
        long fresh = ids.next();
        try {
            setLong(rel, ID_NAME, fresh, Native.XATTR_CREATE);
            return fresh;
        } catch (ErrnoException e) {
            if (e.errno() == EEXIST) {
                return getLong(rel, ID_NAME);
            }
            throw e;
        }
    }

    /** Id of an open file, assigning one if missing. */
    public long ensureId(int fd) throws ErrnoException {
        long id = getLong(fd, ID_NAME);
        if (id > 0) {
            return id;
        }
        long fresh = ids.next();
        setLong(fd, ID_NAME, fresh);
        return fresh;
    }

    /** The id of a backing path or null when it has none (or is gone). */
    public Long idOrNull(Pointer rel) {
        try {
            long id = getLong(rel, ID_NAME);
            return id > 0 ? id : null;
        } catch (ErrnoException e) {
            return null;
        }
    }

    /** Labels a newly created regular file: fresh id, state LOCAL. Returns the id. */
    public long initFile(int fd) throws ErrnoException {
        long id = ids.next();
        setLong(fd, ID_NAME, id);
        setState(fd, TierState.LOCAL);
        return id;
    }

    /** Labels a newly created directory, symlink or node (or a regular file made by mknod). */
    public long initNode(Pointer rel, boolean regular) throws ErrnoException {
        long id = ids.next();
        setLong(rel, ID_NAME, id, 0);
        if (regular) {
            set(rel, STATE_NAME, TierState.LOCAL.name().getBytes(StandardCharsets.US_ASCII), 0);
        }
        return id;
    }

    public long version(Pointer rel) throws ErrnoException {
        return Math.max(0, getLong(rel, VERSION_NAME));
    }

    public long version(int fd) throws ErrnoException {
        return Math.max(0, getLong(fd, VERSION_NAME));
    }

    /** Content changed through {@code fd}: bump the version and mark the file LOCAL. Returns the new version. */
    public long contentChanged(int fd) throws ErrnoException {
        long v = version(fd) + 1;
        setLong(fd, VERSION_NAME, v);
        setState(fd, TierState.LOCAL);
        return v;
    }

    /** Content changed by path (truncate): bump the version and mark the file LOCAL. */
    public long contentChanged(Pointer rel) throws ErrnoException {
        long v = version(rel) + 1;
        setLong(rel, VERSION_NAME, v, 0);
        set(rel, STATE_NAME, TierState.LOCAL.name().getBytes(StandardCharsets.US_ASCII), 0);
        return v;
    }

    public TierState state(Pointer rel) throws ErrnoException {
        Pointer buf = SCRATCH.get();
        long n = Native.LIBC.lgetxattr(rel, STATE_NAME, buf, 64);
        if (n < 0) {
            if (Native.errno() == ENODATA) {
                return null;
            }
            throw ErrnoException.last("lgetxattr " + STATE);
        }
        byte[] b = new byte[(int) n];
        buf.get(0, b, 0, b.length);
        return TierState.valueOf(new String(b, StandardCharsets.US_ASCII));
    }

    private void setState(int fd, TierState state) throws ErrnoException {
        byte[] b = state.name().getBytes(StandardCharsets.US_ASCII);
        Pointer buf = SCRATCH.get();
        buf.put(0, b, 0, b.length);
        if (Native.LIBC.fsetxattr(fd, STATE_NAME, buf, b.length, 0) != 0) {
            throw ErrnoException.last("fsetxattr " + STATE);
        }
    }

    private static long getLong(Pointer rel, Pointer name) throws ErrnoException {
        Pointer buf = SCRATCH.get();
        long n = Native.LIBC.lgetxattr(rel, name, buf, 64);
        if (n < 0) {
            if (Native.errno() == ENODATA) {
                return -1;
            }
            throw ErrnoException.last("lgetxattr");
        }
        return parse(buf, (int) n);
    }

    private static long getLong(int fd, Pointer name) throws ErrnoException {
        Pointer buf = SCRATCH.get();
        long n = Native.LIBC.fgetxattr(fd, name, buf, 64);
        if (n < 0) {
            if (Native.errno() == ENODATA) {
                return -1;
            }
            throw ErrnoException.last("fgetxattr");
        }
        return parse(buf, (int) n);
    }

    private static long parse(Pointer buf, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            byte c = buf.getByte(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return n == 0 ? -1 : v;
    }

    private static void setLong(Pointer rel, Pointer name, long value, int flags) throws ErrnoException {
        set(rel, name, Long.toString(value).getBytes(StandardCharsets.US_ASCII), flags);
    }

    private static void set(Pointer rel, Pointer name, byte[] value, int flags) throws ErrnoException {
        Pointer buf = SCRATCH.get();
        buf.put(0, value, 0, value.length);
        if (Native.LIBC.lsetxattr(rel, name, buf, value.length, flags) != 0) {
            throw ErrnoException.last("lsetxattr");
        }
    }

    private static void setLong(int fd, Pointer name, long value) throws ErrnoException {
        byte[] b = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
        Pointer buf = SCRATCH.get();
        buf.put(0, b, 0, b.length);
        if (Native.LIBC.fsetxattr(fd, name, buf, b.length, 0) != 0) {
            throw ErrnoException.last("fsetxattr");
        }
    }
}
