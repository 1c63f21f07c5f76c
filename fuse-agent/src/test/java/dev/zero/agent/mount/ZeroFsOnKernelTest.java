package dev.zero.agent.mount;

import dev.zero.agent.config.AgentConfig.Mount.Transport;

/** {@link ZeroFsTest} on the kernel transport: one suite, both transports. */
class ZeroFsOnKernelTest extends ZeroFsTest {
    @Override
    Transport transport() {
        return Transport.KERNEL;
    }
}
