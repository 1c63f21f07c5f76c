package dev.zero.agent.volume;

import java.io.IOException;
import java.nio.file.Path;

/** A mounted volume, whichever FUSE transport serves it. */
public interface Volume extends AutoCloseable {
    Path mountpoint();

    /** True while the kernel lists the mount and its requests are served. */
    boolean isUp();

    /** How the volume is served (for logs and status): "kernel (passthrough)", "jnr-fuse". */
    String transport();

    /** Unmounts (lazily if busy) and waits for the serving to end. Idempotent. */
    @Override
    void close() throws IOException;
}
