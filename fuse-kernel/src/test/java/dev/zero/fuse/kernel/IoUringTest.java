package dev.zero.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Requests over io_uring (one queue per CPU) and over /dev/fuse, on a real mount of the mirror. */
class IoUringTest extends MountTestBase {
    private static final Path ENABLE = Path.of("/sys/module/fuse/parameters/enable_uring");
    /** Requests that never come over io_uring. */
    private static final int[] DEVICE_ONLY = {Protocol.INIT, Protocol.FORGET, Protocol.BATCH_FORGET, Protocol.INTERRUPT};
    /** On both CPUs (so both queues serve): files written, fsynced (answered off the queue), read back, renamed, listed, removed. */
    private static final String WORKLOAD = """
            set -e
            for cpu in 0 1; do
              taskset -c $cpu bash -c '
                mkdir d$0; cd d$0
                for i in $(seq 1 200); do echo "file $i on cpu $0" > f$i; done
                dd if=/dev/urandom of=big bs=64k count=64 conv=fsync status=none
                for i in $(seq 1 200); do grep -q "file $i on cpu $0" f$i; mv f$i g$i; done
                test $(ls | wc -l) = 201
                cmp big ../../backing/d$0/big
                rm g*; cd ..' $cpu &
            done
            wait
            test "$(ls d0 d1 | grep -c big)" = 2
            rm -r d0 d1
            """;

    private InodeFs.Mounted mount(boolean ioUring) throws IOException {
        mounted = InodeFs.mount(backing, Backing.MIRROR, "zero-mirror", mnt, true, ioUring, CacheTimeouts.of(Duration.ofSeconds(1), Duration.ofSeconds(1)), 2);
        return mounted;
    }

    private long requestsOverTheRingsReach(KernelMount m) {
        long all = 0;
        for (int op = 0; op < Protocol.OPCODES; op++) {
            all += m.requests(op);
        }
        for (int op : DEVICE_ONLY) {
            all -= m.requests(op);
        }
        return all;
    }

    @Test
    @DisplayName("with io_uring every request but FORGET and INTERRUPT comes over the queues, from both CPUs, and the files are right")
    void requestsComeOverTheQueues() throws Exception {
        assumeTrue(Files.exists(ENABLE), "this kernel has no FUSE over io_uring (Linux 6.14+ with CONFIG_FUSE_IO_URING)");
        KernelMount m = mount(true).mount();
        assertThat(m.requestPath()).startsWith("io_uring");
        assertThat(Files.readString(ENABLE).trim()).as("the mount turned on the module's io_uring").isEqualTo("Y");
        long before = requestsOverTheRingsReach(m);
        long ringBefore = m.ringRequests();
        sh(mnt, WORKLOAD);
        long served = requestsOverTheRingsReach(m) - before;
        assertThat(served).as("requests the workload made").isGreaterThan(2000);
        assertThat(m.ringRequests() - ringBefore).as("of them, over io_uring").isEqualTo(served);
        assertThat(m.deferredRequests()).as("FSYNCs answered off the queues").isPositive();
        assertThat(Files.list(backing).count()).isZero();
        mounted.close();
        mounted = null;
        assertThat(m.serving()).as("queues and loops ended at unmount").isFalse();
    }

    @Test
    @DisplayName("without io_uring the same workload is served over /dev/fuse")
    void devFuseWhenNotAskedFor() throws Exception {
        KernelMount m = mount(false).mount();
        assertThat(m.requestPath()).startsWith("/dev/fuse");
        sh(mnt, WORKLOAD);
        assertThat(m.ringRequests()).isZero();
        assertThat(requestsOverTheRingsReach(m)).isGreaterThan(2000);
        mounted.close();
        mounted = null;
        assertThat(m.serving()).isFalse();
    }
}
