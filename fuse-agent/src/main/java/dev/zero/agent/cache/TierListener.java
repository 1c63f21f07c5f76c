package dev.zero.agent.cache;

import dev.zero.api.TierInfo;

/** Told of every tier transition after it is persisted (the change journal implements it). Must return at once. */
@FunctionalInterface
public interface TierListener {
    void tierChanged(long fileId, TierInfo tier);
}
