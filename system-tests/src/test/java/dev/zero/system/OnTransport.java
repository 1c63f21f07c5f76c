package dev.zero.system;

/**
 * A system test that mounts its stack with one of the agent's transports: by default Zero's own,
 * with kernel passthrough; an {@code …OnJnrFuseTest} subclass runs the same test on jnr-fuse.
 */
interface OnTransport {
    /** The transport the agent mounts with. */
    default Transport transport() {
        return Transport.KERNEL;
    }
}
