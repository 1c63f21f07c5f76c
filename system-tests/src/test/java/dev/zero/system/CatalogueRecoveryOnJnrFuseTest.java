package dev.zero.system;

/**
 * {@link CatalogueRecoveryTest} with the agent on its fallback transport, jnr-fuse: a killed
 * service, a lost catalogue and its rebuild from the tree and the store lose no evicted file
 * whichever transport serves the mount.
 */
class CatalogueRecoveryOnJnrFuseTest extends CatalogueRecoveryTest {
    @Override
    public Transport transport() {
        return Transport.JNR_FUSE;
    }
}
