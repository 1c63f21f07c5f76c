package dev.zero.agent.config;

import java.io.IOException;
import java.nio.file.Path;

import dev.zero.agent.cache.CacheSettings;
import dev.zero.agent.cache.ContentSource;
import dev.zero.agent.cache.DiskBudget;
import dev.zero.agent.cache.FileIds;
import dev.zero.agent.cache.SpaceAccounting;
import dev.zero.agent.cache.TierAttrs;
import dev.zero.agent.cache.TierListener;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.cache.TrueTimes;
import dev.zero.agent.posix.BackingRoot;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The pieces several capabilities share, one per cache directory: the id allocator, the backing
 * root, and the tier-state registry with its space totals and disk budget.
 */
public class AgentBeans {
    /** The backing tree: {@code <cacheDir>/tree}. */
    public static Path tree(AgentConfig config) {
        return config.cacheDir().toAbsolutePath().resolve("tree");
    }

    static Path state(AgentConfig config) {
        return config.cacheDir().toAbsolutePath().resolve("state");
    }

    @Produces
    @Singleton
    FileIds fileIds(AgentConfig config) throws IOException {
        return new FileIds(state(config), config.mount().idBlock());
    }

    @Produces
    @Singleton
    BackingRoot backingRoot(AgentConfig config) throws IOException {
        return BackingRoot.open(tree(config));
    }

    void closeRoot(@Disposes BackingRoot root) {
        root.close();
    }

    @Produces
    @Singleton
    SpaceAccounting space() {
        return new SpaceAccounting();
    }

    @Produces
    @Singleton
    DiskBudget budget(SpaceAccounting space) {
        return new DiskBudget(space);
    }

    @Produces
    @Singleton
    TieredFiles tieredFiles(AgentConfig config, BackingRoot root, FileIds ids, SpaceAccounting space, DiskBudget budget,
            ContentSource content, TierListener listener) {
        AgentConfig.Tiering t = config.tiering();
        CacheSettings settings = new CacheSettings(state(config), t.readAheadChunks(), t.restoreTimeout(), t.roomWait(),
                t.durableEvery().asLongValue(), t.stepDelay());
        return new TieredFiles(root, new TierAttrs(ids), new TrueTimes(), space, budget, content, listener, settings);
    }

    void closeTiered(@Disposes TieredFiles files) {
        files.close();
    }
}
