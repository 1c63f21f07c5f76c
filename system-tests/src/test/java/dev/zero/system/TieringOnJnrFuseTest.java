package dev.zero.system;

/**
 * {@link TieringTest} with the agent on its fallback transport, jnr-fuse (libfuse2's path API):
 * upload, eviction, restores and crash trials behave the same whichever transport serves the mount.
 */
class TieringOnJnrFuseTest extends TieringTest {
    @Override
    protected void configure(ZeroStack stack) throws Exception {
        stack.env.put("ZERO_AGENT_MOUNT_TRANSPORT", "jnr-fuse");
    }

    @Override
    protected String servedBy() {
        return "jnr-fuse";
    }
}
