package dev.zero.service.transfer;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Passes a stream through while taking the SHA-256 of the whole and of every {@code chunkSize}
 * bytes (the last chunk may be shorter), so one pass over an upload yields what a ranged restore
 * needs to verify each chunk it reads.
 */
final class ChunkHasher extends FilterInputStream {
    private final int chunkSize;
    private final MessageDigest whole = sha256();
    private final MessageDigest chunk = sha256();
    private final ByteArrayOutputStream chunkHashes = new ByteArrayOutputStream();
    private long size;
    private int inChunk;

    ChunkHasher(InputStream in, int chunkSize) {
        super(in);
        this.chunkSize = chunkSize;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            whole.update(b, off, n);
            size += n;
            int at = off;
            int left = n;
            while (left > 0) {
                int take = Math.min(left, chunkSize - inChunk);
                chunk.update(b, at, take);
                inChunk += take;
                at += take;
                left -= take;
                if (inChunk == chunkSize) {
                    chunkHashes.writeBytes(chunk.digest());
                    inChunk = 0;
                }
            }
        }
        return n;
    }

    @Override
    public long skip(long n) {
        return 0;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    long size() {
        return size;
    }

    /** The whole content's SHA-256, hex; call once, after the stream ended. */
    String sha256Hex() {
        return HexFormat.of().formatHex(whole.digest());
    }

    /** The chunk hashes, 32 bytes each; call once, after the stream ended. */
    byte[] chunkHashes() {
        if (inChunk > 0) {
            chunkHashes.writeBytes(chunk.digest());
            inChunk = 0;
        }
        return chunkHashes.toByteArray();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
