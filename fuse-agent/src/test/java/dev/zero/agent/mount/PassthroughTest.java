package dev.zero.agent.mount;

import static dev.zero.agent.mount.Sh.ok;
import static dev.zero.agent.mount.Sh.py;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zero.agent.cache.DirContent;
import dev.zero.agent.cache.TieredFile;
import dev.zero.agent.config.AgentConfig.Mount.Transport;
import dev.zero.agent.posix.Native;
import dev.zero.fuse.kernel.KernelMount;

/**
 * Passthrough proven, not assumed: on the kernel transport the reads and writes of a file whose
 * content is on the host never reach the agent, while an evicted file's are served (and
 * restored) by it; its attributes and holes tell the truth at once.
 */
class PassthroughTest {
    /** FUSE opcodes of the requests counted. */
    private static final int READ = 15;
    private static final int WRITE = 16;

    /** The object store the files are uploaded to and restored from. */
    @TempDir
    Path storeDir;

    @Test
    @DisplayName("a cached file is read and written by the kernel itself; an evicted one is served by the agent, then passes through again")
    void cachedPassesThroughEvictedIsServed() throws Exception {
        DirContent store = new DirContent(storeDir, 64 * 1024);
        try (TestMount m = new TestMount(store, Transport.KERNEL)) {
            KernelMount connection = m.kernel.connection();
            assertThat(connection.passthrough()).as("this kernel offers passthrough").isTrue();
            ok(m.base, "head -c 16777216 /dev/urandom > ref");
            long writes = connection.requests(WRITE);
            long reads = connection.requests(READ);
            ok(m.mnt, "dd if=" + m.base + "/ref of=f bs=1M status=none conv=fsync");
            ok(m.mnt, "echo 3 > /proc/sys/vm/drop_caches; cmp f " + m.base + "/ref; dd if=f of=/dev/null bs=4k status=none");
            assertEquals(writes, connection.requests(WRITE), "16 MiB written through passthrough: no WRITE reached the agent");
            assertEquals(reads, connection.requests(READ), "read back through passthrough: no READ reached the agent");
            assertEquals("LOCAL 1", Sh.attr(m.tree, "f", "state") + " " + Sh.attr(m.tree, "f", "version"), "the write was recorded once");

            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            uploadAndEvict(m, store, "f");
            assertThat(Long.parseLong(ok(m.mnt, "stat -c %b f"))).as("blocks right after eviction (cached attributes dropped)").isLessThan(100);
            assertEquals("16777216 16777216", py(m.mnt, "import os\nfd = os.open('f', os.O_RDONLY)\n"
                    + "print(os.lseek(fd, 0, os.SEEK_DATA) + 16777216, os.lseek(fd, 0, os.SEEK_HOLE))"),
                    "an evicted file has no holes to those who seek them (else cp would copy zeros)");

            reads = connection.requests(READ);
            assertEquals("same", py(m.mnt, "import mmap\nwith open('f', 'rb') as f, open('" + m.base + "/ref', 'rb') as r:\n"
                    + "    print('same' if mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)[:] == r.read() else 'different')"),
                    "an evicted file mapped into memory reads back right");
            assertThat(connection.requests(READ)).as("the evicted file's reads reached the agent").isGreaterThan(reads);
            assertThat(store.reads).as("and were restored from the store").isNotEmpty();

            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            reads = connection.requests(READ);
            ok(m.mnt, "echo 3 > /proc/sys/vm/drop_caches; cmp f " + m.base + "/ref");
            assertEquals(reads, connection.requests(READ), "once restored, the next open passes through");
        }
    }

    @Test
    @DisplayName("a file opened for writing but not written keeps its stored copy; one written through passthrough is LOCAL again")
    void writersFoundByTheirChanges() throws Exception {
        DirContent store = new DirContent(storeDir, 64 * 1024);
        try (TestMount m = new TestMount(store, Transport.KERNEL)) {
            ok(m.mnt, "head -c 100000 /dev/urandom > f");
            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            upload(m, store, "f");
            py(m.mnt, "import os\nfd = os.open('f', os.O_RDWR)\nos.pread(fd, 10, 0)\nos.close(fd)");
            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            assertEquals("SYNCED", Sh.attr(m.tree, "f", "state"), "read through a read-write descriptor: nothing to upload again");
            py(m.mnt, "import os\nfd = os.open('f', os.O_RDWR)\nos.pwrite(fd, b'changed', 10)\nos.close(fd)");
            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            assertEquals("LOCAL 2", Sh.attr(m.tree, "f", "state") + " " + Sh.attr(m.tree, "f", "version"), "a passthrough write makes the file LOCAL");
            py(m.mnt, "import os\nfd = os.open('f', os.O_RDWR)\nos.pwrite(fd, b'again', 0)\nos.utime('f', (1000000000, 1000000000))\nos.close(fd)");
            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            assertEquals("3", Sh.attr(m.tree, "f", "version"), "a write, then setting the times back while open: one written handle, one version");
            assertEquals("1000000000", ok(m.mnt, "stat -c %Y f"));
        }
    }

    @Test
    @DisplayName("restores that wait hold no request loop: while more evicted files wait for a slow store than the mount has loops, the rest of the mount answers; each then reads back right")
    void waitingRestoresHoldNoLoop() throws Exception {
        DirContent store = new DirContent(storeDir, 64 * 1024);
        try (TestMount m = new TestMount(store, Transport.KERNEL)) {
            // more than the loops on /dev/fuse, and more than an io_uring queue starts with: all
            // made on one CPU, whose queue alone gets them
            int waiting = Math.max(TestMount.KERNEL_THREADS, 8) + 2;
            for (int i = 0; i < waiting; i++) {
                ok(m.base, "head -c 300000 /dev/urandom > ref" + i + " && cp ref" + i + " mnt/e" + i);
            }
            ok(m.mnt, "echo here > local");
            await().atMost(Duration.ofSeconds(10)).until(() -> m.openHandles() == 0);
            for (int i = 0; i < waiting; i++) {
                uploadAndEvict(m, store, "e" + i);
            }
            store.gate = new java.util.concurrent.CountDownLatch(1);
            List<Process> readers = new ArrayList<>();
            for (int i = 0; i < waiting; i++) {
                readers.add(new ProcessBuilder("taskset", "-c", "0", "bash", "-c", "cmp " + m.mnt + "/e" + i + " " + m.base + "/ref" + i).redirectErrorStream(true).start());
                // one at a time: a burst that finds no io_uring entry free waits in the kernel for
                // the next answer on that queue (the kernel hands queued requests only to entries
                // answered, not to entries added), which here would be the end of a restore
                int started = i + 1;
                await().atMost(Duration.ofSeconds(30)).until(() -> store.reads.size() >= started);
            }
            assertEquals("here", ok(m.mnt, "taskset -c 0 cat local; taskset -c 0 stat -c %s e0 >/dev/null"), "the mount answers while every loop's worth of restores waits");
            for (Process p : readers) {
                assertThat(p.isAlive()).as("a reader still waits, but one ended: %s", p.isAlive() ? "" : new String(p.getInputStream().readAllBytes())).isTrue();
            }
            store.gate.countDown();
            for (Process p : readers) {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
            }
            assertThat(m.kernel.connection().deferredRequests()).as("READs answered off the loops").isGreaterThanOrEqualTo(waiting);
        }
    }

    private static long upload(TestMount m, DirContent store, String name) throws Exception {
        int fd = m.tiered.root().open(Native.cstr(name), Native.O_RDWR | Native.O_NOATIME, 0, "open");
        TieredFile f = m.tiered.acquire(fd);
        try {
            TieredFile.UploadTicket t = f.onUploadStarted(fd);
            long nonce = store.put(f.fileId(), t.contentVersion(), Files.readAllBytes(m.tree.resolve(name)));
            assertThat(f.onUploadConfirmed(fd, t, nonce)).as("upload confirmed").isTrue();
            return nonce;
        } finally {
            m.tiered.release(f);
            Native.LIBC.close(fd);
        }
    }

    private static void uploadAndEvict(TestMount m, DirContent store, String name) throws Exception {
        upload(m, store, name);
        int fd = m.tiered.root().open(Native.cstr(name), Native.O_RDWR | Native.O_NOATIME, 0, "open");
        TieredFile f = m.tiered.acquire(fd);
        try {
            assertThat(f.evict(fd)).as("bytes freed").isGreaterThan(0);
        } finally {
            m.tiered.release(f);
            Native.LIBC.close(fd);
        }
    }
}
