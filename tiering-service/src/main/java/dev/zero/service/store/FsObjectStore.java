package dev.zero.service.store;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * An object store in a local directory: the embedded default and the fast test backend.
 * Writes go to a temporary file that is fsynced, then linked under its key (which fails if
 * the key exists) and the directory fsynced, so a crash leaves either the whole object or none.
 * Runs of zeros are left as holes, so the copy of a sparse file takes no more disk than it.
 */
public final class FsObjectStore implements ObjectStore {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final String TEMP_PREFIX = ".incoming-";

    private final Path root;
    private final int bufferSize;
    private final byte[] zeros;

    public FsObjectStore(Path root, int bufferSize) throws IOException {
        this.root = Files.createDirectories(root).toRealPath();
        this.bufferSize = bufferSize;
        this.zeros = new byte[bufferSize];
    }

    @Override
    public String kind() {
        return "fs";
    }

    @Override
    public long put(String key, InputStream content, long expectedSize) throws IOException {
        Path target = resolve(key);
        Path dir = Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(key);
        }
        Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        long size = 0;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buffer = new byte[bufferSize];
                ByteBuffer wrapped = ByteBuffer.wrap(buffer);
                for (int n; (n = content.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                    // Runs of zeros become holes: a sparse file's copy stays sparse.
                    if (Arrays.mismatch(buffer, 0, n, zeros, 0, n) >= 0) {
                        wrapped.clear().limit(n);
                        while (wrapped.hasRemaining()) {
                            channel.write(wrapped, size + wrapped.position());
                        }
                    }
                    size += n;
                }
                if (expectedSize >= 0 && size != expectedSize) {
                    throw new EOFException("object " + key + ": received " + size + " bytes of the " + expectedSize + " announced");
                }
                if (channel.size() < size) {
                    channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
                }
                channel.force(true);
            }
            Files.createLink(target, temp);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(dir);
        return size;
    }

    @Override
    public InputStream get(String key, long offset, long length) throws IOException {
        FileChannel channel = FileChannel.open(resolve(key), StandardOpenOption.READ);
        try {
            channel.position(offset);
            return new BoundedInputStream(Channels.newInputStream(channel), length);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public long size(String key) throws IOException {
        try {
            return Files.size(resolve(key));
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Path target = resolve(key);
        if (Files.deleteIfExists(target)) {
            syncDirectory(target.getParent());
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString())
                    .filter(k -> !k.contains(TEMP_PREFIX) && k.startsWith(prefix))
                    .sorted()
                    .toList();
        }
    }

    @Override
    public void check() throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "object store root is not a directory");
        }
        Path probe = Files.createTempFile(root, TEMP_PREFIX + "probe-", null);
        Files.delete(probe);
    }

    private Path resolve(String key) {
        if (key == null || key.length() > 1024 || !KEY.matcher(key).matches() || key.contains("..")) {
            throw new IllegalArgumentException("invalid object key: " + key);
        }
        return root.resolve(key);
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Stops after {@code remaining} bytes and closes the file with the stream. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
