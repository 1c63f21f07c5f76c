package dev.zero.agent.mount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.zero.agent.cache.TestTiering;

/** A separate agent process for {@link FuseMountTest}: mounts args[1] over args[0]/tree, unmounts on SIGTERM. */
public final class StaleMountMain {
    private StaleMountMain() {
    }

    public static void main(String[] args) throws Exception {
        Path cache = Path.of(args[0]);
        RecordingChangeLog log = new RecordingChangeLog();
        ZeroFs fs = new ZeroFs(TestTiering.files(cache, TestTiering.NOTHING, log), log, ZeroFs.DEFAULT_DIR_ATTR_TIMEOUT, 1L << 50);
        FuseMount mount = FuseMount.mount(fs, Path.of(args[1]), MountOptions.of("child", true, Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1), List.of()), Duration.ofSeconds(30));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                mount.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        System.out.println("UP");
        System.out.flush();
        Thread.currentThread().join();
    }
}
