package dev.zero.service.store;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * Counts what Zero asks of its object store: calls by operation and outcome
 * ({@code zero.store.calls}) and bytes moved ({@code zero.store.bytes}). Whatever the backend
 * does underneath (a B2 large file is many API calls) it counts itself; this is the SPI's view.
 */
final class MeteredObjectStore implements ObjectStore {
    private final ObjectStore store;
    private final MeterRegistry meters;

    MeteredObjectStore(ObjectStore store, MeterRegistry meters) {
        this.store = store;
        this.meters = meters;
    }

    @Override
    public String kind() {
        return store.kind();
    }

    @Override
    public long put(String key, InputStream content, long expectedSize) throws IOException {
        long stored = counted("put", () -> store.put(key, content, expectedSize));
        bytes("up", stored);
        return stored;
    }

    @Override
    public InputStream get(String key, long offset, long length) throws IOException {
        return counted("get", () -> new Counting(store.get(key, offset, length)));
    }

    @Override
    public long size(String key) throws IOException {
        return counted("size", () -> store.size(key));
    }

    @Override
    public void delete(String key) throws IOException {
        counted("delete", () -> {
            store.delete(key);
            return null;
        });
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        return counted("list", () -> store.list(prefix));
    }

    @Override
    public int cancelIncompleteUploads(Instant anyStartedBefore) throws IOException {
        return store.cancelIncompleteUploads(anyStartedBefore);
    }

    @Override
    public long callsOfClass(String transactionClass) {
        return store.callsOfClass(transactionClass);
    }

    /** The store underneath, for what only it can tell (B2's calls by class). */
    ObjectStore unwrap() {
        return store;
    }

    @Override
    public long putCalls(long size) {
        return store.putCalls(size);
    }

    @Override
    public long getCalls(long size, long rangeBytes) {
        return store.getCalls(size, rangeBytes);
    }

    @Override
    public void check() throws IOException {
        store.check();
    }

    private interface StoreCall<T> {
        T run() throws IOException;
    }

    /** Runs one call of the store, counted by operation and whether it succeeded. */
    private <T> T counted(String op, StoreCall<T> call) throws IOException {
        boolean ok = false;
        try {
            T result = call.run();
            ok = true;
            return result;
        } finally {
            meters.counter("zero.store.calls", "store", store.kind(), "op", op, "outcome", ok ? "ok" : "failed").increment();
        }
    }

    private void bytes(String direction, long n) {
        if (n > 0) {
            meters.counter("zero.store.bytes", "store", store.kind(), "direction", direction).increment(n);
        }
    }

    /** Counts the bytes a reader really took, which a short or abandoned read makes less than asked. */
    private final class Counting extends FilterInputStream {
        private long read;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                read++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                read += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                bytes("down", read);
                read = 0;
            }
        }
    }
}
