package dev.zero.agent.mount;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The one owner of open handles. A handle is {@code generation << 32 | slot}: lookups are an
 * array read (no boxing, no hashing on the read/write path), and a stale handle (released slot
 * reused since) is refused with {@link ClosedChannelException}, i.e. EBADF.
 */
public final class HandleTable<T> {
    /** Closes one value when the table is drained. */
    @FunctionalInterface
    public interface Closer<T> {
        void close(T value) throws IOException;
    }

    private record Entry<T>(int generation, T value) {
    }

    private final Object lock = new Object();
    private volatile AtomicReferenceArray<Entry<T>> slots = new AtomicReferenceArray<>(64);
    private int[] free = new int[64];
    private int freeCount;
    private int used;
    private int generation;

    public long add(T value) {
        synchronized (lock) {
            int slot;
            if (freeCount > 0) {
                slot = free[--freeCount];
            } else {
                if (used == slots.length()) {
                    AtomicReferenceArray<Entry<T>> bigger = new AtomicReferenceArray<>(used * 2);
                    for (int i = 0; i < used; i++) {
                        bigger.set(i, slots.get(i));
                    }
                    slots = bigger;
                }
                slot = used++;
            }
            int gen = ++generation & 0x7fffffff;
            slots.set(slot, new Entry<>(gen, value));
            return ((long) gen << 32) | slot;
        }
    }

    public T get(long handle) throws ClosedChannelException {
        int slot = (int) handle;
        AtomicReferenceArray<Entry<T>> current = slots;
        if (slot < 0 || slot >= current.length()) {
            throw new ClosedChannelException();
        }
        Entry<T> e = current.get(slot);
        if (e == null || e.generation != (int) (handle >>> 32)) {
            throw new ClosedChannelException();
        }
        return e.value;
    }

    public T remove(long handle) throws ClosedChannelException {
        synchronized (lock) {
            T value = get(handle);
            int slot = (int) handle;
            slots.set(slot, null);
            if (freeCount == free.length) {
                free = java.util.Arrays.copyOf(free, free.length * 2);
            }
            free[freeCount++] = slot;
            return value;
        }
    }

    public int size() {
        synchronized (lock) {
            return used - freeCount;
        }
    }

    /** Removes and closes every value; failures are collected, the first thrown with the others suppressed. */
    public void closeAll(Closer<T> closer) throws IOException {
        List<T> values = new ArrayList<>();
        synchronized (lock) {
            for (int i = 0; i < used; i++) {
                Entry<T> e = slots.get(i);
                if (e != null) {
                    values.add(e.value);
                    slots.set(i, null);
                }
            }
            freeCount = 0;
            used = 0;
        }
        IOException failure = null;
        for (T value : values) {
            try {
                closer.close(value);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
