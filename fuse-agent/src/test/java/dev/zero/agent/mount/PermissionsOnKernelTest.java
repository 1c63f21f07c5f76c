package dev.zero.agent.mount;

import dev.zero.agent.config.AgentConfig.Mount.Transport;

/** {@link PermissionsTest} on the kernel transport: one suite, both transports. */
class PermissionsOnKernelTest extends PermissionsTest {
    @Override
    Transport transport() {
        return Transport.KERNEL;
    }
}
