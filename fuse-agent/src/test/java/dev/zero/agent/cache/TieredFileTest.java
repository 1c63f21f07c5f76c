package dev.zero.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.agent.posix.Stat.Timespec;
import dev.zero.api.TierState;
import jnr.ffi.Pointer;

/** The tier state machine on a real backing tree in a temporary directory, without a mount. */
class TieredFileTest {
    static final int CHUNK = 64 * 1024;

    @TempDir
    Path cache;
    Path tree;
    DirContent store;
    TieredFiles files;
    final List<String> tiers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws IOException {
        store = new DirContent(cache.resolve("store"), CHUNK);
        files = TestTiering.files(cache, store, (id, tier) -> tiers.add(id + ":" + tier.state()));
        tree = cache.resolve("tree");
    }

    @AfterEach
    void close() {
        files.close();
        files.root().close();
    }

    /** A file with content, labelled as the mount labels the files it creates. */
    byte[] write(String name, int size) throws IOException {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        Files.write(tree.resolve(name), content);
        files.attrs().write(files.root(), Native.cstr(name), TierAttr.fresh(files.attrs().newId()));
        return content;
    }

    int fd(String name) throws ErrnoException {
        return files.root().open(Native.cstr(name), Native.O_RDWR | Native.O_NOATIME, 0, "open");
    }

    /** Uploads as the agent's uploader does, with the directory store standing in for the service. */
    long upload(String name) throws Exception {
        int fd = fd(name);
        TieredFile f = files.acquire(fd);
        try {
            TieredFile.UploadTicket t = f.onUploadStarted(fd);
            long nonce = store.put(f.fileId(), t.contentVersion(), readAll(fd, t.size()));
            assertThat(f.onUploadConfirmed(fd, t, nonce)).isTrue();
            return nonce;
        } finally {
            files.release(f);
            Native.LIBC.close(fd);
        }
    }

    /** The file's bytes through the agent's own no-atime descriptor, as the uploader reads them. */
    static byte[] readAll(int fd, long size) {
        Pointer buf = Native.allocate((int) Math.max(1, size));
        long n = Native.LIBC.pread(fd, buf, size, 0);
        byte[] out = new byte[(int) n];
        buf.get(0, out, 0, out.length);
        return out;
    }

    long evict(String name) throws Exception {
        int fd = fd(name);
        TieredFile f = files.acquire(fd);
        try {
            return f.evict(fd);
        } finally {
            files.release(f);
            Native.LIBC.close(fd);
        }
    }

    /** Something done with a file's descriptor and its tier state. */
    interface OnFile {
        void run(int fd, TieredFile f) throws Exception;
    }

    /** Runs {@code body} on the file as the agent holds it (its own descriptor, a registry reference), released after. */
    void onFile(String name, OnFile body) throws Exception {
        int fd = fd(name);
        TieredFile f = files.acquire(fd);
        try {
            body.run(fd, f);
        } finally {
            files.release(f);
            Native.LIBC.close(fd);
        }
    }

    /** Waits until {@code worker} waits with a timeout (an upload waiting for the one running). */
    static void awaitWaiting(Thread worker) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> worker.getState() == Thread.State.TIMED_WAITING);
    }

    long restoreAll(String name) throws Exception {
        int fd = fd(name);
        TieredFile f = files.acquire(fd);
        try {
            return f.restoreAll(fd);
        } finally {
            files.release(f);
            Native.LIBC.close(fd);
        }
    }

    TierAttr attr(String name) throws ErrnoException {
        return files.attrs().read(files.root(), Native.cstr(name));
    }

    /** lstat as the mount shows it (true times applied). */
    Pointer stat(String name) throws ErrnoException {
        Pointer st = Stat.allocate();
        Stat.lstat(files.root().fd(), Native.cstr(name), st);
        files.times().apply(st);
        return st;
    }

    byte[] read(String name, long offset, int length) throws Exception {
        return readOpen(name, new long[] {offset, length}).get(0);
    }

    /** Reads each {offset, length} in turn through one open of the file, as FileOps.read does. */
    List<byte[]> readOpen(String name, long[]... ranges) throws Exception {
        int fd = fd(name);
        TieredFile f = files.acquire(fd);
        try {
            List<byte[]> got = new java.util.ArrayList<>();
            for (long[] range : ranges) {
                long offset = range[0];
                int length = (int) range[1];
                Pointer buf = Native.allocate(length);
                // a file too big to keep is read through from the store
                long n = f.beforeRead(fd, offset, length) ? Native.LIBC.pread(fd, buf, length, offset) : f.readThrough(fd, buf, offset, length);
                byte[] out = new byte[(int) n];
                buf.get(0, out, 0, out.length);
                got.add(out);
            }
            return got;
        } finally {
            files.release(f);
            Native.LIBC.close(fd);
        }
    }

    @Nested
    @DisplayName("eviction")
    class Eviction {
        @Test
        @DisplayName("drops the data blocks of a synced file, keeping its size and all three times as the mount shows them")
        void evictKeepsSizeAndTimes() throws Exception {
            write("f", 10 * CHUNK);
            Pointer before = stat("f");
            Timespec mtime = Stat.mtime(before);
            Timespec ctime = Stat.ctime(before);
            Timespec atime = Stat.atime(before);
            upload("f");
            assertThat(evict("f")).isGreaterThanOrEqualTo(10L * CHUNK - 8192);
            Pointer after = stat("f");
            assertThat(Stat.size(after)).isEqualTo(10 * CHUNK);
            assertThat(Stat.allocated(after)).isLessThan(8192);
            assertThat(Stat.mtime(after)).isEqualTo(mtime);
            assertThat(Stat.ctime(after)).isEqualTo(ctime);
            assertThat(Stat.atime(after)).isEqualTo(atime);
            assertThat(attr("f").state()).isEqualTo(TierState.EVICTED);
            assertThat(tiers).anyMatch(t -> t.endsWith(":EVICTED"));
        }

        @Test
        void neverUploaded_refused() throws Exception {
            write("f", 100);
            assertThatThrownBy(() -> evict("f")).isInstanceOf(Refused.class).hasMessageContaining("never uploaded");
        }

        @Test
        @DisplayName("a file some process has open is not evicted")
        void open_refused() throws Exception {
            write("f", 100);
            upload("f");
            int fd = fd("f");
            TieredFile f = files.acquire(fd);
            try {
                f.onOpened(fd, 0);
                assertThatThrownBy(() -> evict("f")).isInstanceOf(Refused.class).hasMessageContaining("open");
                f.onClosed();
            } finally {
                files.release(f);
                Native.LIBC.close(fd);
            }
            evict("f");
        }

        @Test
        void pinned_refused() throws Exception {
            write("f", 100);
            upload("f");
            files.attrs().write(files.root(), Native.cstr("f"), attr("f").withPinned(true));
            assertThatThrownBy(() -> evict("f")).isInstanceOf(Refused.class).hasMessageContaining("pinned");
        }

        @Test
        @DisplayName("a synced file changed behind the agent's back (size or mtime) is not evicted")
        void changedBehindTheBack_refused() throws Exception {
            write("f", 100);
            upload("f");
            Files.writeString(tree.resolve("f"), "other content, other size");
            assertThatThrownBy(() -> evict("f")).isInstanceOf(Refused.class).hasMessageContaining("changed");
            assertThat(Files.readString(tree.resolve("f"))).isEqualTo("other content, other size");
        }
    }

    @Nested
    @DisplayName("restore")
    class Restoring {
        @Test
        @DisplayName("a read fetches only the chunk under it, verified, and a restart keeps it")
        void rangedRead() throws Exception {
            byte[] content = write("f", 10 * CHUNK + 123);
            upload("f");
            evict("f");
            byte[] got = read("f", 7L * CHUNK + 100, 4096);
            assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(content, 7 * CHUNK + 100, 7 * CHUNK + 100 + 4096));
            assertThat(store.reads).containsExactly(new DirContent.Read(attr("f").fileId(), 7L * CHUNK, CHUNK));
            assertThat(attr("f").state()).isEqualTo(TierState.RESTORING);
            // the file was released: what was verified is on disk and in the chunk map
            files.close();
            files = TestTiering.files(cache, store, (id, tier) -> { });
            assertThat(read("f", 7L * CHUNK, 10)).isEqualTo(java.util.Arrays.copyOfRange(content, 7 * CHUNK, 7 * CHUNK + 10));
            assertThat(store.reads).hasSize(1);
        }

        @Test
        @DisplayName("a whole restore brings every byte back, makes the file SYNCED and puts mtime and ctime back")
        void wholeRestore() throws Exception {
            byte[] content = write("f", 5 * CHUNK + 7);
            Pointer before = stat("f");
            Timespec mtime = Stat.mtime(before);
            Timespec ctime = Stat.ctime(before);
            upload("f");
            evict("f");
            read("f", CHUNK, 1);
            restoreAll("f");
            assertThat(Files.readAllBytes(tree.resolve("f"))).isEqualTo(content);
            assertThat(attr("f").state()).isEqualTo(TierState.SYNCED);
            assertThat(Stat.mtime(stat("f"))).isEqualTo(mtime);
            assertThat(Stat.ctime(stat("f"))).isEqualTo(ctime);
            assertThat(store.bytesRead()).as("chunk 1 was not fetched twice").isEqualTo(content.length);
            // and it can be evicted again at once
            evict("f");
        }

        @Test
        @DisplayName("a chunk that fails its SHA-256 is never served: EIO, and the file stays evicted")
        void corruptChunk_eio() throws Exception {
            write("f", 4 * CHUNK);
            long nonce = upload("f");
            evict("f");
            store.corrupt(attr("f").fileId(), attr("f").stored().version(), nonce, 2L * CHUNK + 5);
            assertThatThrownBy(() -> read("f", 2L * CHUNK, 10)).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EIO)).hasMessageContaining("SHA-256");
            assertThat(files.counters().corrupt()).isEqualTo(1);
            assertThat(files.lastFailure(attr("f").fileId())).contains("SHA-256");
            assertThat(attr("f").state()).isIn(TierState.EVICTED, TierState.RESTORING);
            assertThat(Stat.allocated(stat("f"))).isLessThan(CHUNK);
        }

        @Test
        void missingObject_eio() throws Exception {
            write("f", 2 * CHUNK);
            long nonce = upload("f");
            evict("f");
            store.delete(attr("f").fileId(), attr("f").stored().version(), nonce);
            assertThatThrownBy(() -> read("f", 0, 10)).isInstanceOf(IOException.class);
            assertThat(attr("f").state()).isEqualTo(TierState.EVICTED);
        }

        @Test
        @DisplayName("all-zero chunks (a sparse file's holes) are not fetched")
        void holesNotFetched() throws Exception {
            try (var ch = java.nio.channels.FileChannel.open(tree.resolve("sparse"), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap("head".getBytes()), 0);
                ch.write(java.nio.ByteBuffer.wrap("tail".getBytes()), 20L * CHUNK);
            }
            files.attrs().write(files.root(), Native.cstr("sparse"), TierAttr.fresh(files.attrs().newId()));
            byte[] content = Files.readAllBytes(tree.resolve("sparse"));
            upload("sparse");
            evict("sparse");
            restoreAll("sparse");
            assertThat(Files.readAllBytes(tree.resolve("sparse"))).isEqualTo(content);
            assertThat(store.bytesRead()).as("only the first and last chunk").isEqualTo(CHUNK + 4);
        }

        @Test
        @DisplayName("a restore never passes the disk target: it reports the room it needs, waits, and fails when none is made")
        void restoreStaysUnderTheTarget() throws Exception {
            write("f", 8 * CHUNK);
            upload("f");
            evict("f");
            List<Long> reported = new CopyOnWriteArrayList<>();
            files.budget().onNeedsRoom(reported::add);
            files.budget().setLimits(files.space().allocatedBytes() + CHUNK, null, null);
            assertThatThrownBy(() -> restoreAll("f")).isInstanceOf(IOException.class).hasMessageContaining("disk target");
            assertThat(reported).as("the room asked for, then none once it gave up").isNotEmpty().endsWith(0L);
            assertThat(reported.get(0)).isGreaterThanOrEqualTo(7L * CHUNK);
            assertThat(store.bytesRead()).as("nothing fetched past the target").isZero();
            files.budget().setLimits(null, null, null);
            restoreAll("f");
            assertThat(attr("f").state()).isEqualTo(TierState.SYNCED);
        }

        @Test
        @DisplayName("a file bigger than half the target is read through from the store, verified, keeping nothing on disk")
        void tooBigToKeep_readThrough() throws Exception {
            byte[] content = write("big", 8 * CHUNK + 5);
            upload("big");
            evict("big");
            long allocated = files.space().allocatedBytes();
            files.budget().setLimits(allocated + 6L * CHUNK, null, null);
            try {
                List<byte[]> got = readOpen("big", new long[] {3L * CHUNK + 7, 100}, new long[] {3L * CHUNK + 107, 100});
                assertThat(got.get(0)).isEqualTo(java.util.Arrays.copyOfRange(content, 3 * CHUNK + 7, 3 * CHUNK + 107));
                assertThat(got.get(1)).isEqualTo(java.util.Arrays.copyOfRange(content, 3 * CHUNK + 107, 3 * CHUNK + 207));
                assertThat(store.reads).as("a sequential reader fetches each chunk once").hasSize(1);
                assertThat(read("big", 8L * CHUNK - 3, 100)).as("across a chunk boundary to the end")
                        .isEqualTo(java.util.Arrays.copyOfRange(content, 8 * CHUNK - 3, 8 * CHUNK + 5));
                assertThat(files.space().allocatedBytes()).as("nothing kept on disk").isEqualTo(allocated);
                assertThat(attr("big").state()).isEqualTo(TierState.EVICTED);
            } finally {
                files.budget().setLimits(null, null, null);
            }
        }

        @Test
        @DisplayName("opening an evicted file with O_TRUNC empties it without fetching anything")
        void truncatingOpen_noRestore() throws Exception {
            write("f", 3 * CHUNK);
            upload("f");
            evict("f");
            int fd = fd("f");
            TieredFile f = files.acquire(fd);
            try {
                f.onOpened(fd, Native.O_RDWR | Native.O_TRUNC);
                f.onClosed();
            } finally {
                files.release(f);
                Native.LIBC.close(fd);
            }
            assertThat(Files.size(tree.resolve("f"))).isZero();
            assertThat(attr("f").state()).isEqualTo(TierState.LOCAL);
            assertThat(store.reads).isEmpty();
        }
    }

    @Nested
    @DisplayName("upload")
    class Upload {
        @Test
        @DisplayName("a file written during its upload is not recorded as synced")
        void writtenDuringUpload_notConfirmed() throws Exception {
            write("f", 1000);
            onFile("f", (fd, f) -> {
                TieredFile.UploadTicket t = f.onUploadStarted(fd);
                long nonce = store.put(f.fileId(), t.contentVersion(), readAll(fd, t.size()));
                f.onWritten(fd);
                f.onSettled(fd);
                assertThat(f.onUploadConfirmed(fd, t, nonce)).isFalse();
            });
            assertThat(attr("f").state()).isEqualTo(TierState.LOCAL);
            assertThat(attr("f").stored()).isNull();
        }

        @Test
        @DisplayName("a second upload of a file waits for the one running: stored once it is confirmed, its own once it is abandoned")
        void secondUploadJoinsTheRunningOne() throws Exception {
            write("f", 1000);
            var worker = new java.util.concurrent.atomic.AtomicReference<Thread>();
            var pool = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "second-upload");
                worker.set(t);
                return t;
            });
            try {
                onFile("f", (fd, f) -> {
                    TieredFile.UploadTicket first = f.onUploadStarted(fd);
                    assertThatThrownBy(() -> f.onUploadStarted(fd)).isInstanceOf(Refused.class).hasMessageContaining("already running");
                    var joined = pool.submit(() -> f.onUploadStarted(fd, java.time.Duration.ofSeconds(30)));
                    awaitWaiting(worker.get());
                    assertThat(joined.isDone()).as("waits while the first runs").isFalse();
                    long nonce = store.put(f.fileId(), first.contentVersion(), readAll(fd, first.size()));
                    assertThat(f.onUploadConfirmed(fd, first, nonce)).isTrue();
                    assertThat(joined.get(10, java.util.concurrent.TimeUnit.SECONDS).alreadyStored()).as("the first one stored it").isTrue();

                    f.onWritten(fd);
                    f.onSettled(fd);
                    TieredFile.UploadTicket third = f.onUploadStarted(fd);
                    var fourth = pool.submit(() -> f.onUploadStarted(fd, java.time.Duration.ofSeconds(30)));
                    awaitWaiting(worker.get());
                    f.onUploadAbandoned(fd, third);
                    TieredFile.UploadTicket own = fourth.get(10, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(own.alreadyStored()).as("the first one was abandoned: this one uploads").isFalse();
                    assertThat(attr("f").state()).isEqualTo(TierState.UPLOADING);
                });
            } finally {
                pool.shutdownNow();
            }
        }

        @Test
        void writerOpen_refused() throws Exception {
            write("f", 1000);
            onFile("f", (fd, f) -> {
                f.onWritten(fd);
                assertThatThrownBy(() -> f.onUploadStarted(fd)).isInstanceOf(Refused.class).hasMessageContaining("being written");
            });
        }
    }

    @Nested
    @DisplayName("start-up")
    class Recovery {
        TierAttr recover(String name) throws IOException {
            int fd = fd(name);
            try {
                return files.recover(fd);
            } finally {
                Native.LIBC.close(fd);
            }
        }

        @Test
        @DisplayName("an interrupted eviction is completed (the stored copy is known good)")
        void evicting_completed() throws Exception {
            write("f", 3 * CHUNK);
            upload("f");
            files.attrs().write(files.root(), Native.cstr("f"), attr("f").withState(TierState.EVICTING));
            assertThat(recover("f").state()).isEqualTo(TierState.EVICTED);
            assertThat(Stat.allocated(stat("f"))).isLessThan(8192);
        }

        @Test
        void uploading_backToLocal() throws Exception {
            write("f", 100);
            files.attrs().write(files.root(), Native.cstr("f"), attr("f") == null ? TierAttr.fresh(77).withState(TierState.UPLOADING)
                    : attr("f").withState(TierState.UPLOADING));
            assertThat(recover("f").state()).isEqualTo(TierState.LOCAL);
        }

        @Test
        @DisplayName("a restore without its chunk map trusts nothing restored: the file is evicted again")
        void restoringWithoutMap_evictedAgain() throws Exception {
            write("f", 3 * CHUNK);
            upload("f");
            evict("f");
            Files.write(tree.resolve("f"), new byte[3 * CHUNK], java.nio.file.StandardOpenOption.WRITE);
            files.attrs().write(files.root(), Native.cstr("f"), attr("f").withState(TierState.RESTORING));
            assertThat(recover("f").state()).isEqualTo(TierState.EVICTED);
            assertThat(Stat.allocated(stat("f"))).isLessThan(8192);
        }

        @Test
        @DisplayName("a synced file changed behind the agent's back is LOCAL again, with a new content version")
        void syncedChanged_local() throws Exception {
            write("f", 100);
            upload("f");
            long version = attr("f").contentVersion();
            Files.writeString(tree.resolve("f"), "changed");
            TierAttr after = recover("f");
            assertThat(after.state()).isEqualTo(TierState.LOCAL);
            assertThat(after.contentVersion()).isEqualTo(version + 1);
        }
    }
}
