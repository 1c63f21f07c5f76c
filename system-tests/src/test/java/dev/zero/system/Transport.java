package dev.zero.system;

import java.nio.file.Files;
import java.nio.file.Path;

/** The agent's two transports: how a system test selects one, and how the agent's health names it. */
enum Transport {
    /**
     * Zero's own transport, the default where passthrough works: its requests over io_uring
     * where this kernel has it and the agent (root) may turn it on, else over /dev/fuse.
     */
    KERNEL(null, "kernel (passthrough on, requests over " + (ioUringPossible() ? "io_uring" : "/dev/fuse") + ")"),
    /** The fallback: libfuse2's path API through jnr-fuse. */
    JNR_FUSE("jnr-fuse", "jnr-fuse");

    private final String setting;
    final String servedBy;

    Transport(String setting, String servedBy) {
        this.setting = setting;
        this.servedBy = servedBy;
    }

    /** Whether the fuse module has io_uring on, or lets root turn it on. */
    private static boolean ioUringPossible() {
        Path enable = Path.of("/sys/module/fuse/parameters/enable_uring");
        try {
            return Files.exists(enable) && (Files.readString(enable).trim().equals("Y") || Files.isWritable(enable));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Makes the stack's agent mount on this transport (the default one needs no setting). */
    void select(ZeroStack stack) {
        if (setting != null) {
            stack.env.put("ZERO_AGENT_MOUNT_TRANSPORT", setting);
        }
    }
}
