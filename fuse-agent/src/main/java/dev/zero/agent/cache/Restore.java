package dev.zero.agent.cache;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat.Timespec;
import dev.zero.api.ObjectManifest;
import jnr.ffi.Pointer;

/**
 * The ranged restore of one evicted file. A read asks for the chunks under its bytes; missing
 * ones are fetched in runs (one ranged GET per run of neighbours, extended ahead of a sequential
 * reader), each chunk verified against its SHA-256 from the manifest before it is written back
 * and served. Concurrent readers of one chunk share one fetch. All-zero chunks (a sparse file's
 * holes) need no fetch. Progress becomes durable every {@link CacheSettings#durableEvery} bytes
 * (fdatasync, then the {@link ChunkMap}); when the last chunk is back the whole content's SHA-256
 * is checked and the file becomes SYNCED.
 */
final class Restore {
    private static final Logger LOG = Logger.getLogger(Restore.class);

    /** Ranged reads a whole restore runs at once, and the fewest chunks worth one of them. */
    private static final int PARALLEL_RUNS = 4;
    private static final int MIN_RUN = 8;

    final TieredFile file;
    final long size;
    final int chunks;
    private final int io;
    private final ObjectManifest manifest;
    private final byte[] hashes;
    private final int chunkSize;
    private final ChunkMap map;
    private final TierAttr.Stored stored;
    /** Guarded by {@code file.lock}. */
    private final BitSet present;
    private final Map<Integer, CompletableFuture<Void>> inflight = new HashMap<>();
    private long undurable;
    private int lastRequested = -2;
    private Timespec mtime;
    private final CompletableFuture<Void> complete = new CompletableFuture<>();
    private volatile boolean abandoned;

    /** The whole content's SHA-256, fed chunk by chunk in order by the hasher (guarded by {@code file.lock}: {@code hashed}, {@code hashing}). */
    private final MessageDigest whole = sha256();
    private int hashed;
    private boolean hashing;
    /** Set by the caller that checks the whole content and finishes the restore (guarded by {@code file.lock}). */
    private boolean completing;
    private final java.util.concurrent.locks.Condition progressed;
    private byte[] zeroChunkHash;

    Restore(TieredFile file, int io, ObjectManifest manifest, ChunkMap map) throws IOException {
        this.file = file;
        this.io = io;
        this.manifest = manifest;
        this.hashes = manifest.chunkHashes();
        this.chunkSize = manifest.chunkSize();
        this.chunks = manifest.chunks();
        this.size = manifest.size();
        this.map = map;
        this.stored = map.stored;
        this.mtime = map.mtime;
        this.present = map.present();
        this.progressed = file.lock.newCondition();
    }

    /** Bytes present (lock held). */
    long restoredBytes() {
        return Math.min(size, (long) present.cardinality() * chunkSize);
    }

    /** Chunks present and chunks in all (lock held). */
    int[] progress() {
        return new int[] {present.cardinality(), chunks};
    }

    private int chunkLength(int c) {
        return (int) Math.min(chunkSize, size - (long) c * chunkSize);
    }

    /**
     * Makes the chunks under {@code [offset, offset + length)} present, fetching what is missing
     * (and, for a sequential reader, what follows). Returns the bytes this call started fetching.
     */
    long ensure(long offset, long length, boolean readAhead) throws IOException {
        if (offset >= size) {
            checkComplete();
            return 0;
        }
        int first = (int) (offset / chunkSize);
        int last = (int) ((Math.min(size, offset + length) - 1) / chunkSize);
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        List<int[]> runs = new ArrayList<>();
        file.lock.lock();
        try {
            if (abandoned) {
                throw new ErrnoException(Errno.EIO, "the restore of file " + file.fileId + " was abandoned");
            }
            plan(first, last, waits, runs);
            int ahead = file.files.settings.readAheadChunks();
            if (readAhead && ahead > 0 && first <= lastRequested + 1 && last >= lastRequested) {
                int queued = 0;
                int c = last + 1;
                while (c < chunks && queued < ahead && (present.get(c) || inflight.containsKey(c))) {
                    c++;
                    queued++;
                }
                if (queued < (ahead + 1) / 2 && c < chunks) {
                    plan(c, Math.min(chunks - 1, c + ahead - 1), null, runs);
                }
            }
            lastRequested = Math.max(lastRequested, last);
        } finally {
            file.lock.unlock();
        }
        if (!readAhead) {
            runs = split(runs);
        }
        long started = 0;
        for (int[] run : runs) {
            started += (long) (run[1] - run[0] + 1) * chunkSize;
            file.files.retain(file);
            file.files.restoreExecutor.execute(() -> {
                try {
                    fetch(run[0], run[1]);
                } finally {
                    file.files.release(file);
                }
            });
        }
        if (readAhead && !waits.isEmpty()) {
            long waitStarted = System.nanoTime();
            await(waits);
            file.files.counters().readWaited(System.nanoTime() - waitStarted);
        } else {
            await(waits);
        }
        checkComplete();
        return Math.min(started, size);
    }

    /** A whole restore fetches in a few parallel ranged reads, so that verifying and writing use both cores. */
    private static List<int[]> split(List<int[]> runs) {
        List<int[]> out = new ArrayList<>();
        for (int[] run : runs) {
            int length = run[1] - run[0] + 1;
            int pieces = Math.max(1, Math.min(PARALLEL_RUNS, length / MIN_RUN));
            int step = (length + pieces - 1) / pieces;
            for (int a = run[0]; a <= run[1]; a += step) {
                out.add(new int[] {a, Math.min(run[1], a + step - 1)});
            }
        }
        return out;
    }

    /** Sorts chunks [first, last] into present, in flight (waited for when {@code waits} is given) and runs to fetch. Lock held. */
    private void plan(int first, int last, List<CompletableFuture<Void>> waits, List<int[]> runs) throws ErrnoException {
        int runStart = -1;
        for (int c = first; c <= last; c++) {
            boolean fetch = false;
            if (!present.get(c)) {
                CompletableFuture<Void> pending = inflight.get(c);
                if (pending != null) {
                    if (waits != null) {
                        waits.add(pending);
                    }
                } else if (isZero(c)) {
                    zeroFill(c);
                } else {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    inflight.put(c, f);
                    if (waits != null) {
                        waits.add(f);
                    }
                    fetch = true;
                }
            }
            if (fetch && runStart < 0) {
                runStart = c;
            } else if (!fetch && runStart >= 0) {
                runs.add(new int[] {runStart, c - 1});
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            runs.add(new int[] {runStart, last});
        }
    }

    private void await(List<CompletableFuture<Void>> waits) throws IOException {
        long budget = file.files.settings.restoreTimeout().plus(file.files.settings.roomWait()).plusSeconds(30).toMillis();
        long deadline = System.currentTimeMillis() + budget;
        for (CompletableFuture<Void> f : waits) {
            try {
                f.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw cause instanceof ErrnoException errno ? errno : new ErrnoException(Errno.EIO, String.valueOf(cause.getMessage()));
            } catch (TimeoutException e) {
                throw new ErrnoException(Errno.EIO, "restore of file " + file.fileId + " timed out");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, "restore interrupted");
            }
        }
    }

    /** True when every chunk under the range is present already (lock taken). */
    boolean covers(long offset, long length) {
        if (offset >= size) {
            return true;
        }
        int first = (int) (offset / chunkSize);
        int last = (int) ((Math.min(size, offset + length) - 1) / chunkSize);
        file.lock.lock();
        try {
            int missing = present.nextClearBit(first);
            return missing > last;
        } finally {
            file.lock.unlock();
        }
    }

    /** The last chunk read through, so a sequential reader fetches each chunk once. Guarded by {@code throughLock}. */
    private final Object throughLock = new Object();
    private int throughChunk = -1;
    private byte[] throughBytes;

    /**
     * Reads {@code [offset, offset + length)} straight from the store into {@code buf}, each
     * chunk verified against its SHA-256, writing nothing to the backing file: the read path of
     * a file too big to keep under the disk target. Returns the bytes read.
     */
    int readThrough(Pointer buf, long offset, long length) throws IOException {
        if (offset >= size || length <= 0) {
            return 0;
        }
        long end = Math.min(size, offset + length);
        long copied = 0;
        for (int c = (int) (offset / chunkSize); (long) c * chunkSize < end; c++) {
            byte[] chunk = verifiedChunk(c);
            long chunkStart = (long) c * chunkSize;
            long a = Math.max(offset, chunkStart);
            long b = Math.min(end, chunkStart + chunk.length);
            buf.put(copied, chunk, (int) (a - chunkStart), (int) (b - a));
            copied += b - a;
        }
        return (int) copied;
    }

    private byte[] verifiedChunk(int c) throws IOException {
        synchronized (throughLock) {
            if (throughChunk == c) {
                return throughBytes;
            }
        }
        int n = chunkLength(c);
        byte[] chunk = new byte[n];
        TieredFiles files = file.files;
        try (InputStream in = files.content.open(file.fileId, stored.version(), stored.nonce(), (long) c * chunkSize, n)) {
            if (in.readNBytes(chunk, 0, n) != n) {
                throw new EOFException("the store sent too few bytes for chunk " + c + " of file " + file.fileId);
            }
        }
        byte[] sha = sha256().digest(chunk);
        if (!Arrays.equals(sha, 0, 32, hashes, c * 32, c * 32 + 32)) {
            files.counters.corruptFound();
            throw new ErrnoException(Errno.EIO, "chunk " + c + " of file " + file.fileId
                    + " does not match its SHA-256: the stored copy is damaged; nothing of it was served");
        }
        files.counters.restored(n);
        synchronized (throughLock) {
            throughChunk = c;
            throughBytes = chunk;
        }
        return chunk;
    }

    /** Fetches chunks [a, b] in one ranged read, verifying and writing each as it arrives. */
    private void fetch(int a, int b) {
        long offset = (long) a * chunkSize;
        long length = Math.min(size, (long) (b + 1) * chunkSize) - offset;
        long reserved = 0;
        int next = a;
        TieredFiles files = file.files;
        try {
            if (!files.budget.reserve(length, files.settings.roomWait())) {
                throw new ErrnoException(Errno.EIO, "restoring " + length + " bytes of file " + file.fileId
                        + " would pass the disk target; no room was made within " + files.settings.roomWait());
            }
            reserved = length;
            byte[] buf = new byte[chunkSize];
            Pointer out = Native.allocate(chunkSize);
            MessageDigest sha = sha256();
            try (InputStream in = files.content.open(file.fileId, stored.version(), stored.nonce(), offset, length)) {
                for (; next <= b; next++) {
                    if (abandoned) {
                        throw new ErrnoException(Errno.EIO, "restore abandoned");
                    }
                    int n = chunkLength(next);
                    if (in.readNBytes(buf, 0, n) != n) {
                        throw new EOFException("the store sent too few bytes for chunk " + next + " of file " + file.fileId);
                    }
                    sha.update(buf, 0, n);
                    if (!Arrays.equals(sha.digest(), 0, 32, hashes, next * 32, next * 32 + 32)) {
                        files.counters.corruptFound();
                        throw new ErrnoException(Errno.EIO, "chunk " + next + " of file " + file.fileId
                                + " does not match its SHA-256: the stored copy is damaged; nothing of it was served");
                    }
                    out.put(0, buf, 0, n);
                    file.lock.lock();
                    try {
                        // under the lock: a restore abandoned meanwhile (the file was emptied) must not write into it
                        if (abandoned) {
                            throw new ErrnoException(Errno.EIO, "restore abandoned");
                        }
                        write(out, n, (long) next * chunkSize);
                    } finally {
                        file.lock.unlock();
                    }
                    files.space.add(n, 0, 0);
                    files.budget.release(n);
                    reserved -= n;
                    arrived(next, n);
                    files.counters.restored(n);
                    files.settings.pause();
                }
            }
            durable(false);
        } catch (IOException | RuntimeException e) {
            failFrom(next, b, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failFrom(next, b, new ErrnoException(Errno.EINTR, "restore interrupted"));
        } finally {
            if (reserved > 0) {
                files.budget.release(reserved);
            }
        }
        checkComplete();
    }

    private void write(Pointer buf, int n, long at) throws ErrnoException {
        long done = 0;
        while (done < n) {
            long w = Native.LIBC.pwrite(io, done == 0 ? buf : buf.slice(done), n - done, at + done);
            if (w < 0) {
                if (Native.errno() == Errno.EINTR) {
                    continue;
                }
                throw ErrnoException.last("pwrite (restore)");
            }
            done += w;
        }
    }

    private void arrived(int c, int n) {
        file.lock.lock();
        try {
            present.set(c);
            undurable += n;
            CompletableFuture<Void> f = inflight.remove(c);
            if (f != null) {
                f.complete(null);
            }
            progressed.signalAll();
            startHasher();
        } finally {
            file.lock.unlock();
        }
    }

    /**
     * Starts the whole-content hasher if it is not running (lock held): it follows the chunks in
     * order as they arrive, reading each back from the page cache, on its own thread, so the
     * whole-file check costs no time at the end of a restore. It stops while the next chunk in
     * order is missing (a partial restore) and starts again when more arrive.
     */
    private void startHasher() {
        if (hashing || hashed >= chunks || abandoned || !present.get(hashed)) {
            return;
        }
        hashing = true;
        file.files.retain(file);
        file.files.restoreExecutor.execute(() -> {
            try {
                hashAhead();
            } finally {
                file.files.release(file);
            }
        });
    }

    private void hashAhead() {
        Pointer buf = Native.allocate(chunkSize);
        byte[] bytes = new byte[chunkSize];
        try {
            while (true) {
                int c;
                file.lock.lock();
                try {
                    if (abandoned || hashed >= chunks || !present.get(hashed)) {
                        return;
                    }
                    c = hashed;
                } finally {
                    file.lock.unlock();
                }
                int n = chunkLength(c);
                readBack(buf, bytes, c, n);
                whole.update(bytes, 0, n);
                file.lock.lock();
                try {
                    hashed++;
                    progressed.signalAll();
                } finally {
                    file.lock.unlock();
                }
            }
        } catch (ErrnoException e) {
            LOG.warnf("file %d: hashing its restored content failed (%s); it is hashed again at the end", file.fileId, e.getMessage());
        } finally {
            file.lock.lock();
            try {
                hashing = false;
                progressed.signalAll();
            } finally {
                file.lock.unlock();
            }
        }
    }

    private void readBack(Pointer buf, byte[] bytes, int c, int n) throws ErrnoException {
        long done = 0;
        while (done < n) {
            long r = Native.LIBC.pread(io, buf.slice(done), n - done, (long) c * chunkSize + done);
            if (r <= 0) {
                if (r < 0 && Native.errno() == Errno.EINTR) {
                    continue;
                }
                throw r < 0 ? ErrnoException.last("pread (verify)") : new ErrnoException(Errno.EIO, "file shorter than its chunks");
            }
            done += r;
        }
        buf.get(0, bytes, 0, n);
    }

    private void failFrom(int from, int to, Exception e) {
        ErrnoException failure = e instanceof ErrnoException errno ? errno : new ErrnoException(Errno.EIO, e.getMessage());
        file.files.restoreFailed(file, e); // recorded before any waiting reader learns of it
        file.lock.lock();
        try {
            for (int c = from; c <= to; c++) {
                CompletableFuture<Void> f = inflight.remove(c);
                if (f != null) {
                    f.completeExceptionally(failure);
                }
            }
        } finally {
            file.lock.unlock();
        }
    }

    private boolean isZero(int c) {
        int n = chunkLength(c);
        byte[] zero;
        if (n == chunkSize) {
            if (zeroChunkHash == null) {
                zeroChunkHash = sha256().digest(new byte[chunkSize]);
            }
            zero = zeroChunkHash;
        } else {
            zero = sha256().digest(new byte[n]);
        }
        return Arrays.equals(zero, 0, 32, hashes, c * 32, c * 32 + 32);
    }

    /** An all-zero chunk: a hole reads as its content, so make sure it is one (lock held). */
    private void zeroFill(int c) throws ErrnoException {
        int n = chunkLength(c);
        if (Native.LIBC.fallocate(io, Native.FALLOC_FL_PUNCH_HOLE | Native.FALLOC_FL_KEEP_SIZE, (long) c * chunkSize, n) != 0) {
            throw ErrnoException.last("fallocate(PUNCH_HOLE)");
        }
        present.set(c);
        progressed.signalAll();
        startHasher();
    }

    /** Makes what is present durable and records it in the chunk map, every {@code durableEvery} bytes (or now). */
    private void durable(boolean force) throws IOException {
        BitSet snapshot;
        file.lock.lock();
        try {
            if (!force && undurable < file.files.settings.durableEvery()) {
                return;
            }
            undurable = 0;
            snapshot = (BitSet) present.clone();
        } finally {
            file.lock.unlock();
        }
        if (Native.LIBC.fdatasync(io) != 0) {
            throw ErrnoException.last("fdatasync (restore)");
        }
        map.persist(snapshot);
    }

    /** When every chunk is present: checks the whole content's SHA-256 and makes the file SYNCED (once). */
    private void checkComplete() {
        file.lock.lock();
        try {
            if (completing || complete.isDone() || abandoned || present.cardinality() < chunks) {
                return;
            }
            // one caller finishes; the lock is let go while it waits for the hasher, others wait on the future
            completing = true;
            try {
                if (Native.LIBC.fdatasync(io) != 0) {
                    throw ErrnoException.last("fdatasync (restore)");
                }
                String sha = wholeSha256();
                if (!sha.equals(manifest.sha256())) {
                    file.files.counters.corruptFound();
                    LOG.errorf("file %d: the restored content's SHA-256 %s differs from the stored copy's %s; evicting it again",
                            file.fileId, sha, manifest.sha256());
                    abandoned = true;
                    map.delete();
                    file.onRestoreRejected(io);
                    complete.completeExceptionally(new ErrnoException(Errno.EIO, "restored content of file " + file.fileId
                            + " failed its whole-file SHA-256 check"));
                    return;
                }
                map.delete();
                file.onRestored(io, mtime);
                file.files.counters.restoreCompleted();
                complete.complete(null);
            } catch (IOException | RuntimeException e) {
                LOG.errorf("file %d: finishing its restore failed: %s", file.fileId, e.toString());
                complete.completeExceptionally(e);
            }
        } finally {
            file.lock.unlock();
        }
    }

    /** The whole content's SHA-256 once every chunk is present: waits for the hasher, and hashes what it has not (lock held). */
    private String wholeSha256() throws ErrnoException {
        try {
            while (hashing) {
                progressed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "interrupted verifying a restore");
        }
        if (hashed < chunks) {
            Pointer buf = Native.allocate(chunkSize);
            byte[] bytes = new byte[chunkSize];
            for (; hashed < chunks; hashed++) {
                int n = chunkLength(hashed);
                readBack(buf, bytes, hashed, n);
                whole.update(bytes, 0, n);
            }
        }
        return HexFormat.of().formatHex(whole.digest());
    }

    /** Waits until the whole file is back and verified. */
    void awaitComplete(Duration timeout) throws IOException {
        checkComplete();
        try {
            complete.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new ErrnoException(Errno.EIO, "restore of file " + file.fileId + " did not finish in " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "restore interrupted");
        }
    }

    /** A user changed the file's mtime during the restore: that is the one to put back at the end (lock held). */
    void retimed(Timespec newMtime) throws ErrnoException {
        mtime = newMtime;
        try {
            map.retime(newMtime);
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "chunk map: " + e.getMessage());
        }
    }

    /** Nobody uses the file any more: what was verified is made durable and recorded, so the next reader starts from it. Lock held. */
    void suspend() {
        if (present.isEmpty()) {
            // nothing came back (the first fetch failed): the file is simply evicted again
            abandon();
            try {
                map.delete();
                file.onNothingRestored(io);
            } catch (IOException e) {
                LOG.warnf("file %d: could not record it as evicted again (%s)", file.fileId, e.getMessage());
            }
            return;
        }
        try {
            durable(true);
        } catch (IOException e) {
            LOG.warnf("file %d: could not record its restore progress (%s); the chunks are fetched again", file.fileId, e.getMessage());
        }
        abandon();
    }

    /** Stops the restore (the file was emptied, or the agent drops it): waiting readers fail, fetches stop. Lock held. */
    void abandon() {
        abandoned = true;
        ErrnoException gone = new ErrnoException(Errno.EIO, "the restore of file " + file.fileId + " was abandoned");
        for (CompletableFuture<Void> f : inflight.values()) {
            f.completeExceptionally(gone);
        }
        inflight.clear();
        try {
            map.close();
        } catch (IOException e) {
            LOG.debugf("closing chunk map of %d: %s", file.fileId, e.getMessage());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
