package dev.zero.agent.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import jnr.ffi.Pointer;

class StatTest {
    @Test
    void lstat_fillsTypeSizeAndMode(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("f");
        Files.write(f, new byte[1234]);
        Pointer st = Stat.allocate();
        Stat.lstat(Native.AT_FDCWD, Native.cstr(f.toString()), st);
        FileMeta meta = Stat.meta(st, 7);
        System.out.println(meta + " mode=" + Integer.toOctalString(Stat.mode(st)));
        assertEquals(FileType.FILE, meta.type());
        assertEquals(1234, meta.size());
        assertEquals(7, meta.contentVersion());
        Stat.lstat(Native.AT_FDCWD, Native.cstr(dir.toString()), st);
        assertEquals(FileType.DIRECTORY, Stat.meta(st, 0).type());
    }
}
