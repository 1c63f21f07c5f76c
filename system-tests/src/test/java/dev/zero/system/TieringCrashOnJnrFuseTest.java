package dev.zero.system;

/**
 * {@link TieringCrashTest} with the agent on jnr-fuse: there every write reaches the agent, on the
 * kernel transport a passthrough writer's do not, so crash consistency is tried on both. Fewer
 * trials than on the default transport, to keep the suite's time.
 */
class TieringCrashOnJnrFuseTest extends TieringCrashTest {
    @Override
    protected void configure(ZeroStack stack) throws Exception {
        stack.env.put("ZERO_AGENT_MOUNT_TRANSPORT", "jnr-fuse");
    }

    @Override
    protected String servedBy() {
        return "jnr-fuse";
    }

    @Override
    protected int trials() {
        return Integer.getInteger("zero.crash-trials-jnr", 8);
    }
}
