package dev.zero.system;

/**
 * {@link TieringCrashTest} with the agent on jnr-fuse: there every write reaches the agent, on the
 * kernel transport a passthrough writer's do not, so crash consistency is tried on both. Fewer
 * trials than on the default transport, to keep the suite's time.
 */
class TieringCrashOnJnrFuseTest extends TieringCrashTest {
    @Override
    public Transport transport() {
        return Transport.JNR_FUSE;
    }

    @Override
    protected int trials() {
        return Integer.getInteger("zero.crash-trials-jnr", 8);
    }
}
