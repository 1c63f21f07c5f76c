package dev.zero.service.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * Where evicted content lives. Keys are immutable: an object is written once, read many
 * times and deleted when no file needs it, never overwritten (B2 has no rename or update).
 */
public interface ObjectStore {
    /** Short name of the backend, for health and logs. */
    String kind();

    /**
     * Streams {@code content} to a new object under {@code key}. The object appears whole or
     * not at all. {@code expectedSize} is the length announced by the sender (or -1); a stream
     * that ends short of it fails. Returns the number of bytes stored.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the key is taken
     */
    long put(String key, InputStream content, long expectedSize) throws IOException;

    /**
     * Reads {@code length} bytes from {@code offset} of the object.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such object
     */
    InputStream get(String key, long offset, long length) throws IOException;

    /** Size of the object, or -1 if there is none. */
    long size(String key) throws IOException;

    /** Removes the object; removing a missing object is not an error. */
    void delete(String key) throws IOException;

    /** The keys that start with {@code prefix}, in key order. */
    List<String> list(String prefix) throws IOException;

    /**
     * Cancels uploads left unfinished by an uploader that died (B2's large files, whose parts
     * are billed until cancelled): those this process's host started before it was started, and
     * anyone's started before {@code anyStartedBefore}. Returns how many; stores whose uploads
     * are atomic have none.
     */
    default int cancelIncompleteUploads(Instant anyStartedBefore) throws IOException {
        return 0;
    }

    /** Calls this process made of a billing class of the store's API ("A", "B", "C" for B2), or -1 where calls are not billed. */
    default long callsOfClass(String transactionClass) {
        return -1;
    }

    /** Calls to the store's API that storing an object of {@code size} bytes takes (the what-if's cost estimate). */
    default long putCalls(long size) {
        return 1;
    }

    /** Calls that reading an object of {@code size} bytes back whole takes, in reads of {@code rangeBytes}. */
    default long getCalls(long size, long rangeBytes) {
        return Math.max(1, (size + rangeBytes - 1) / rangeBytes);
    }

    /** Proves the store is usable now (for readiness); throws with the reason otherwise. */
    void check() throws IOException;
}
