package dev.zero.agent.fs;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.TierAttr;
import dev.zero.agent.cache.TierAttrs;
import dev.zero.agent.cache.TrueTimes;
import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Stat;
import dev.zero.agent.posix.Stat.Timespec;
import dev.zero.api.FileMeta;
import jnr.ffi.Pointer;

/**
 * Tells the {@link ChangeLog} about a change the backing tree has already made, describing
 * files as users see them (the true ctime of tiered files). The change stands whatever happens
 * here, so failures (an id that cannot be read, a journal error) are logged and swallowed: the
 * reconciling walk on start recovers what the journal missed.
 */
public final class ChangeReporter {
    private static final Logger LOG = Logger.getLogger(ChangeReporter.class);
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    private final ChangeLog log;
    private final BackingRoot root;
    private final TierAttrs attrs;
    private final TrueTimes times;

    public ChangeReporter(ChangeLog log, BackingRoot root, TierAttrs attrs, TrueTimes times) {
        this.log = log;
        this.root = root;
        this.attrs = attrs;
        this.times = times;
    }

    /** The id of the parent directory of a FUSE path. */
    long parentId(byte[] path) throws ErrnoException {
        return attrs.ensure(root, FusePath.parentRel(path)).fileId();
    }

    FileMeta meta(Pointer st, long contentVersion) {
        Timespec ctime = times.ctime(Stat.ino(st));
        return Stat.meta(st, contentVersion, ctime != null ? ctime : Stat.ctime(st));
    }

    void created(byte[] path, Pointer rel, long id, String linkTarget) {
        try {
            Pointer st = STAT.get();
            Stat.lstat(root.fd(), rel, st);
            record(path, st, id, linkTarget);
        } catch (Exception e) {
            warn("created", e);
        }
    }

    /** A regular file was created and is open as {@code fd}: its attributes come from the descriptor, not another walk of the path. */
    void created(byte[] path, int fd, long id) {
        try {
            Pointer st = STAT.get();
            Stat.fstat(fd, st);
            record(path, st, id, null);
        } catch (Exception e) {
            warn("created", e);
        }
    }

    /** The journal's record of a creation, from the new file's attributes in {@code st}. */
    private void record(byte[] path, Pointer st, long id, String linkTarget) throws ErrnoException {
        log.created(id, parentId(path), FusePath.name(path), meta(st, 0), linkTarget);
    }

    void linked(byte[] newPath, Pointer newRel) {
        try {
            Pointer st = STAT.get();
            Stat.lstat(root.fd(), newRel, st);
            TierAttr attr = attrs.ensure(root, newRel);
            log.linked(attr.fileId(), parentId(newPath), FusePath.name(newPath), meta(st, attr.contentVersion()));
        } catch (Exception e) {
            warn("linked", e);
        }
    }

    void unlinked(Long id, byte[] path) {
        try {
            log.unlinked(id, parentId(path), FusePath.name(path));
        } catch (Exception e) {
            warn("unlinked", e);
        }
    }

    void renamed(Long id, byte[] from, byte[] to) {
        try {
            log.renamed(id, parentId(from), FusePath.name(from), parentId(to), FusePath.name(to));
        } catch (Exception e) {
            warn("renamed", e);
        }
    }

    void attributesChanged(Pointer rel, Pointer st) {
        try {
            TierAttr attr = attrs.ensure(root, rel);
            log.attributesChanged(attr.fileId(), meta(st, attr.contentVersion()));
        } catch (Exception e) {
            warn("attributesChanged", e);
        }
    }

    /** Attributes (or the size, by truncate) changed through {@code fd}; {@code version} is the content version now. */
    void attributesChanged(int fd, long fileId, long version) {
        try {
            Pointer st = STAT.get();
            Stat.fstat(fd, st);
            log.attributesChanged(fileId, meta(st, version));
        } catch (Exception e) {
            warn("attributesChanged", e);
        }
    }

    /** A handle's writes are settled with content version {@code version}. */
    void contentChanged(OpenFile file, long version) {
        try {
            Pointer st = STAT.get();
            Stat.fstat(file.fd, st);
            log.contentChanged(file.fileId(), meta(st, version));
        } catch (Exception e) {
            warn("contentChanged", e);
        }
    }

    void accessed(long id) {
        try {
            log.accessed(id);
        } catch (Exception e) {
            warn("accessed", e);
        }
    }

    private static void warn(String what, Exception e) {
        LOG.warnf("could not record %s: %s", what, e.toString());
        LOG.debug("record failure", e);
    }
}
