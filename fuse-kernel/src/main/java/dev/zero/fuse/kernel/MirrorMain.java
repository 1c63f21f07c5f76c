package dev.zero.fuse.kernel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Mounts a mirror of a directory over the kernel transport until SIGTERM (for benchmarks):
 * {@code java --enable-native-access=ALL-UNNAMED -cp fuse-kernel/target/classes
 * dev.zero.fuse.kernel.MirrorMain BACKING MOUNTPOINT [--no-passthrough] [--no-io-uring]}. On exit it prints how
 * many READ and WRITE requests reached it.
 */
public final class MirrorMain {
    private MirrorMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: MirrorMain BACKING MOUNTPOINT [--no-passthrough] [--no-io-uring]");
            System.exit(2);
        }
        boolean passthrough = !List.of(args).contains("--no-passthrough");
        boolean ioUring = !List.of(args).contains("--no-io-uring");
        InodeFs.Mounted m = InodeFs.mount(Path.of(args[0]), Backing.MIRROR, "zero-mirror", Path.of(args[1]), passthrough, ioUring, CacheTimeouts.of(Duration.ofSeconds(1), Duration.ofSeconds(1)),
                Math.max(2, Runtime.getRuntime().availableProcessors()));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            m.close();
            StringBuilder all = new StringBuilder();
            for (int op = 0; op < Protocol.OPCODES; op++) {
                if (m.mount().requests(op) > 0) {
                    all.append(' ').append(op).append('=').append(m.mount().requests(op));
                }
            }
            System.out.println("requests by opcode:" + all);
            System.out.printf("reads %d writes %d (passthrough %s)%n", m.mount().requests(Protocol.READ), m.mount().requests(Protocol.WRITE),
                    m.mount().passthrough());
            stop.countDown();
        }));
        System.out.println("mounted " + args[1] + " (passthrough " + m.mount().passthrough() + ", requests over " + m.mount().requestPath() + ")");
        stop.await();
    }
}
