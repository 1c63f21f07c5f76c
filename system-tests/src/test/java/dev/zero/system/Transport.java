package dev.zero.system;

/** The agent's two transports: how a system test selects one, and how the agent's health names it. */
enum Transport {
    /** Zero's own /dev/fuse transport, the default where passthrough works. */
    KERNEL(null, "kernel (passthrough on)"),
    /** The fallback: libfuse2's path API through jnr-fuse. */
    JNR_FUSE("jnr-fuse", "jnr-fuse");

    private final String setting;
    final String servedBy;

    Transport(String setting, String servedBy) {
        this.setting = setting;
        this.servedBy = servedBy;
    }

    /** Makes the stack's agent mount on this transport (the default one needs no setting). */
    void select(ZeroStack stack) {
        if (setting != null) {
            stack.env.put("ZERO_AGENT_MOUNT_TRANSPORT", setting);
        }
    }
}
