package dev.zero.agent.fs;

/**
 * One open backing file descriptor behind a FUSE file handle. {@code dirty} is set by writes
 * (a plain volatile store, only when it changes) and cleared once per close/fsync when the
 * content change is recorded.
 */
public final class OpenFile {
    final int fd;
    final long fileId;
    volatile boolean dirty;
    private boolean closed;

    OpenFile(int fd, long fileId, boolean dirty) {
        this.fd = fd;
        this.fileId = fileId;
        this.dirty = dirty;
    }

    public int fd() {
        return fd;
    }

    public long fileId() {
        return fileId;
    }

    public boolean dirty() {
        return dirty;
    }

    /** Closes the descriptor once; later calls do nothing. */
    public synchronized void close() throws ErrnoException {
        if (closed) {
            return;
        }
        closed = true;
        if (Native.LIBC.close(fd) != 0) {
            throw ErrnoException.last("close");
        }
    }
}
