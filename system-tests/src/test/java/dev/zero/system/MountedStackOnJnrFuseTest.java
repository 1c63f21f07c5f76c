package dev.zero.system;

/**
 * {@link MountedStackTest} with the agent on jnr-fuse: the catalogue mirrors the tree through
 * bursts, outages, a killed agent and changes behind its back, and fsx-style content reads back
 * exactly, whichever transport serves the mount.
 */
class MountedStackOnJnrFuseTest extends MountedStackTest {
    @Override
    public Transport transport() {
        return Transport.JNR_FUSE;
    }
}
