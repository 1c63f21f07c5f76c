package dev.zero.agent.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves {@link AgentConfig#host()}: the configured name, else the machine's hostname. */
public final class HostName {
    private HostName() {
    }

    public static String of(AgentConfig config) {
        return config.host().filter(h -> !h.isBlank()).orElseGet(HostName::machine);
    }

    static String machine() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException e) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
