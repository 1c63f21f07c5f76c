package dev.zero.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kernel transport on a real /dev/fuse mount, with the mirror filesystem over a temp directory. */
class InodeFsTest extends MountTestBase {
    private InodeFs.Mounted mount(boolean passthrough, Duration attrTimeout) throws IOException {
        return mount(passthrough, Duration.ofSeconds(1), attrTimeout);
    }

    private InodeFs.Mounted mount(boolean passthrough, Duration entryTimeout, Duration attrTimeout) throws IOException {
        return mount(passthrough, CacheTimeouts.of(entryTimeout, attrTimeout));
    }

    private InodeFs.Mounted mount(boolean passthrough, CacheTimeouts timeouts) throws IOException {
        mounted = InodeFs.mount(backing, mnt, passthrough, timeouts, 2);
        return mounted;
    }

    @Test
    @DisplayName("passthrough: a cached file is written and read by the kernel itself, no READ or WRITE reaches the daemon, the bytes are right")
    void passthroughBypassesTheDaemon() throws Exception {
        InodeFs.Mounted m = mount(true, Duration.ofSeconds(1));
        assumeTrue(m.mount().passthrough(), "this kernel does not offer FUSE passthrough (Linux 6.9+ with CONFIG_FUSE_PASSTHROUGH)");
        sh(base, "head -c 67108864 /dev/urandom > data");
        sh(mnt, "dd if=../data of=f bs=1M conv=fsync status=none && echo 3 > /proc/sys/vm/drop_caches && cmp f ../data && cmp ../backing/f ../data"
                + " && dd if=f of=/dev/null bs=4k status=none && python3 -c \"import mmap; f=open('f','r+b'); m=mmap.mmap(f.fileno(), 0); m[0:4]=b'MMAP'; m.flush()\"");
        assertThat(Files.readString(backing.resolve("f"), StandardCharsets.ISO_8859_1)).startsWith("MMAP");
        assertThat(m.mount().requests(Protocol.READ)).as("READ requests").isZero();
        assertThat(m.mount().requests(Protocol.WRITE)).as("WRITE requests").isZero();
        assertThat(m.mount().requests(Protocol.OPEN) + m.mount().requests(Protocol.CREATE)).isGreaterThanOrEqualTo(3);
        await(() -> m.fs().openFiles() == 0);
    }

    @Test
    @DisplayName("without passthrough the same reads and writes go through the daemon (the counters see them) and the bytes are right")
    void classicPathServesThroughTheDaemon() throws Exception {
        InodeFs.Mounted m = mount(false, Duration.ofSeconds(1));
        assertThat(m.mount().passthrough()).isFalse();
        sh(base, "head -c 8388608 /dev/urandom > data");
        sh(mnt, "dd if=../data of=f bs=1M conv=fsync status=none && echo 3 > /proc/sys/vm/drop_caches && cmp f ../data && cmp ../backing/f ../data");
        assertThat(m.mount().requests(Protocol.WRITE)).isPositive();
        assertThat(m.mount().requests(Protocol.READ)).isPositive();
    }

    @ParameterizedTest(name = "passthrough {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("the fsx-style exerciser (random writes, truncates, holes, mmap writes, reopens) reads back exactly like a local file")
    void fsx(boolean passthrough) throws Exception {
        mount(passthrough, Duration.ofSeconds(1));
        Path script = Path.of("../system-tests/src/test/resources/fsx.py").toAbsolutePath().normalize();
        String out = sh(mnt, "python3 " + script + " fsx.bin ../reference.bin 1500 20261202");
        assertThat(out).contains("identical");
        assertThat(Files.mismatch(backing.resolve("fsx.bin"), base.resolve("reference.bin"))).isEqualTo(-1L);
        if (passthrough) {
            assertThat(mounted.mount().requests(Protocol.WRITE) + mounted.mount().requests(Protocol.READ)).isZero();
        }
    }

    @Test
    @DisplayName("hard links with attributes cached for 10 s: after link, chmod, chown, truncate, unlink and rename on one name, every other name's stat is right at once")
    void hardLinksNeverStale() throws Exception {
        mount(true, Duration.ofSeconds(10));
        sh(mnt, "echo hello > a && mkdir d && ln a d/b && ln a c");
        assertThat(sh(mnt, "stat -c '%h %i' a d/b c")).isEqualTo(sh(mnt, "stat -c '%h %i' a a a")).startsWith("3 ");
        sh(mnt, "chmod 640 a");
        assertThat(sh(mnt, "stat -c %a d/b c")).isEqualTo("640\n640\n");
        sh(mnt, "chown 1234:5678 d/b");
        assertThat(sh(mnt, "stat -c %u:%g a c")).isEqualTo("1234:5678\n1234:5678\n");
        sh(mnt, "truncate -s 100000 c");
        assertThat(sh(mnt, "stat -c %s a d/b")).isEqualTo("100000\n100000\n");
        sh(mnt, "rm a");
        assertThat(sh(mnt, "stat -c %h d/b c")).isEqualTo("2\n2\n");
        sh(mnt, "mv c d/e");
        assertThat(sh(mnt, "stat -c %h d/b d/e; ls d")).isEqualTo("2\n2\nb\ne\n");
        assertThat(sh(mnt, "stat -c '%a %u %g %s %h' d/b")).isEqualTo(sh(backing, "stat -c '%a %u %g %s %h' d/b"));
    }

    @Test
    @DisplayName("namespace operations land in the backing tree: mkdir, rename (and RENAME_EXCHANGE), symlink, readlink, rmdir, listing, statfs, times, the caller's ownership")
    void namespace() throws Exception {
        mount(true, Duration.ofSeconds(1));
        sh(mnt, "mkdir -p x/y && echo 1 > x/y/one && echo 2 > two && mv two x/ && ln -s y/one x/link && TZ=UTC touch -d '2001-02-03 04:05:06' x/y/one");
        assertThat(sh(backing, "find . | sort")).isEqualTo(".\n./x\n./x/link\n./x/two\n./x/y\n./x/y/one\n");
        assertThat(sh(mnt, "readlink x/link && cat x/link")).isEqualTo("y/one\n1\n");
        assertThat(sh(mnt, "ls -a x | tr '\\n' ' '")).isEqualTo(". .. link two y ");
        assertThat(sh(mnt, "stat -c %Y x/y/one")).isEqualTo(sh(backing, "stat -c %Y x/y/one")).isEqualTo("981173106\n");
        sh(mnt, "python3 -c \"import ctypes,os; l=ctypes.CDLL(None,use_errno=True); assert l.renameat2(-100,b'x/two',-100,b'x/y/one',2)==0, os.strerror(ctypes.get_errno())\"");
        assertThat(sh(backing, "cat x/two x/y/one")).isEqualTo("1\n2\n");
        sh(mnt, "chmod 777 x && setpriv --reuid 4321 --regid 4321 --clear-groups bash -c 'echo mine > x/owned && mkdir x/dir'");
        assertThat(sh(backing, "stat -c %u:%g x/owned x/dir")).isEqualTo("4321:4321\n4321:4321\n");
        sh(mnt, "rm -r x/y && rmdir x/dir");
        assertThat(sh(backing, "ls x | tr '\\n' ' '")).isEqualTo("link owned two ");
        String[] df = sh(mnt, "stat -f -c '%b %S' .").trim().split(" ");
        assertThat(df).isEqualTo(sh(backing, "stat -f -c '%b %S' .").trim().split(" "));
        // rewinddir sees what is there now; a listing in progress keeps its snapshot
        assertThat(sh(mnt, "python3 -c \"import os; d=os.open('x', os.O_RDONLY); import ctypes; "
                + "l=ctypes.CDLL(None); l.fdopendir.restype=ctypes.c_void_p; l.readdir.restype=ctypes.c_void_p; dp=l.fdopendir(d); "
                + "n=lambda: sum(1 for _ in iter(lambda: l.readdir(ctypes.c_void_p(dp)), None)); a=n(); open('x/new','w').close(); "
                + "l.rewinddir(ctypes.c_void_p(dp)); print(a, n())\"")).isEqualTo("5 6\n");
        sh(mnt, "rm x/new");
        assertThat(sh(mnt, "mkdir x 2>&1 || true")).contains("File exists");
        assertThat(sh(mnt, "cat nothing 2>&1 || true")).contains("No such file");
        assertThat(sh(mnt, "rmdir x 2>&1 || true")).contains("not empty");
    }

    @Test
    @DisplayName("extended attributes and holes: user.* set, read, listed and removed through the mount; SEEK_DATA/SEEK_HOLE see the backing file's holes")
    void xattrsAndHoles() throws Exception {
        mount(true, Duration.ofSeconds(1));
        sh(mnt, "echo x > f && setfattr -n user.colour -v blue f && setfattr -n user.size -v 12345 f");
        assertThat(sh(backing, "getfattr --only-values -n user.colour f")).isEqualTo("blue");
        assertThat(sh(mnt, "getfattr --only-values -n user.colour f")).isEqualTo("blue");
        assertThat(sh(mnt, "getfattr -d --absolute-names f | grep user. | sort")).isEqualTo("user.colour=\"blue\"\nuser.size=\"12345\"\n");
        sh(mnt, "setfattr -x user.colour f");
        assertThat(sh(backing, "getfattr -d f 2>/dev/null | grep user. || true")).isEqualTo("user.size=\"12345\"\n");
        assertThat(sh(mnt, "getfattr -n user.nothing f 2>&1 || true")).contains("No such attribute");
        // a 64 MiB file with 4 KiB of data at 32 MiB: the hole before it is seen through the mount
        sh(mnt, "truncate -s 64M sparse && dd if=/dev/urandom of=sparse bs=4k count=1 seek=8192 conv=notrunc status=none");
        assertThat(sh(mnt, "python3 -c \"import os; fd=os.open('sparse', os.O_RDONLY); print(os.lseek(fd, 0, os.SEEK_DATA), os.lseek(fd, 32*2**20, os.SEEK_HOLE))\""))
                .isEqualTo("33554432 33558528\n");
    }

    @Test
    @DisplayName("an unprivileged write drops set-uid (and set-gid with group execute) as on a local file system, passthrough or not; root's keeps them")
    void writesDropSetUid() throws Exception {
        mount(true, Duration.ofSeconds(1));
        sh(base, "chmod 755 " + base + " " + backing + " && mkdir -p ref && chmod 777 ref");
        for (String dir : List.of(mnt.toString(), base.resolve("ref").toString())) {
            sh(Path.of(dir), "for f in a b c; do echo x > $f && chown 1000:1000 $f; done && chmod 6777 a && chmod 2767 b && chmod 6777 c");
            sh(Path.of(dir), "setpriv --reuid 1000 --regid 1000 --clear-groups bash -c 'echo more >> a && echo more >> b' && echo root >> c");
        }
        String reference = sh(base.resolve("ref"), "stat -c %a a b c");
        assertThat(reference).isEqualTo("777\n2767\n6777\n");
        assertThat(sh(mnt, "stat -c %a a b c")).isEqualTo(reference);
        assertThat(sh(backing, "stat -c %a a b c")).isEqualTo(reference);
    }

    @Test
    @DisplayName("READDIRPLUS: ls -l of 500 files needs no LOOKUP per name, shows what the backing tree has, and every node it made is forgotten later")
    void readdirPlus() throws Exception {
        InodeFs.Mounted m = mount(true, Duration.ofSeconds(1));
        sh(backing, "mkdir d && cd d && for i in $(seq 1 500); do echo $i > f$i; done && ln f1 link1");
        sh(Path.of("/"), "echo 2 > /proc/sys/vm/drop_caches");
        long lookups = m.mount().requests(Protocol.LOOKUP);
        String listed = sh(mnt, "ls -ln --time-style=+%s d | tail -n +2 | awk '{print $1, $2, $3, $5, $6, $7}' | sort");
        assertThat(m.mount().requests(Protocol.READDIRPLUS)).isPositive();
        assertThat(m.mount().requests(Protocol.LOOKUP) - lookups).as("LOOKUPs for 501 names").isLessThan(10);
        assertThat(listed).isEqualTo(sh(backing, "ls -ln --time-style=+%s d | tail -n +2 | awk '{print $1, $2, $3, $5, $6, $7}' | sort"));
        assertThat(listed.lines()).hasSize(501);
        sh(mnt, "rm -r d");
        await(() -> {
            sh(Path.of("/"), "echo 2 > /proc/sys/vm/drop_caches");
            return m.fs().nodes() == 1;
        });
    }

    @ParameterizedTest(name = "passthrough {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("O_DIRECT and O_APPEND opens: reads and writes land where they should (the daemon's own descriptors carry neither)")
    void directAndAppend(boolean passthrough) throws Exception {
        mount(passthrough, Duration.ofSeconds(1));
        sh(base, "head -c 1048576 /dev/urandom > data");
        sh(mnt, "dd if=../data of=d bs=64k oflag=direct status=none && dd if=d of=../back bs=64k iflag=direct status=none && cmp ../data ../back");
        sh(mnt, "printf 'abc' > a && python3 -c \"import os,mmap; fd=os.open('a', os.O_RDWR|os.O_APPEND); os.write(fd, b'def'); "
                + "m=mmap.mmap(fd, 6); m[0:1]=b'X'; m.flush(); m.close(); os.close(fd)\"");
        assertThat(Files.readString(backing.resolve("a"))).isEqualTo("Xbcdef");
    }

    @Test
    @DisplayName("closing the mount while a file is still open ends the request loops (the connection is aborted) and the open file fails instead of hanging")
    void closeWithOpenFile() throws Exception {
        InodeFs.Mounted m = mount(true, Duration.ofSeconds(1));
        sh(mnt, "echo x > f");
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + mnt.resolve("f") + "; sleep 60").start();
        await(() -> m.fs().openFiles() == 1);
        m.close();
        mounted = null;
        assertThat(m.mount().serving()).as("request loops still running").isFalse();
        assertThat(sh(Path.of("/"), "grep -c ' " + mnt + " ' /proc/self/mountinfo || true").trim()).isEqualTo("0");
        holder.destroyForcibly().waitFor();
    }

    @Test
    @DisplayName("notifications: a change behind the kernel's 30 s caches shows at once after inval_inode (attributes) and inval_entry (names)")
    void invalidations() throws Exception {
        InodeFs.Mounted m = mount(true, Duration.ofSeconds(30), Duration.ofSeconds(30));
        sh(mnt, "echo x > f && chmod 644 f && echo y > g && stat f g >/dev/null");
        sh(backing, "chmod 600 f && mv g h");
        assertThat(sh(mnt, "stat -c %a f; cat g")).as("cached by the kernel").isEqualTo("644\ny\n");
        assertThat(m.mount().invalidateInode(m.fs().nodeOf(Path.of("f")), -1, 0)).isTrue();
        assertThat(sh(mnt, "stat -c %a f")).isEqualTo("600\n");
        assertThat(m.mount().invalidateEntry(Protocol.ROOT_ID, "g".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(sh(mnt, "cat g 2>&1 || true")).contains("No such file");
        assertThat(sh(mnt, "cat h")).isEqualTo("y\n");
        assertThat(m.mount().invalidateEntry(Protocol.ROOT_ID, "never-looked-up".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    @DisplayName("hour-long caches: a stat seconds later is answered by the kernel, a missing name is asked for once, and names made, renamed or removed through the mount show at once")
    void longCaches() throws Exception {
        InodeFs.Mounted m = mount(true, new CacheTimeouts(HOUR, HOUR, HOUR, Duration.ofSeconds(1)));
        sh(mnt, "mkdir d && echo x > d/f && stat d/f >/dev/null && stat d/missing 2>/dev/null || true");
        long asked = m.mount().requests(Protocol.LOOKUP) + m.mount().requests(Protocol.GETATTR);
        Thread.sleep(1500);
        assertThat(sh(mnt, "stat -c %s d/f; stat d/missing 2>&1 || true")).startsWith("2\n").contains("No such file");
        assertThat(m.mount().requests(Protocol.LOOKUP) + m.mount().requests(Protocol.GETATTR) - asked).as("LOOKUP + GETATTR after 1.5 s").isZero();
        sh(mnt, "echo new > d/missing && mv d/f d/g && chmod 600 d/g && ln d/g d/h");
        assertThat(sh(mnt, "cat d/missing; stat -c '%a %h' d/g d/h; ls d; cat d/f 2>&1 || true")).startsWith("new\n600 2\n600 2\ng\nh\nmissing\n")
                .contains("No such file");
        sh(mnt, "rm d/missing d/h && echo longer > d/g");
        assertThat(sh(mnt, "stat -c '%s %h' d/g; ls d")).isEqualTo("7 1\ng\n");
    }

    @Test
    @DisplayName("hour-long attribute caching: a file opened read-write and changed through a shared mapping shows its new mtime within the short read-write timeout; a file only read stays cached")
    void sharedMappingsAreNotCachedLong() throws Exception {
        InodeFs.Mounted m = mount(true, new CacheTimeouts(HOUR, HOUR, HOUR, Duration.ofSeconds(1)));
        sh(mnt, "head -c 65536 /dev/urandom > mapped && echo x > read && TZ=UTC touch -d '2001-01-01' mapped read && stat mapped read >/dev/null");
        String before = sh(mnt, "stat -c %Y mapped");
        assertThat(before).isEqualTo("978307200\n");
        // stores through the mapping go to the backing file straight (passthrough): no request tells the daemon
        sh(mnt, "cat read >/dev/null && python3 -c \"import mmap,os; fd=os.open('mapped', os.O_RDWR); m=mmap.mmap(fd, 0); os.close(fd); "
                + "m[0:4]=b'MMAP'; m.flush(); m.close()\"");
        assertThat(sh(backing, "stat -c %Y mapped")).isNotEqualTo(before);
        long getattrs = m.mount().requests(Protocol.GETATTR);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> sh(mnt, "stat -c %Y mapped").equals(sh(backing, "stat -c %Y mapped")));
        assertThat(m.mount().requests(Protocol.GETATTR)).isGreaterThan(getattrs);
        long asked = m.mount().requests(Protocol.GETATTR) + m.mount().requests(Protocol.LOOKUP);
        assertThat(sh(mnt, "stat -c %Y read")).isEqualTo("978307200\n");
        assertThat(m.mount().requests(Protocol.GETATTR) + m.mount().requests(Protocol.LOOKUP)).as("a stat of the file only read").isEqualTo(asked);
    }

    @Test
    @DisplayName("LOOKUP/FORGET under load: a create/stat/rename/unlink storm while the kernel drops its caches leaves no node leaked and no error")
    void forgetStorm() throws Exception {
        InodeFs.Mounted m = mount(true, Duration.ofSeconds(1));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<String>> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int id = w;
            workers.add(pool.submit(() -> sh(mnt, "mkdir w" + id + " && for i in $(seq 1 300); do echo $i > w" + id + "/f$i && stat w" + id + "/f$i >/dev/null"
                    + " && mv w" + id + "/f$i w" + id + "/g$i && ln w" + id + "/g$i w" + id + "/h$i && cat w" + id + "/h$i >/dev/null"
                    + " && rm w" + id + "/g$i; done; ls w" + id + " | wc -l")));
        }
        workers.add(pool.submit(() -> sh(mnt, "for i in $(seq 1 40); do echo 2 > /proc/sys/vm/drop_caches; sleep 0.05; done")));
        for (Future<String> w : workers.subList(0, 3)) {
            assertThat(w.get(5, TimeUnit.MINUTES).trim()).isEqualTo("300");
        }
        workers.get(3).get(5, TimeUnit.MINUTES);
        pool.shutdown();
        sh(mnt, "rm -r w0 w1 w2");
        assertThat(m.mount().requests(Protocol.FORGET) + m.mount().requests(Protocol.BATCH_FORGET)).isPositive();
        // once the kernel has forgotten everything, only the root is left
        await(() -> {
            sh(Path.of("/"), "echo 2 > /proc/sys/vm/drop_caches");
            return m.fs().nodes() == 1;
        });
        assertThat(m.fs().openFiles()).isZero();
    }

    @Test
    @DisplayName("node budget: a walk over five times more files than the budget, with hour-long caches, keeps the node table within it; every file reads right, an open one too")
    void nodeBudget() throws Exception {
        InodeFs.Mounted m = mount(true, CacheTimeouts.of(Duration.ofHours(1), Duration.ofHours(1))); // the kernel forgets nothing by itself
        m.fs().budget().limit(200);
        sh(backing, "for d in $(seq 1 10); do mkdir d$d; for f in $(seq 1 100); do echo $d/$f > d$d/f$f; done; done");
        Process holder = new ProcessBuilder("python3", "-c", "import sys; f = open('d1/f1'); print('open', flush=True); sys.stdin.readline(); print(f.read(), end='')")
                .directory(mnt.toFile()).start();
        try {
            assertThat(new String(holder.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("open\n");
            assertThat(sh(mnt, "cat d*/f* | wc -l; find . -type f | wc -l; stat -c %s d*/f* | sort -u").split("\n")).containsExactly("1000", "1000", "4", "5", "6", "7");
            await(() -> m.fs().nodes() <= 200);
            assertThat(m.fs().budget().asked()).as("names the kernel was asked to forget").isPositive();
            assertThat(sh(mnt, "cat d1/f2 d10/f100 && stat -c %s d5")).as("forgotten names are looked up again").isEqualTo("1/2\n10/100\n4096\n");
            holder.getOutputStream().write('\n');
            holder.getOutputStream().flush();
            assertThat(new String(holder.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as("the file held open throughout").isEqualTo("1/1\n");
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            holder.destroyForcibly();
        }
    }

    /** Waits for what the kernel does in its own time (FORGETs, RELEASEs) to have happened. */
    static void await(java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(condition);
    }
}
