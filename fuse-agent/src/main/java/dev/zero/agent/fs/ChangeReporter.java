package dev.zero.agent.fs;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.TierXattrs;
import dev.zero.agent.journal.ChangeLog;
import jnr.ffi.Pointer;

/**
 * Tells the {@link ChangeLog} about a change the backing tree has already made. The change
 * stands whatever happens here, so failures (an id that cannot be read, a journal error) are
 * logged and swallowed: the reconciling walk on start recovers what the journal missed.
 */
public final class ChangeReporter {
    private static final Logger LOG = Logger.getLogger(ChangeReporter.class);
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    private final ChangeLog log;
    private final TierXattrs xattrs;

    public ChangeReporter(ChangeLog log, TierXattrs xattrs) {
        this.log = log;
        this.xattrs = xattrs;
    }

    public TierXattrs xattrs() {
        return xattrs;
    }

    /** The id of the parent directory of a FUSE path. */
    long parentId(byte[] path) throws ErrnoException {
        return xattrs.ensureId(FusePath.parentRel(path));
    }

    void created(byte[] path, Pointer rel, long id, String linkTarget) {
        try {
            Pointer st = STAT.get();
            Stat.lstat(rel, st);
            log.created(id, parentId(path), FusePath.name(path), Stat.meta(st, 0), linkTarget);
        } catch (Exception e) {
            warn("created", e);
        }
    }

    void linked(byte[] newPath, Pointer newRel) {
        try {
            Pointer st = STAT.get();
            Stat.lstat(newRel, st);
            long id = xattrs.ensureId(newRel);
            log.linked(id, parentId(newPath), FusePath.name(newPath), Stat.meta(st, xattrs.version(newRel)));
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

    void attributesChanged(Pointer rel) {
        try {
            Pointer st = STAT.get();
            Stat.lstat(rel, st);
            long id = xattrs.ensureId(rel);
            log.attributesChanged(id, Stat.meta(st, xattrs.version(rel)));
        } catch (Exception e) {
            warn("attributesChanged", e);
        }
    }

    void attributesChanged(OpenFile file) {
        try {
            Pointer st = STAT.get();
            Stat.fstat(file.fd, st);
            log.attributesChanged(file.fileId, Stat.meta(st, xattrs.version(file.fd)));
        } catch (Exception e) {
            warn("attributesChanged", e);
        }
    }

    /** Records written content once: bumps the version, marks LOCAL, reports contentChanged. */
    void settle(OpenFile file) {
        if (!file.dirty) {
            return;
        }
        synchronized (file) {
            if (!file.dirty) {
                return;
            }
            file.dirty = false;
            try {
                long version = xattrs.contentChanged(file.fd);
                Pointer st = STAT.get();
                Stat.fstat(file.fd, st);
                log.contentChanged(file.fileId, Stat.meta(st, version));
            } catch (Exception e) {
                warn("contentChanged", e);
            }
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
