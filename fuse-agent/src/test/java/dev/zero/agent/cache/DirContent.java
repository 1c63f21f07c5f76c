package dev.zero.agent.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import dev.zero.api.ObjectManifest;
import dev.zero.api.TierInfo;

/**
 * The service's content calls as the agent sees them, kept in a directory: "uploads" copy a
 * file with its manifest (SHA-256 of the whole and of each chunk, as the service computes them),
 * reads serve byte ranges and are recorded, so tests can tell which ranges a restore fetched.
 */
public final class DirContent implements ContentSource {
    /** One ranged read a restore made. */
    public record Read(long fileId, long offset, long length) {
    }

    private final Path dir;
    private final int chunkSize;
    private final AtomicLong nonces = new AtomicLong(0x1000);
    private final java.util.Map<String, ObjectManifest> manifests = new java.util.concurrent.ConcurrentHashMap<>();
    public final List<Read> reads = new CopyOnWriteArrayList<>();

    public DirContent(Path dir, int chunkSize) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.chunkSize = chunkSize;
    }

    private Path object(long fileId, long version, long nonce) {
        return dir.resolve(fileId + "-" + version + "-" + TierInfo.nonceHex(nonce));
    }

    /** Stores {@code content} as version {@code version} of the file, hashed as the service hashes uploads; returns the nonce. */
    public long put(long fileId, long version, byte[] content) throws IOException {
        long nonce = nonces.incrementAndGet();
        Path object = object(fileId, version, nonce);
        Files.write(object, content);
        manifests.put(object.getFileName().toString(), hash(object, fileId, version, nonce));
        return nonce;
    }

    /** Flips one byte of a stored object (damage in the store). */
    public void corrupt(long fileId, long version, long nonce, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(object(fileId, version, nonce), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, offset);
        }
    }

    public void delete(long fileId, long version, long nonce) throws IOException {
        Files.delete(object(fileId, version, nonce));
    }

    @Override
    public ObjectManifest manifest(long fileId, long version, long nonce) throws IOException {
        Path object = object(fileId, version, nonce);
        ObjectManifest m = manifests.get(object.getFileName().toString());
        if (m == null || !Files.exists(object)) {
            throw new NoSuchFileException(object.toString());
        }
        return m;
    }

    private ObjectManifest hash(Path object, long fileId, long version, long nonce) throws IOException {
        try {
            MessageDigest whole = MessageDigest.getInstance("SHA-256");
            java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[chunkSize];
            try (InputStream in = Files.newInputStream(object)) {
                for (int n; (n = in.readNBytes(buf, 0, chunkSize)) > 0; ) {
                    whole.update(buf, 0, n);
                    MessageDigest c = MessageDigest.getInstance("SHA-256");
                    c.update(buf, 0, n);
                    chunks.writeBytes(c.digest());
                }
            }
            return new ObjectManifest(object.getFileName().toString(), TierInfo.nonceHex(nonce), fileId, version, Files.size(object),
                    HexFormat.of().formatHex(whole.digest()), chunkSize, Base64.getEncoder().encodeToString(chunks.toByteArray()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** While set, reads of stored copies wait for it to open (a slow store). */
    public volatile java.util.concurrent.CountDownLatch gate;

    @Override
    public InputStream open(long fileId, long version, long nonce, long offset, long length) throws IOException {
        reads.add(new Read(fileId, offset, length));
        java.util.concurrent.CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("the store read was interrupted");
            }
        }
        FileChannel ch = FileChannel.open(object(fileId, version, nonce), StandardOpenOption.READ);
        ch.position(offset);
        return new java.io.FilterInputStream(Channels.newInputStream(ch)) {
            private long left = length;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    /** Bytes read from the store so far. */
    public long bytesRead() {
        return reads.stream().mapToLong(Read::length).sum();
    }
}
