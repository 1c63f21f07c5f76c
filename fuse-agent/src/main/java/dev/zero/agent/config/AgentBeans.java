package dev.zero.agent.config;

import dev.zero.agent.cache.FileIds;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;

/** Shared pieces that several capabilities use: one id allocator per cache directory. */
public class AgentBeans {
    @Produces
    @Singleton
    FileIds fileIds(AgentConfig config) throws IOException {
        return new FileIds(config.cacheDir().toAbsolutePath().resolve("state"), config.mount().idBlock());
    }
}
