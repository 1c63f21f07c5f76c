package dev.zero.agent.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import dev.zero.api.VolumeView;

/**
 * Hands out stable 64-bit file ids. A block of ids is reserved at a time by writing its upper
 * bound to {@code <stateDir>/file-ids} (written to a temporary file, fsynced, renamed, directory
 * fsynced) before any id of the block is used; after a crash the next start begins at the
 * reserved bound, so ids may be skipped but are never handed out twice. Id 1 is the root
 * ({@link VolumeView#ROOT_FILE_ID}); ids start at 2.
 */
public final class FileIds {
    public static final String FILE_NAME = "file-ids";
    public static final int DEFAULT_BLOCK = 65536;

    private final Path file;
    private final int block;
    private long next;
    private long limit;

    public FileIds(Path stateDir, int block) throws IOException {
        if (block < 1) {
            throw new IllegalArgumentException("block must be >= 1, got " + block);
        }
        Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.file = stateDir.toAbsolutePath().resolve(FILE_NAME);
        this.block = block;
        long stored = VolumeView.ROOT_FILE_ID + 1;
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            try {
                stored = Math.max(stored, Long.parseLong(text));
            } catch (NumberFormatException e) {
                throw new IOException("corrupt id counter " + file + ": '" + text + "'", e);
            }
        }
        this.next = stored;
        this.limit = stored;
    }

    /** A new id, never returned before (across restarts and crashes). */
    public synchronized long next() {
        if (next >= limit) {
            try {
                reserve(next + block);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot reserve file ids in " + file, e);
            }
        }
        return next++;
    }

    /** The bound persisted so far: no id at or above it has been handed out. */
    public synchronized long reservedLimit() {
        return limit;
    }

    private void reserve(long newLimit) throws IOException {
        dev.zero.agent.config.StateFiles.write(file, newLimit + "\n");
        limit = newLimit;
    }
}
