package dev.zero.agent.cache;

import java.io.IOException;
import java.io.InputStream;

import dev.zero.api.ObjectManifest;

/**
 * Where evicted content comes back from (the tiering service, which reads the object store).
 * Implementations wait a bounded time for a service that cannot be reached, then fail; a
 * missing object fails at once.
 */
public interface ContentSource {
    /** The hashes that verify the stored copy {@code (version, nonce)} of the file. */
    ObjectManifest manifest(long fileId, long version, long nonce) throws IOException;

    /** {@code length} bytes of the stored copy from {@code offset}. */
    InputStream open(long fileId, long version, long nonce, long offset, long length) throws IOException;
}
