package dev.zero.system;

import org.junit.jupiter.api.DisplayName;

/**
 * {@link TieringOnB2Test} with the agent on its fallback transport, jnr-fuse: uploads, evictions
 * and restores through the b2 store, with B2's faults injected, behave the same whichever
 * transport serves the mount.
 */
@DisplayName("tiering on the b2 store (B2 emulator, faults on), mounted with jnr-fuse")
class TieringOnB2OnJnrFuseTest extends TieringOnB2Test {
    @Override
    public Transport transport() {
        return Transport.JNR_FUSE;
    }
}
