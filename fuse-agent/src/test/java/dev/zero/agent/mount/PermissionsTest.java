package dev.zero.agent.mount;

import static dev.zero.agent.mount.Sh.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.zero.agent.config.AgentConfig.Mount.Transport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What an unprivileged user (nobody, 65534) sees: the kernel checks permissions, new objects are theirs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PermissionsTest {
    private static final String AS_NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    private TestMount m;

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

    /** Runs the same scenario on the mount and on a plain directory of the local disk. */
    private void sameAsLocalDisk(String name, String rootSetup, String nobodyScript) throws IOException {
        Path local = Files.createDirectories(m.base.resolve("local-" + name));
        Path mounted = Files.createDirectory(m.mnt.resolve(name));
        String[] results = new String[2];
        Path[] dirs = {local, mounted};
        for (int i = 0; i < 2; i++) {
            ok(dirs[i], "chmod 777 . && " + rootSetup);
            results[i] = ok(dirs[i], AS_NOBODY + "/usr/bin/python3 -c '" + "import os, errno\n"
                    + "def err(f, *a):\n    try:\n        f(*a)\n        return 0\n    except OSError as x:\n        return errno.errorcode[x.errno]\n"
                    + nobodyScript.replace("'", "'\"'\"'") + "'");
        }
        assertEquals(results[0], results[1], "mount differs from the local disk");
    }

    @Test
    @DisplayName("permission denied where a local disk denies it")
    void denied() throws IOException {
        sameAsLocalDisk("denied",
                "echo secret > secret && chmod 600 secret && echo pub > pub && chmod 644 pub && mkdir locked && chmod 700 locked "
                        + "&& mkdir sticky && chmod 1777 sticky && touch sticky/roots",
                """
                print(err(open, 'secret'), err(open, 'pub', 'a'), open('pub').read().strip())
                print(err(os.listdir, 'locked'), err(open, 'locked/x', 'w'), err(os.chmod, 'pub', 0o777), err(os.chown, 'pub', 65534, 65534))
                print(err(os.unlink, 'sticky/roots'), err(os.rename, 'sticky/roots', 'sticky/mine'), err(os.utime, 'pub', (1, 1)))
                print(os.access('pub', os.R_OK), os.access('pub', os.W_OK), os.access('secret', os.R_OK))
                """);
    }

    @Test
    @DisplayName("objects created by nobody are owned by nobody, with the mode asked for")
    void ownership() throws IOException {
        sameAsLocalDisk("owner", "true", """
                os.umask(0o022)
                open('f', 'w').close(); os.mkdir('d', 0o777); os.symlink('f', 'l'); os.mkfifo('p', 0o666)
                fd = os.open('x', os.O_CREAT | os.O_WRONLY, 0o4755); os.close(fd)
                for n in ['f', 'd', 'l', 'p', 'x']:
                    s = os.lstat(n); print(n, s.st_uid, s.st_gid, oct(s.st_mode))
                os.chmod('f', 0o2644); print(oct(os.stat('f').st_mode))
                """);
    }

    @Test
    @DisplayName("set-group-id directories pass their group (and the bit, to subdirectories) on")
    void setgidDirectory() throws IOException {
        sameAsLocalDisk("setgid", "mkdir sg && chgrp 100 sg && chmod 2777 sg", """
                open('sg/f', 'w').close(); os.mkdir('sg/sub', 0o755)
                fd = os.open('sg/g', os.O_CREAT | os.O_WRONLY, 0o2755); os.close(fd)
                for n in ['sg/f', 'sg/sub', 'sg/g']:
                    s = os.lstat(n); print(n, s.st_uid, s.st_gid, oct(s.st_mode))
                """);
        assertEquals("100 1", ok(m.mnt.resolve("setgid"), "stat -c '%g %U' sg/sub | sed 's/nobody/1/'"));
    }
}
