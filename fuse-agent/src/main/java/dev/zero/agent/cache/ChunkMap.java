package dev.zero.agent.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

import dev.zero.agent.posix.Stat.Timespec;

/**
 * Which chunks of a partly restored file are back on the host and verified, persisted beside
 * the tree ({@code <state>/restoring/<fileId>}) while the file is RESTORING, so a restart keeps
 * them. Also keeps the file's true mtime and atime, which refilling moves until the restore
 * puts them back. A bit is set only after its chunk's bytes are durable (fdatasync), and bits are
 * only ever set, so a torn write of the map loses at most some progress, never trust.
 *
 * <pre>
 * 0  "ZCM1"   4  file id   12 stored version   20 nonce   28 size   36 chunk size (u32)
 * 40 mtime s  48 mtime ns (u32)   52 atime s   60 atime ns (u32)   64 bitmap, 1 bit per chunk
 * </pre>
 */
final class ChunkMap implements AutoCloseable {
    private static final int MAGIC = 0x314D435A; // "ZCM1" little-endian
    private static final int HEADER = 64;

    final long fileId;
    final TierAttr.Stored stored;
    final long size;
    final int chunkSize;
    Timespec mtime;
    final Timespec atime;
    private final Path file;
    private final FileChannel channel;

    private ChunkMap(Path file, FileChannel channel, long fileId, TierAttr.Stored stored, long size, int chunkSize, Timespec mtime,
            Timespec atime) {
        this.file = file;
        this.channel = channel;
        this.fileId = fileId;
        this.stored = stored;
        this.size = size;
        this.chunkSize = chunkSize;
        this.mtime = mtime;
        this.atime = atime;
    }

    static Path pathOf(Path dir, long fileId) {
        return dir.resolve(Long.toString(fileId));
    }

    int chunks() {
        return (int) ((size + chunkSize - 1) / chunkSize);
    }

    /** Starts an empty map (header written and fsynced, directory entry too). */
    static ChunkMap create(Path dir, long fileId, TierAttr.Stored stored, long size, int chunkSize, Timespec mtime, Timespec atime)
            throws IOException {
        Files.createDirectories(dir);
        Path file = pathOf(dir, fileId);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putLong(fileId).putLong(stored.version()).putLong(stored.nonce()).putLong(size).putInt(chunkSize)
                    .putLong(mtime.sec()).putInt(mtime.nsec()).putLong(atime.sec()).putInt(atime.nsec());
            h.clear();
            channel.write(h, 0);
            channel.force(true);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            return new ChunkMap(file, channel, fileId, stored, size, chunkSize, mtime, atime);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The map of a file, or null when there is none or it does not describe {@code stored}. */
    static ChunkMap load(Path dir, long fileId, TierAttr.Stored stored) throws IOException {
        Path file = pathOf(dir, fileId);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return null;
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        if (channel.read(h, 0) < HEADER || h.getInt(0) != MAGIC || h.getLong(4) != fileId || h.getLong(12) != stored.version()
                || h.getLong(20) != stored.nonce()) {
            channel.close();
            return null;
        }
        return new ChunkMap(file, channel, fileId, stored, h.getLong(28), h.getInt(36), new Timespec(h.getLong(40), h.getInt(48)),
                new Timespec(h.getLong(52), h.getInt(60)));
    }

    /** The chunks recorded as present. */
    BitSet present() throws IOException {
        int bytes = (chunks() + 7) / 8;
        ByteBuffer b = ByteBuffer.allocate(bytes);
        int read = channel.read(b, HEADER);
        if (read <= 0) {
            return new BitSet(chunks());
        }
        BitSet bits = BitSet.valueOf(b.array());
        bits.clear(chunks(), Math.max(chunks(), bits.length()));
        return bits;
    }

    /** Records {@code present} durably (the chunks' bytes must already be durable). */
    void persist(BitSet present) throws IOException {
        byte[] bytes = present.toByteArray();
        channel.write(ByteBuffer.wrap(bytes), HEADER);
        channel.force(false);
    }

    /** Records a new true mtime (a user set it during the restore). */
    void retime(Timespec newMtime) throws IOException {
        ByteBuffer t = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        t.putLong(newMtime.sec()).putInt(newMtime.nsec()).flip();
        channel.write(t, 40);
        channel.force(false);
        mtime = newMtime;
    }

    /** Removes the map (the file is whole again, or back to evicted). */
    void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            channel.close();
        }
    }
}
