package dev.zero.agent.mount;

import static dev.zero.agent.mount.Sh.ok;
import static dev.zero.agent.mount.Sh.py;
import static dev.zero.agent.mount.Sh.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import dev.zero.agent.config.AgentConfig.Mount.Transport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * POSIX behaviour of the mount, driven from outside the JVM (sh, coreutils, attr tools,
 * python3 os.* calls) and compared with what a local disk does. One mount for the class; each
 * test works in its own directory of it and, where it compares, in a reference directory on the
 * plain disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZeroFsTest {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private TestMount m;
    Path d;
    Path ref;

    @BeforeAll
    void mount() throws IOException {
        m = new TestMount(transport());
    }

    /** The transport this run of the suite mounts with ({@code ...OnKernelTest} runs it on the other). */
    Transport transport() {
        return Transport.JNR_FUSE;
    }

    @AfterAll
    void unmount() throws IOException {
        if (m != null) {
            m.close();
        }
    }

    @BeforeEach
    void dirs() throws IOException {
        int n = COUNTER.incrementAndGet();
        d = Files.createDirectory(m.mnt.resolve("t" + n));
        ref = Files.createDirectories(m.base.resolve("ref").resolve("t" + n));
        ok(d, "chmod 777 . " + ref);
    }

    @Nested
    @DisplayName("file content")
    class Content {
        @Test
        @DisplayName("random writes at any offset read back like on a local disk")
        void randomWrites() {
            String script = "set -e; head -c 3000000 /dev/urandom > src; "
                    + "for spec in '0 1 7' '4096 3 65536' '1000003 1 131072' '2999999 1 3' '5000000 1 100' '77 9 4097'; do "
                    + "set -- $spec; dd if=src of=$DIR/f bs=$3 count=$2 seek=$1 oflag=seek_bytes iflag=skip_bytes skip=$(( $1 % 100000 )) conv=notrunc status=none; done";
            ok(ref, script.replace("$DIR", "."));
            ok(d, "cp " + ref + "/src src; " + script.replace("$DIR", ".").replace("head -c 3000000 /dev/urandom > src; ", ""));
            ok(d, "cmp f " + ref + "/f");
            assertEquals(ok(ref, "stat -c %s f"), ok(d, "stat -c %s f"));
        }

        @Test
        @DisplayName("a sparse file written at 5 GiB reads back, with the hole as zeros and few blocks used")
        void sparseBeyond4GiB() {
            ok(d, "set -e; printf 'tail-data' | dd of=big bs=1 seek=5368709120 conv=notrunc status=none; printf head | dd of=big conv=notrunc status=none");
            assertEquals("5368709129", ok(d, "stat -c %s big"));
            assertEquals("tail-data", ok(d, "dd if=big bs=1 skip=5368709120 status=none"));
            assertEquals("head", ok(d, "head -c 4 big"));
            assertEquals("0", ok(d, "dd if=big bs=4096 skip=262144 count=1 status=none | tr -d '\\0' | wc -c"));
            assertTrue(Long.parseLong(ok(d, "stat -c %b big")) < 1000, "the hole must stay sparse");
        }

        @Test
        @DisplayName("O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY and O_NOFOLLOW behave as on a local disk")
        void openFlags() {
            String code = """
                    fd = os.open('f', os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640); os.write(fd, b'hello world'); os.close(fd)
                    print(err(os.open, 'f', os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640))
                    fd = os.open('f', os.O_WRONLY | os.O_APPEND); os.write(fd, b'!'); os.close(fd)
                    print(open('f','rb').read().decode())
                    fd = os.open('f', os.O_WRONLY | os.O_TRUNC); os.write(fd, b'x'); os.close(fd)
                    print(open('f','rb').read().decode())
                    print(err(os.open, 'f', os.O_RDONLY | os.O_DIRECTORY))
                    print(err(os.open, 'missing', os.O_RDONLY))
                    os.symlink('f', 'l')
                    print(err(os.open, 'l', os.O_RDONLY | os.O_NOFOLLOW))
                    fd = os.open('f', os.O_RDONLY | os.O_NOFOLLOW); print(os.read(fd, 5)); os.close(fd)
                    print(oct(os.stat('f').st_mode & 0o7777))
                    """;
            String expected = py(ref, code);
            assertEquals(expected, py(d, code));
            assertContains(expected, "EEXIST", "hello world!", "ENOTDIR", "ENOENT", "ELOOP", "0o640");
        }

        @Test
        @DisplayName("truncate, ftruncate and fsync change size like a local disk")
        void truncate() {
            String code = """
                    open('f','wb').write(b'0123456789' * 1000)
                    os.truncate('f', 15)
                    print(os.stat('f').st_size, open('f','rb').read())
                    fd = os.open('f', os.O_RDWR); os.ftruncate(fd, 3); os.fsync(fd); os.fdatasync(fd); os.ftruncate(fd, 100000); os.close(fd)
                    b = open('f','rb').read(); print(len(b), b[:4], b.count(0))
                    """;
            assertEquals(py(ref, code), py(d, code));
        }

        @Test
        @DisplayName("mmap writes and reads go through the page cache")
        void mmap() {
            String code = """
                    import mmap
                    open('f','wb').write(b'\\0' * 8192)
                    with open('f','r+b') as f:
                        mm = mmap.mmap(f.fileno(), 8192); mm[4000:4010] = b'mmapped!!!'; mm.flush(); mm.close()
                    print(open('f','rb').read()[4000:4010])
                    """;
            assertEquals("b'mmapped!!!'", py(d, code));
        }

        @Test
        @DisplayName("an unlinked file stays usable through its open descriptor (fstat, ftruncate included) and goes on close")
        void unlinkedOpenFile() {
            String code = """
                    fd = os.open('f', os.O_CREAT | os.O_RDWR, 0o600); os.write(fd, b'abc'); os.unlink('f')
                    os.pwrite(fd, b'Z', 1); print(os.pread(fd, 10, 0), os.fstat(fd).st_nlink, os.path.exists('f'))
                    os.ftruncate(fd, 2); print(os.fstat(fd).st_size); os.close(fd)
                    # the kernel sends RELEASE after close returns: libfuse's .fuse_hidden name goes then
                    import time
                    for _ in range(40):
                        if not os.listdir('.'): break
                        time.sleep(0.05)
                    print(os.listdir('.'))
                    """;
            assertEquals("b'aZc' 0 False\n2\n[]", py(d, code));
        }
    }

    @Nested
    @DisplayName("directories and names")
    class Names {
        @Test
        @DisplayName("rmdir of a non-empty directory is ENOTEMPTY; mkdir of an existing name EEXIST")
        void rmdirNotEmpty() {
            String code = """
                    os.mkdir('a'); open('a/f','w').close()
                    print(err(os.rmdir, 'a'), err(os.mkdir, 'a'), err(os.rmdir, 'a/f'), err(os.unlink, 'a'))
                    os.unlink('a/f'); print(err(os.rmdir, 'a'), os.listdir('.'))
                    """;
            assertEquals("ENOTEMPTY EEXIST ENOTDIR EISDIR\n0 []", py(d, code));
        }

        @Test
        @DisplayName("non-UTF-8 names and 255-byte names survive readdir and lookup; 256 bytes is ENAMETOOLONG")
        void rawAndLongNames() {
            String code = """
                    names = [b'caf\\xe9', b'\\xff\\xfe', 'ü'.encode(), b'x' * 255]
                    for n in names: open(n, 'wb').write(n)
                    print(sorted(os.listdir(b'.')) == sorted(names), all(open(n,'rb').read() == n for n in names))
                    print(err(open, b'y' * 256, 'wb'))
                    """;
            assertEquals("True True\nENAMETOOLONG", py(d, code));
        }

        @Test
        @DisplayName("a path near PATH_MAX works")
        void nearPathMax() {
            String code = """
                    depth = 0
                    os.chdir('.')
                    comp = 'd' * 200
                    while len(os.getcwd()) + 201 < 4000:
                        os.mkdir(comp); os.chdir(comp); depth += 1
                    open('f', 'w').write('deep')
                    print(len(os.getcwd()) > 3700, open('f').read(), os.stat('f').st_size)
                    """;
            assertEquals("True deep 4", py(d, code));
            assertEquals("1", ok(d, "find . -name f | wc -l"));
        }

        @Test
        @DisplayName("readdir lists inode numbers and types of the backing tree")
        void readdirTypes() {
            ok(d, "set -e; mkdir sub; touch f; ln -s f l; mkfifo p");
            assertEquals("f:f l:l p:p sub:d", ok(d, "find . -mindepth 1 -printf '%f:%y\\n' | sort | tr '\\n' ' '"));
            assertEquals(ok(d, "stat -c %i f"), ok(d, "ls -i f | cut -d' ' -f1"));
        }
    }

    @Nested
    @DisplayName("rename")
    class Rename {
        @Test
        @DisplayName("follows the POSIX directory rules with the errno of a local disk")
        void posixRules() {
            String code = """
                    os.mkdir('d1'); os.mkdir('d2'); os.mkdir('full'); open('full/x','w').close(); open('f','w').write('F'); open('g','w').write('G')
                    print(err(os.rename, 'f', 'd1'), err(os.rename, 'd1', 'f'), err(os.rename, 'd1', 'full'), err(os.rename, 'd1', 'd1/sub'))
                    os.rename('f', 'g'); print(open('g').read(), os.path.exists('f'))
                    os.rename('d1', 'd2'); print(os.path.exists('d1'), os.path.isdir('d2'))
                    os.rename('full', 'moved'); print(os.listdir('moved'))
                    print(err(os.rename, 'missing', 'x'))
                    """;
            String expected = py(ref, code);
            assertEquals(expected, py(d, code));
            assertTrue(expected.startsWith("EISDIR ENOTDIR ENOTEMPTY EINVAL"), expected);
        }
    }

    @Nested
    @DisplayName("links and special files")
    class Links {
        @Test
        @DisplayName("hard links share content and show the current link count on every name")
        void hardLinks() {
            String code = """
                    open('a','w').write('one'); os.link('a', 'b')
                    print(os.stat('a').st_nlink, os.stat('b').st_nlink, os.stat('a').st_ino == os.stat('b').st_ino)
                    os.chmod('b', 0o600); print(oct(os.stat('a').st_mode & 0o777))
                    os.unlink('b'); print(os.stat('a').st_nlink)
                    os.link('a', 'c'); os.rename('c', 'e'); print(os.stat('a').st_nlink, open('e').read())
                    print(err(os.link, 'a', 'e'), err(os.link, 'missing', 'z'))
                    """;
            assertEquals("2 2 True\n0o600\n1\n2 one\nEEXIST ENOENT", py(d, code));
        }

        @Test
        @DisplayName("no name of a hard-linked file ever shows stale nlink, mode, owner or ctime (compared with the backing file)")
        void hardLinksNeverStale() {
            // stat every name right after each change, through the mount, and compare with the
            // backing file's lstat: the kernel caches attributes per name (per kernel inode)
            String code = """
                    def key(p):
                        s = os.lstat(p); return (s.st_nlink, s.st_mode, s.st_uid, s.st_gid, s.st_ctime_ns, s.st_size)
                    def check(step, *names):
                        bad = [n for n in names if key(n) != key(os.path.join(BACK, n))]
                        print(step, 'stale:' + ','.join(bad) if bad else 'ok')
                    open('a','w').write('one'); os.stat('a'); check('create', 'a')
                    os.link('a', 'b'); check('link', 'a', 'b')
                    os.chmod('b', 0o640); check('chmod', 'a', 'b')
                    os.chown('a', 42, 43); check('chown', 'a', 'b')
                    os.link('b', 'c'); check('link2', 'a', 'b', 'c')
                    os.rename('c', 'd'); check('rename', 'a', 'b', 'd')
                    open('e','w').write('x'); os.rename('e', 'd'); check('replace', 'a', 'b')
                    os.unlink('b'); check('unlink', 'a')
                    os.link('a', 'f'); os.stat('f'); open('f', 'a').write('more'); check('write', 'a', 'f')
                    os.truncate('a', 1); check('truncate', 'a', 'f')
                    """;
            assertEquals("create ok\nlink ok\nchmod ok\nchown ok\nlink2 ok\nrename ok\nreplace ok\nunlink ok\nwrite ok\ntruncate ok",
                    py(d, "BACK = '" + m.tree.resolve(d.getFileName().toString()) + "'\n" + code));
        }

        @Test
        @DisplayName("directory attributes are cached but never stale after mkdir, rmdir, chmod, chown and rename")
        void directoryAttributes() {
            String code = """
                    os.mkdir('x'); os.stat('x')
                    def same(step):
                        a, b = os.stat('x'), os.stat(os.path.join(BACK, 'x'))
                        print(step, (a.st_nlink, a.st_mode, a.st_uid, a.st_mtime_ns, a.st_ctime_ns) == (b.st_nlink, b.st_mode, b.st_uid, b.st_mtime_ns, b.st_ctime_ns))
                    os.mkdir('x/s'); same('mkdir')
                    os.rmdir('x/s'); same('rmdir')
                    os.chmod('x', 0o700); same('chmod')
                    os.chown('x', 42, 43); same('chown')
                    open('x/f', 'w').close(); same('create')
                    os.rename('x/f', 'x/g'); same('rename-in')
                    os.mkdir('y'); os.rename('y', 'x/y'); same('move-in')
                    """;
            String back = m.tree.resolve(d.getFileName().toString()).toString();
            assertEquals("mkdir True\nrmdir True\nchmod True\nchown True\ncreate True\nrename-in True\nmove-in True",
                    py(d, "BACK = '" + back + "'\n" + code));
        }

        @Test
        @DisplayName("symlinks keep their target verbatim and readlink returns it")
        void symlinks() {
            String target = "x".repeat(300) + "/../relative target";
            String code = "os.symlink('" + target + "', 'l'); print(os.readlink('l') == '" + target + "', stat.S_ISLNK(os.lstat('l').st_mode), os.lstat('l').st_size)\n"
                    + "print(err(os.stat, 'l'), err(os.symlink, 'x', 'l'), err(os.readlink, '.'))";
            assertEquals(py(ref, code), py(d, code));
        }

        @Test
        @DisplayName("mkfifo and mknod create nodes of the right type")
        void nodes() {
            String code = """
                    os.mkfifo('p', 0o644); os.mknod('c', 0o600 | stat.S_IFCHR, os.makedev(1, 3)); os.mknod('r', 0o600 | stat.S_IFREG)
                    print(stat.S_ISFIFO(os.stat('p').st_mode), stat.S_ISCHR(os.stat('c').st_mode), os.stat('c').st_rdev == os.makedev(1, 3), stat.S_ISREG(os.stat('r').st_mode))
                    """;
            assertEquals("True True True True", py(d, code));
            assertEquals("fifo", ok(d, "(echo through-fifo > p &) ; cat p; echo fifo").lines().reduce((a, b) -> b).orElseThrow());
        }
    }

    @Nested
    @DisplayName("attributes")
    class Attributes {
        @Test
        @DisplayName("chmod and chown change mode and owner; setuid bits survive chmod")
        void chmodChown() {
            String code = """
                    open('f','w').close(); os.chmod('f', 0o4751); print(oct(os.stat('f').st_mode & 0o7777))
                    os.chown('f', 1234, 5678); s = os.stat('f'); print(s.st_uid, s.st_gid, oct(s.st_mode & 0o7777))
                    os.mkdir('dd'); os.chmod('dd', 0o1777); print(oct(os.stat('dd').st_mode & 0o7777))
                    os.symlink('f', 'l'); os.chown('l', 42, 43, follow_symlinks=False); print(os.lstat('l').st_uid, os.stat('f').st_uid)
                    """;
            String expected = py(ref, code);
            assertEquals(expected, py(d, code));
            assertTrue(expected.startsWith("0o4751\n1234 5678 0o751"), expected);
        }

        @Test
        @DisplayName("utimensat with nanoseconds, UTIME_OMIT (touch -m/-a) and UTIME_NOW works, also on symlinks")
        void times() {
            String code = """
                    open('f','w').close()
                    os.utime('f', ns=(1000000123, 2000000456)); s = os.stat('f'); print(s.st_atime_ns, s.st_mtime_ns)
                    os.system('touch -m -d @3000000000 f'); s = os.stat('f'); print(s.st_atime_ns, s.st_mtime_ns)
                    os.system('touch -a -d @4000000000 f'); s = os.stat('f'); print(s.st_atime_ns, s.st_mtime_ns)
                    os.symlink('f', 'l'); os.utime('l', ns=(5, 6), follow_symlinks=False); print(os.lstat('l').st_mtime_ns, os.stat('f').st_mtime_ns)
                    import time; t = time.time_ns(); os.utime('f'); print(os.stat('f').st_mtime_ns >= t - 10**9)
                    """;
            assertEquals("1000000123 2000000456\n1000000123 3000000000000000000\n4000000000000000000 3000000000000000000\n6 3000000000000000000\nTrue",
                    py(d, code));
        }

        @Test
        @DisplayName("statfs shows the logical, 'infinite' view: the reported capacity, used = the files' logical bytes")
        void statfs() {
            assertEquals("4096 " + (1L << 50) / 4096 + " 255", ok(d, "stat -f -c '%S %b %l' ."));
            long before = Long.parseLong(ok(d, "stat -f -c '%b %f' . | awk '{print $1 - $2}'"));
            ok(d, "head -c 8388608 /dev/zero > big; sync");
            long after = Long.parseLong(ok(d, "stat -f -c '%b %f' . | awk '{print $1 - $2}'"));
            assertEquals(2048, after - before, "an 8 MiB file adds 2048 blocks of 4 KiB to the used space");
            ok(d, "rm big");
            assertEquals(before, Long.parseLong(ok(d, "stat -f -c '%b %f' . | awk '{print $1 - $2}'")));
        }
    }

    @Nested
    @DisplayName("extended attributes")
    class Xattrs {
        @Test
        @DisplayName("user xattrs pass through with ENODATA, ERANGE and XATTR_CREATE/REPLACE semantics")
        void userXattrs() {
            String code = """
                    import ctypes
                    libc = ctypes.CDLL(None, use_errno=True)
                    open('f','w').close()
                    os.setxattr('f', 'user.color', b'blue'); print(os.getxattr('f', 'user.color'), os.listxattr('f'))
                    print(err(os.getxattr, 'f', 'user.none'), err(os.setxattr, 'f', 'user.color', b'x', os.XATTR_CREATE), err(os.setxattr, 'f', 'user.new', b'x', os.XATTR_REPLACE))
                    buf = ctypes.create_string_buffer(2)
                    r = libc.getxattr(b'f', b'user.color', buf, 2); print(r, errno.errorcode[ctypes.get_errno()], libc.getxattr(b'f', b'user.color', None, 0))
                    r = libc.listxattr(b'f', buf, 2); print(r, errno.errorcode[ctypes.get_errno()], libc.listxattr(b'f', None, 0))
                    os.removexattr('f', 'user.color'); print(os.listxattr('f'), err(os.removexattr, 'f', 'user.color'))
                    print(err(os.setxattr, 'f', 'user.big', b'x' * 70000))
                    """;
            String expected = py(ref, code);
            assertEquals(expected, py(d, code));
            assertContains(expected, "ENODATA EEXIST ENODATA", "-1 ERANGE 4", "-1 ERANGE 11", "E2BIG");
        }

        @Test
        @DisplayName("the agent's trusted.zero.* attributes are invisible and untouchable through the mount")
        void hiddenXattrs() {
            ok(d, "echo x > f; setfattr -n trusted.mine -v 1 f");
            assertContains(ok(m.tree, "getfattr -d -m - -e hex --absolute-names " + d.getFileName() + "/f"), "trusted.zero=0x0100");
            String code = """
                    print(os.listxattr('f'))
                    print(err(os.getxattr, 'f', 'trusted.zero'), err(os.setxattr, 'f', 'trusted.zero', b'9'), err(os.removexattr, 'f', 'trusted.zero'), err(os.setxattr, 'f', 'trusted.zero.other', b'1'))
                    print(os.getxattr('f', 'trusted.mine'), err(os.getxattr, 'f', 'security.capability'))
                    """;
            assertEquals("['trusted.mine']\nENODATA EPERM EPERM EPERM\nb'1' ENODATA", py(d, code));
            assertEquals("", ok(d, "getfattr -m 'trusted.zero' -d f"));
        }

        @Test
        @DisplayName("files get stable ids and a content version that counts written handles, in one packed attribute")
        void idsAndVersions() throws IOException {
            String rel = d.getFileName() + "/f";
            ok(d, "echo a > f");
            String id = Sh.attr(m.tree, rel, "id");
            assertEquals("1", Sh.attr(m.tree, rel, "version"));
            assertEquals("LOCAL", Sh.attr(m.tree, rel, "state"));
            ok(d, "echo b >> f; cat f > /dev/null; mv f g; echo c >> g");
            String moved = d.getFileName() + "/g";
            assertEquals(id, Sh.attr(m.tree, moved, "id"));
            assertEquals("3", Sh.attr(m.tree, moved, "version"));
            assertEquals("1", Sh.attr(m.tree, ".", "id"));
            assertEquals("trusted.zero", ok(m.tree, "getfattr -m - --absolute-names " + moved + " | grep trusted"), "one attribute only");
            Files.writeString(m.tree.resolve(d.getFileName()).resolve("behind-the-back"), "x");
            ok(d, "cat behind-the-back");
            assertNotEquals("0", Sh.attr(m.tree, d.getFileName() + "/behind-the-back", "id"));
        }
    }
}
