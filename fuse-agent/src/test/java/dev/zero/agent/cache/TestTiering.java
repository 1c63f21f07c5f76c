package dev.zero.agent.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

import dev.zero.agent.posix.BackingRoot;
import dev.zero.api.ObjectManifest;

/** Builds the tier-state registry over a cache directory, as the agent's beans do, for tests without Quarkus. */
public final class TestTiering {
    /** A store that holds nothing: every restore fails as if the object were gone. */
    public static final ContentSource NOTHING = new ContentSource() {
        @Override
        public ObjectManifest manifest(long fileId, long version, long nonce) throws IOException {
            throw new NoSuchFileException("no stored copy of file " + fileId + " in this test");
        }

        @Override
        public InputStream open(long fileId, long version, long nonce, long offset, long length) throws IOException {
            throw new NoSuchFileException("no stored copy of file " + fileId + " in this test");
        }
    };

    private TestTiering() {
    }

    /** The registry over {@code <cache>/tree}, ids and chunk maps in {@code <cache>/state}. */
    public static TieredFiles files(Path cache, ContentSource content, TierListener listener) throws IOException {
        return files(cache, content, listener, Duration.ofSeconds(5));
    }

    public static TieredFiles files(Path cache, ContentSource content, TierListener listener, Duration restoreTimeout) throws IOException {
        BackingRoot root = BackingRoot.open(cache.resolve("tree"));
        SpaceAccounting space = new SpaceAccounting();
        CacheSettings settings = new CacheSettings(cache.resolve("state"), 2, restoreTimeout, Duration.ofSeconds(2), 16L << 20, Duration.ZERO);
        return new TieredFiles(root, new TierAttrs(new FileIds(cache.resolve("state"), 100)), new TrueTimes(), space, new DiskBudget(space),
                content, listener, settings);
    }
}
