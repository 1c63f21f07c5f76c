package dev.zero.agent.fs;

import dev.zero.agent.cache.TieredFile;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;

/**
 * One open backing file descriptor behind a FUSE file handle, and the {@link TieredFile} it
 * shares with every other handle of the file. {@code dirty} is set by the handle's first write
 * (after the tier state recorded it) and cleared when the handle's writes are settled.
 */
public final class OpenFile {
    final int fd;
    final TieredFile tiered;
    volatile boolean dirty;
    /** The kernel writes the file itself (passthrough): see {@link FileOps#writesBypass}. */
    volatile boolean bypassed;
    /** A bypassed handle's file as the handle last saw it: when its writes began or were last settled. */
    volatile Written seenAs;

    /**
     * What a write moves of a file: size and mtime (not ctime, which the agent's own link,
     * rename and attribute changes move too).
     */
    record Written(long size, Stat.Timespec mtime) {
    }
    /** Bytes written through this handle since its file's space was last counted. */
    final java.util.concurrent.atomic.AtomicLong uncounted = new java.util.concurrent.atomic.AtomicLong();
    private boolean closed;

    OpenFile(int fd, TieredFile tiered) {
        this.fd = fd;
        this.tiered = tiered;
    }

    public int fd() {
        return fd;
    }

    public long fileId() {
        return tiered.fileId();
    }

    public TieredFile tiered() {
        return tiered;
    }

    public boolean dirty() {
        return dirty;
    }

    /** Closes the descriptor once; later calls do nothing. */
    synchronized void closeFd() throws ErrnoException {
        if (closed) {
            return;
        }
        closed = true;
        if (Native.LIBC.close(fd) != 0) {
            throw ErrnoException.last("close");
        }
    }
}
