package dev.zero.agent.cache;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

import org.jboss.logging.Logger;

import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.agent.posix.Stat.Timespec;
import dev.zero.api.ObjectManifest;
import dev.zero.api.TierState;
import jnr.ffi.Pointer;

/**
 * The one owner of a regular file's tier state while the file is in use (open, or being
 * uploaded, evicted or restored): every transition between LOCAL, UPLOADING, SYNCED, EVICTING,
 * EVICTED and RESTORING happens here, under this file's lock, and is persisted in the file's
 * {@link TierAttr} before it is acknowledged. Methods are named after the events that cause them.
 * <p>
 * Attribute writes and punching move the backing file's ctime (refilling also its mtime); the
 * time users see is kept in the attribute and in {@link TrueTimes}, so tiering never moves a time
 * the mount shows. A user's own change through the mount makes the backing times true again.
 * <p>
 * Lock order: this file's lock, then the registry's; a restore's chunk fetches run without it.
 */
public final class TieredFile {
    private static final Logger LOG = Logger.getLogger(TieredFile.class);
    private static final ThreadLocal<Pointer> STAT = ThreadLocal.withInitial(Stat::allocate);

    final TieredFiles files;
    final long fileId;
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a running upload is confirmed or abandoned. */
    private final java.util.concurrent.locks.Condition uploadEnded = lock.newCondition();
    /** Registry references (handles and operations); guarded by the registry. */
    int refs;

    private TierAttr attr;
    private long inode = -1;
    private int ioFd = -1;
    private int opens;
    private int dirtyHandles;
    /** Handles open for writing whose writes the kernel makes itself (passthrough): no upload may start or be confirmed. */
    private int unseenWriters;
    private long writes;
    private Restore restore;
    private CompletableFuture<Restore> restoreStarting;
    /** A rejected restore's blocks are punched when the last handle closes. */
    private boolean punchWhenClosed;
    /** The mtime users see while a restore's writes move the backing one; null otherwise. */
    private Timespec mtimeOverride;
    private volatile boolean whole;

    TieredFile(TieredFiles files, TierAttr attr) {
        this.files = files;
        this.fileId = attr.fileId();
        this.attr = attr;
        this.whole = !attr.info().offHost();
    }

    public long fileId() {
        return fileId;
    }

    /** True when every byte is on the host: reads need no restore. */
    public boolean whole() {
        return whole;
    }

    public TierAttr attr() {
        lock.lock();
        try {
            return attr;
        } finally {
            lock.unlock();
        }
    }

    /** Handles open on the file right now. */
    public int openHandles() {
        lock.lock();
        try {
            return opens;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of the file back on the host while a restore runs (0 when none runs). */
    public long restoredBytes() {
        lock.lock();
        try {
            return restore == null ? 0 : restore.restoredBytes();
        } finally {
            lock.unlock();
        }
    }

    /** Chunks back and chunks in all while a restore runs in memory, else null. */
    int[] restoreProgress() {
        lock.lock();
        try {
            return restore == null ? null : restore.progress();
        } finally {
            lock.unlock();
        }
    }

    // ---- events from the mount -------------------------------------------------------------

    /**
     * A handle was opened. {@code O_TRUNC} (stripped from the backing open) empties the file here,
     * with no restore; an evicted file opened for writing is restored whole first, so no write
     * ever lands in a file of holes.
     */
    public void onOpened(int fd, int flags) throws IOException {
        boolean writable = (flags & Native.O_ACCMODE) != 0;
        lock.lock();
        try {
            opens++;
        } finally {
            lock.unlock();
        }
        try {
            if (writable && (flags & Native.O_TRUNC) != 0) {
                truncate(fd, 0);
            } else if (writable && !whole) {
                restoreAll(fd);
            }
        } catch (IOException | RuntimeException e) {
            onClosed();
            throw e;
        }
    }

    public void onClosed() {
        lock.lock();
        try {
            opens--;
            if (opens == 0 && punchWhenClosed && ioFd >= 0) {
                punchWhenClosed = false;
                mtimeOverride = null;
                punch(ioFd);
            }
        } catch (ErrnoException e) {
            LOG.warnf("file %d: could not drop a rejected restore (%s); it is dropped at the next start", fileId, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The first write through a clean handle is about to happen: the file becomes LOCAL with a new
     * content version, persisted before the write, so a crash can never leave new bytes in a file
     * recorded as synced. Any upload running now will not be confirmed.
     */
    public void onWritten(int fd) throws IOException {
        if (!whole) {
            restoreAll(fd);
        }
        lock.lock();
        try {
            dirtyHandles++;
            writes++;
            knowSize(fd);
            persistUser(fd, attr.withState(TierState.LOCAL).withContentVersion(attr.contentVersion() + 1));
            uploadEnded.signalAll(); // a running upload will not be confirmed now
        } finally {
            lock.unlock();
        }
    }

    /**
     * A handle is open for writing and the kernel writes through it itself: the agent sees its
     * writes only as changes of the file at flush and release, so while it is open no upload
     * starts or is confirmed. Its space is counted from the size it has now.
     */
    public void onUnseenWriterOpened(int fd) {
        lock.lock();
        try {
            unseenWriters++;
            knowSize(fd);
        } catch (ErrnoException e) {
            LOG.debugf("space accounting of file %d: %s", fileId, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    public void onUnseenWriterClosed() {
        lock.lock();
        try {
            unseenWriters = Math.max(0, unseenWriters - 1);
        } finally {
            lock.unlock();
        }
    }

    /** A dirty handle was flushed, synced or released: its writes are settled; returns the content version they made. */
    public long onSettled(int fd) {
        lock.lock();
        try {
            dirtyHandles = Math.max(0, dirtyHandles - 1);
            accountSpace(fd);
            return attr.contentVersion();
        } finally {
            lock.unlock();
        }
    }

    /** Counts what writes through an open handle have allocated so far (during a long write; settling counts the rest). */
    public void recountSpace(int fd) {
        lock.lock();
        try {
            accountSpace(fd);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Bytes are about to be read: makes sure the chunks under them are back and verified.
     * Returns false when the file is too big to keep under the disk target (more than half of
     * it): such a file is read through from the store ({@link #readThrough}) instead of pushing
     * everything else off the disk, and a read of it never waits for room.
     */
    public boolean beforeRead(int fd, long offset, long length) throws IOException {
        if (whole || length <= 0) {
            return true;
        }
        Restore r = restoreFor(fd);
        if (r == null) {
            return true;
        }
        Long target = files.budget.target();
        if (target != null && r.size > target / 2 && !r.covers(offset, length)) {
            return false;
        }
        r.ensure(offset, length, true);
        return true;
    }

    /** Reads bytes of a file too big to keep straight from the store, verified, keeping nothing on disk. */
    public int readThrough(int fd, jnr.ffi.Pointer buf, long offset, long length) throws IOException {
        Restore r = restoreFor(fd);
        if (r == null) {
            return -1;
        }
        return r.readThrough(buf, offset, length);
    }

    /**
     * Truncates the file (a path truncate, a handle's ftruncate or O_TRUNC): an evicted file
     * emptied needs nothing back; cut elsewhere, it is restored whole first. Returns the new
     * content version.
     */
    public long truncate(int fd, long size) throws IOException {
        if (!whole) {
            if (size == 0) {
                dropRestore(fd);
            } else {
                restoreAll(fd);
            }
        }
        lock.lock();
        try {
            knowSize(fd);
            writes++;
            persistUser(fd, attr.withState(TierState.LOCAL).withContentVersion(attr.contentVersion() + 1));
            uploadEnded.signalAll(); // a running upload will not be confirmed now
            if (Native.LIBC.ftruncate(fd, size) != 0) {
                throw ErrnoException.last("ftruncate");
            }
            whole = true;
            accountSpace(fd);
            return attr.contentVersion();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Mode, owner, times or xattrs changed through the mount: the backing ctime is true again,
     * and a stored copy's fingerprint follows a new mtime (the content did not change).
     */
    public void onAttributesChanged(int fd) throws ErrnoException {
        lock.lock();
        try {
            if (attr.trueCtime() == null) {
                return;
            }
            Pointer st = fstat(fd);
            TierAttr next = attr.storedIsCurrent() ? attr.withFingerprint(TierAttr.fingerprint(Stat.size(st), Stat.mtime(st))) : attr;
            if (restore != null) {
                // the restore's writes go on moving the backing times: keep the ones this change set
                mtimeOverride = Stat.mtime(st);
                restore.retimed(mtimeOverride);
                attr = attr.withTrueCtime(null);
                persistInternal(fd, next);
                return;
            }
            persistUser(fd, next);
        } finally {
            lock.unlock();
        }
    }

    // ---- upload ----------------------------------------------------------------------------

    /** What an upload started from, checked again before it is confirmed. */
    public record UploadTicket(long contentVersion, long writes, long size, Timespec mtime, boolean alreadyStored) {
    }

    /** Starts an upload of the current content; refused while a writer has unsettled writes or another upload runs. */
    public UploadTicket onUploadStarted(int fd) throws Refused, ErrnoException {
        return onUploadStarted(fd, java.time.Duration.ZERO);
    }

    /**
     * Starts an upload of the current content, first waiting up to {@code joinRunning} for an
     * upload already running (the planner's, when a user asks too): once that one is confirmed the
     * content is stored ({@link UploadTicket#alreadyStored()}); if it was abandoned, this one starts.
     */
    public UploadTicket onUploadStarted(int fd, java.time.Duration joinRunning) throws Refused, ErrnoException {
        lock.lock();
        try {
            long waitNanos = joinRunning.toNanos();
            while (attr.state() == TierState.UPLOADING && waitNanos > 0) {
                try {
                    waitNanos = uploadEnded.awaitNanos(waitNanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            TierState state = attr.state();
            if (attr.storedIsCurrent() && state != TierState.LOCAL && state != TierState.UPLOADING) {
                return new UploadTicket(attr.contentVersion(), writes, 0, null, true);
            }
            if (state == TierState.UPLOADING) {
                throw new Refused("an upload of this file is already running");
            }
            if (dirtyHandles > 0 || unseenWriters > 0) {
                throw new Refused("the file is open and being written; it is uploaded once its writer closes it");
            }
            Pointer st = fstat(fd);
            UploadTicket ticket = new UploadTicket(attr.contentVersion(), writes, Stat.size(st), Stat.mtime(st), false);
            persistInternal(fd, attr.withState(TierState.UPLOADING));
            return ticket;
        } finally {
            lock.unlock();
            files.settings.pause();
        }
    }

    /** True while nothing has written to the file since {@code ticket} was taken. */
    public boolean unchangedSince(UploadTicket ticket) {
        lock.lock();
        try {
            return attr.state() == TierState.UPLOADING && attr.contentVersion() == ticket.contentVersion() && writes == ticket.writes()
                    && dirtyHandles == 0 && unseenWriters == 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The service confirmed the upload as the stored copy: the file is SYNCED, unless anything
     * wrote to it since the ticket (then it stays LOCAL and is uploaded again later). Returns
     * whether the file is now SYNCED with this upload.
     */
    public boolean onUploadConfirmed(int fd, UploadTicket ticket, long nonce) throws ErrnoException {
        lock.lock();
        try {
            if (!unchangedSince(ticket)) {
                onUploadAbandoned(fd, ticket);
                return false;
            }
            Pointer st = fstat(fd);
            if (Stat.size(st) != ticket.size() || !Stat.mtime(st).equals(ticket.mtime())) {
                LOG.warnf("file %d changed behind the agent's back during its upload; it stays LOCAL", fileId);
                onUploadAbandoned(fd, ticket);
                return false;
            }
            TierAttr.Stored copy = new TierAttr.Stored(ticket.contentVersion(), nonce);
            persistInternal(fd, attr.withState(TierState.SYNCED).withStored(copy, TierAttr.fingerprint(ticket.size(), ticket.mtime())));
            uploadEnded.signalAll();
            files.tierChanged(this, attr);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The upload failed or was not confirmed: back to LOCAL (if no write did that already). */
    public void onUploadAbandoned(int fd, UploadTicket ticket) throws ErrnoException {
        lock.lock();
        try {
            if (attr.state() == TierState.UPLOADING && attr.contentVersion() == ticket.contentVersion()) {
                persistInternal(fd, attr.withState(TierState.LOCAL));
            }
            uploadEnded.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- eviction --------------------------------------------------------------------------

    /**
     * Drops the file's data from the host, keeping inode, name, size, mode, owner, xattrs, links
     * and times. Only a SYNCED file whose content is unchanged since the confirmed upload, that no
     * process has open and that is not pinned is evicted; anything else is refused with the reason.
     * Returns the bytes freed (0 when it was evicted already).
     */
    public long evict(int fd) throws Refused, ErrnoException {
        lock.lock();
        try {
            TierState state = attr.state();
            if (state == TierState.EVICTED) {
                return 0;
            }
            if (state == TierState.LOCAL || state == TierState.UPLOADING) {
                throw new Refused(attr.stored() == null ? "the file was never uploaded (LOCAL)" : "the file changed since its last upload (LOCAL)");
            }
            if (state == TierState.RESTORING) {
                // partly back and nobody reading it: drop what came back, the stored copy has it all
                if (opens > 0 || restore != null) {
                    throw new Refused("the file is being restored (open, or chunks still arriving)");
                }
                try {
                    ChunkMap map = ChunkMap.load(files.settings.restoringDir(), fileId, attr.stored());
                    if (map != null) {
                        map.delete();
                    }
                } catch (IOException e) {
                    throw new ErrnoException(Errno.EIO, "chunk map of file " + fileId + ": " + e.getMessage());
                }
                long freed = punch(fd);
                files.counters.evicted(freed);
                return freed;
            }
            if (state != TierState.SYNCED || !attr.storedIsCurrent()) {
                throw new Refused("the file is " + state + ", not SYNCED");
            }
            if (opens > 0 || dirtyHandles > 0) {
                throw new Refused("the file is open (" + opens + " handle" + (opens == 1 ? "" : "s") + ")");
            }
            if (attr.pinned()) {
                throw new Refused("the file is pinned");
            }
            Pointer st = fstat(fd);
            if (TierAttr.fingerprint(Stat.size(st), Stat.mtime(st)) != attr.fingerprint()) {
                throw new Refused("the file's size or mtime changed since its upload (changed behind the agent's back?)");
            }
            persistInternal(fd, attr.withState(TierState.EVICTING));
            files.settings.pause();
            long freed = punch(fd);
            files.counters.evicted(freed);
            return freed;
        } finally {
            lock.unlock();
        }
    }

    /** Punches every data block, puts the mtime back and records EVICTED (also finishes an interrupted EVICTING). */
    long punch(int fd) throws ErrnoException {
        int io = ioFd(fd);
        Pointer st = fstat(io);
        long before = Stat.allocated(st);
        Timespec mtime = Stat.mtime(st);
        long size = Stat.size(st);
        if (size > 0 && Native.LIBC.fallocate(io, Native.FALLOC_FL_PUNCH_HOLE | Native.FALLOC_FL_KEEP_SIZE, 0, size) != 0) {
            throw ErrnoException.last("fallocate(PUNCH_HOLE)");
        }
        files.setMtime(io, mtime);
        whole = false;
        persistInternal(io, attr.withState(TierState.EVICTED));
        long freed = before - Stat.allocated(fstat(io));
        files.space.add(-freed, 0, 0);
        files.budget.wake();
        inode(io);
        files.tierChanged(this, attr);
        return freed;
    }

    // ---- restore ---------------------------------------------------------------------------

    /** Brings the whole file back (a RESTORE task, a write, a truncate); returns the bytes fetched. */
    public long restoreAll(int fd) throws IOException {
        if (whole) {
            return 0;
        }
        Restore r = restoreFor(fd);
        if (r == null) {
            return 0;
        }
        long fetched = r.ensure(0, r.size, false);
        r.awaitComplete(files.settings.restoreTimeout());
        return fetched;
    }

    /** The restore of this evicted file, started (manifest fetched, RESTORING persisted) by the first caller. */
    private Restore restoreFor(int fd) throws IOException {
        CompletableFuture<Restore> starting;
        boolean mine = false;
        lock.lock();
        try {
            if (whole) {
                return null;
            }
            if (restore != null) {
                return restore;
            }
            if (restoreStarting == null) {
                restoreStarting = new CompletableFuture<>();
                mine = true;
            }
            starting = restoreStarting;
        } finally {
            lock.unlock();
        }
        if (mine) {
            try {
                Restore r = startRestore(fd);
                starting.complete(r);
            } catch (IOException | RuntimeException e) {
                lock.lock();
                try {
                    restoreStarting = null;
                } finally {
                    lock.unlock();
                }
                starting.completeExceptionally(e);
                files.restoreFailed(this, e);
                throw e;
            }
        }
        try {
            return starting.get(files.settings.restoreTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new ErrnoException(Errno.EIO, "restore of file " + fileId + " did not start within " + files.settings.restoreTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "restore interrupted");
        }
    }

    private Restore startRestore(int fd) throws IOException {
        TierAttr.Stored stored = attr().stored();
        if (stored == null) {
            throw new ErrnoException(Errno.EIO, "file " + fileId + " is evicted but names no stored copy");
        }
        ObjectManifest manifest = files.content.manifest(fileId, stored.version(), stored.nonce());
        lock.lock();
        try {
            int io = ioFd(fd);
            Pointer st = fstat(io);
            if (manifest.size() != Stat.size(st)) {
                throw new ErrnoException(Errno.EIO, "file " + fileId + " is " + Stat.size(st) + " bytes but its stored copy holds "
                        + manifest.size());
            }
            ChunkMap map = ChunkMap.load(files.settings.restoringDir(), fileId, stored);
            if (map == null) {
                map = ChunkMap.create(files.settings.restoringDir(), fileId, stored, manifest.size(), manifest.chunkSize(),
                        Stat.mtime(st), Stat.atime(st));
            }
            Restore r = new Restore(this, io, manifest, map);
            mtimeOverride = map.mtime;
            if (attr.state() == TierState.EVICTED) {
                persistInternal(io, attr.withState(TierState.RESTORING));
                files.tierChanged(this, attr);
            } else {
                files.times.set(inode(io), mtimeOverride, attr.trueCtime());
            }
            restore = r;
            restoreStarting = null;
            return r;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every chunk is back and the whole content matched its SHA-256 (checked by the restore):
     * puts the mtime back and records SYNCED. Called with the lock held.
     */
    void onRestored(int io, Timespec mtime) throws ErrnoException {
        files.setMtime(io, mtime);
        Pointer st = fstat(io);
        whole = true;
        restore = null;
        mtimeOverride = null;
        persistInternal(io, attr.withState(TierState.SYNCED).withFingerprint(TierAttr.fingerprint(Stat.size(st), Stat.mtime(st))));
        files.tierChanged(this, attr);
        files.budget.wake();
    }

    /** A restore that brought nothing back and has no reader any more: the file is EVICTED again. Lock held. */
    void onNothingRestored(int io) throws ErrnoException {
        restore = null;
        mtimeOverride = null;
        if (attr.state() == TierState.RESTORING) {
            persistInternal(io, attr.withState(TierState.EVICTED));
            files.tierChanged(this, attr);
        }
    }

    /**
     * A restore that cannot be trusted (whole-file hash mismatch): back to EVICTED, nothing of it
     * kept. Its blocks are punched once no handle is open, so no reader ever sees them turn to
     * holes under it; until then every read fails (the restore is abandoned). Lock held.
     */
    void onRestoreRejected(int io) throws ErrnoException {
        restore = null;
        if (opens == 0) {
            mtimeOverride = null;
            punch(io);
        } else {
            punchWhenClosed = true;
        }
    }

    /** An evicted file is emptied (O_TRUNC, truncate to 0): whatever was restored of it is dropped. */
    private void dropRestore(int fd) throws IOException {
        lock.lock();
        try {
            if (restore != null) {
                restore.abandon();
                restore = null;
            }
            mtimeOverride = null;
            ChunkMap map = attr.stored() == null ? null : ChunkMap.load(files.settings.restoringDir(), fileId, attr.stored());
            if (map != null) {
                map.delete();
            }
            Timespec ctime = attr.trueCtime();
            if (ctime != null) {
                files.times.set(inode(fd), null, ctime);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- start-up ----------------------------------------------------------------------------

    /**
     * Resolves a state persisted by a run that ended (crash or stop): an interrupted upload is
     * LOCAL again (and uploaded later), an interrupted eviction is completed (the stored copy is
     * known good), a partial restore keeps the chunks its map records, and a synced file changed
     * behind the agent's back is LOCAL again. Also tells {@link TrueTimes} the times to show.
     */
    TierAttr recover(int fd) throws IOException {
        lock.lock();
        try {
            Pointer st = fstat(fd);
            switch (attr.state()) {
                case UPLOADING -> persistInternal(fd, attr.withState(TierState.LOCAL));
                case EVICTING -> punch(fd);
                case EVICTED -> {
                    if (Stat.allocated(st) > 0) {
                        punch(fd);
                    }
                }
                case RESTORING -> {
                    ChunkMap map = ChunkMap.load(files.settings.restoringDir(), fileId, attr.stored());
                    if (map == null) {
                        LOG.warnf("file %d was RESTORING without its chunk map; evicting it again", fileId);
                        punch(fd);
                    } else {
                        files.setMtime(ioFd(fd), map.mtime);
                        files.times.set(inode(fd), map.mtime, attr.trueCtime());
                        map.close();
                    }
                }
                case SYNCED -> {
                    if (TierAttr.fingerprint(Stat.size(st), Stat.mtime(st)) != attr.fingerprint()) {
                        LOG.warnf("file %d changed behind the agent's back since its upload; it is LOCAL again", fileId);
                        persistUser(fd, attr.withState(TierState.LOCAL).withContentVersion(attr.contentVersion() + 1));
                    }
                }
                case LOCAL -> {
                }
            }
            if (attr.trueCtime() != null && attr.state() != TierState.RESTORING) {
                files.times.set(inode(fd), null, attr.trueCtime());
            }
            whole = !attr.info().offHost();
            return attr;
        } finally {
            lock.unlock();
        }
    }

    // ---- persistence -----------------------------------------------------------------------

    /**
     * Writes a change the agent makes on its own: the ctime users see stays what it was (the
     * attribute keeps it, since this very write moves the backing ctime).
     */
    private void persistInternal(int fd, TierAttr next) throws ErrnoException {
        Timespec visible = attr.trueCtime() != null ? attr.trueCtime() : Stat.ctime(fstat(fd));
        TierAttr record = next.withTrueCtime(visible);
        files.attrs.write(fd, record);
        attr = record;
        files.times.set(inode(fd), mtimeOverride, visible);
    }

    /** Writes a change a user's operation causes: the backing ctime it moves is the true one. */
    private void persistUser(int fd, TierAttr next) throws ErrnoException {
        TierAttr record = next.withTrueCtime(null);
        files.attrs.write(fd, record);
        attr = record;
        files.times.forget(inode(fd));
    }

    private long knownAllocated = -1;
    private long knownSize = -1;

    private void knowSize(int fd) throws ErrnoException {
        if (knownAllocated < 0) {
            Pointer st = fstat(fd);
            knownAllocated = Stat.allocated(st);
            knownSize = Stat.size(st);
        }
    }

    /** Adds what writes changed to the tree's totals. */
    private void accountSpace(int fd) {
        try {
            if (knownAllocated < 0) {
                return;
            }
            Pointer st = fstat(fd);
            files.space.add(Stat.allocated(st) - knownAllocated, Stat.size(st) - knownSize, 0);
            knownAllocated = Stat.allocated(st);
            knownSize = Stat.size(st);
        } catch (ErrnoException e) {
            LOG.debugf("space accounting of file %d: %s", fileId, e.getMessage());
        }
    }

    /** A read-write, no-atime descriptor of the file for the agent's own I/O (lock held). */
    int ioFd(int fd) throws ErrnoException {
        if (ioFd < 0) {
            ioFd = BackingRoot.reopen(fd, Native.O_RDWR | Native.O_NOATIME);
        }
        return ioFd;
    }

    /** The backing inode, or -1 while it was never needed. */
    long knownInode() {
        return inode;
    }

    private long inode(int fd) throws ErrnoException {
        if (inode < 0) {
            inode = Stat.ino(fstat(fd));
        }
        return inode;
    }

    static Pointer fstat(int fd) throws ErrnoException {
        Pointer st = STAT.get();
        Stat.fstat(fd, st);
        return st;
    }

    /** Closes the agent's own descriptor (the registry drops the file); a partial restore keeps what it verified. */
    void close() {
        lock.lock();
        try {
            if (restore != null) {
                restore.suspend();
                restore = null;
            }
            if (ioFd >= 0) {
                Native.LIBC.close(ioFd);
                ioFd = -1;
            }
        } finally {
            lock.unlock();
        }
    }

    /** True while a restore runs, a handle is open or writes are unsettled: the registry keeps the file. */
    boolean busy() {
        return restore != null || opens > 0 || dirtyHandles > 0;
    }
}
