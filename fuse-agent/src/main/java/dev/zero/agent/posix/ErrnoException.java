package dev.zero.agent.posix;

import java.io.IOException;

/**
 * A failed libc call: carries the errno the backing filesystem gave, which the mount hands to
 * the kernel unchanged. Cheap to throw (no stack trace): a failing lookup is an ordinary event.
 */
public final class ErrnoException extends IOException {
    private final int errno;
    private final String op;

    public ErrnoException(int errno, String op) {
        super((String) null);
        this.errno = errno;
        this.op = op;
    }

    /** The errno of the call that just failed on this thread. */
    public static ErrnoException last(String op) {
        return new ErrnoException(Native.errno(), op);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    public int errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return op + ": errno " + errno;
    }
}
