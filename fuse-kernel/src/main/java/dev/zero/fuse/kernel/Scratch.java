package dev.zero.fuse.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Per-thread buffers for the calls a handler makes (a request is served on one thread). */
final class Scratch {
    static final int STAT_SIZE = 144, STATFS_SIZE = 120;
    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    final Arena arena = Arena.ofAuto();
    final MemorySegment stat = arena.allocate(STAT_SIZE, 8);
    final MemorySegment stat2 = arena.allocate(STAT_SIZE, 8);
    final MemorySegment statfs = arena.allocate(STATFS_SIZE, 8);
    final MemorySegment times = arena.allocate(32, 8);
    final MemorySegment backing = arena.allocate(16, 8);
    final MemorySegment empty = arena.allocate(1);
    final MemorySegment path = arena.allocate(64);
    final MemorySegment name = arena.allocate(256); // NAME_MAX + 1

    static Scratch get() {
        return CURRENT.get();
    }

    /** "/proc/self/fd/N": opens, chmods and truncates through a node's O_PATH descriptor. */
    MemorySegment procPath(int fd) {
        path.setString(0, "/proc/self/fd/" + fd);
        return path;
    }
}
