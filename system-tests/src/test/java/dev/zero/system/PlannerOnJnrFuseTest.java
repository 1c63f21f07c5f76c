package dev.zero.system;

/**
 * {@link PlannerSystemTest} with the agent on jnr-fuse: the disk converges under its target, files
 * read back identical and the hard limit holds writers whichever transport serves the mount (on
 * jnr-fuse every write reaches the agent; on the kernel transport a writer under the hard limit is
 * not passed through).
 */
class PlannerOnJnrFuseTest extends PlannerSystemTest {
    @Override
    public Transport transport() {
        return Transport.JNR_FUSE;
    }
}
