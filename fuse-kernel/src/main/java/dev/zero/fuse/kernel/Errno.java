package dev.zero.fuse.kernel;

/** A call failed with {@code errno}: what the kernel is answered with (as its negative). */
public final class Errno extends Exception {
    public final int errno;

    public Errno(String call, int errno) {
        super(call + ": errno " + errno, null, false, false);
        this.errno = errno;
    }
}
