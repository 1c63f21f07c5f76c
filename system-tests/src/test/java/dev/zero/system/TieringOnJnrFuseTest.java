package dev.zero.system;

/**
 * {@link TieringTest} with the agent on its fallback transport, jnr-fuse (libfuse2's path API):
 * upload, eviction, restores and times behave the same whichever transport serves the mount.
 */
class TieringOnJnrFuseTest extends TieringTest {
    @Override
    public Transport transport() {
        return Transport.JNR_FUSE;
    }
}
