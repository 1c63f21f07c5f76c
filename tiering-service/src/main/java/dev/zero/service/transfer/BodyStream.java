package dev.zero.service.transfer;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request body as a blocking InputStream for a worker thread, fed by the event loop with
 * bounded buffering: the request is paused while more than {@link #HIGH} bytes wait, and
 * resumed once the reader has taken them down to {@link #LOW}. The reader takes whole network
 * buffers at a time, so a fast upload costs one hand-over per many kilobytes, not per buffer.
 */
final class BodyStream extends InputStream {
    static final int HIGH = 8 << 20;
    static final int LOW = 2 << 20;

    private final HttpServerRequest request;
    private final Context context;
    private final long idleMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private long queued;
    private boolean ended;
    private boolean paused = true;
    private boolean started;
    private Throwable failure;
    private Buffer current;
    private int position;

    /** The request must be paused; it is resumed by the first read. */
    BodyStream(HttpServerRequest request, Context context, long idleMillis) {
        this.request = request;
        this.context = context;
        this.idleMillis = idleMillis;
        request.handler(this::onData);
        request.endHandler(v -> onEnd(null));
        request.exceptionHandler(this::onEnd);
    }

    /** Whether any of the body was asked for (if not, the connection must be closed after the answer). */
    boolean started() {
        return started;
    }

    private void onData(Buffer buffer) {
        lock.lock();
        try {
            queue.add(buffer);
            queued += buffer.length();
            if (queued > HIGH && !paused) {
                paused = true;
                request.pause();
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void onEnd(Throwable error) {
        lock.lock();
        try {
            ended = true;
            if (error != null && failure == null) {
                failure = error;
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (current == null || position >= current.length()) {
            current = next();
            position = 0;
            if (current == null) {
                return -1;
            }
        }
        int n = Math.min(len, current.length() - position);
        current.getBytes(position, position + n, b, off);
        position += n;
        return n;
    }

    private Buffer next() throws IOException {
        lock.lock();
        try {
            if (!started) {
                started = true;
                resume();
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(idleMillis);
            while (queue.isEmpty()) {
                if (failure != null) {
                    throw new IOException("the upload was cut off: " + failure.getMessage(), failure);
                }
                if (ended) {
                    return null;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("the uploader sent nothing for " + idleMillis + " ms");
                }
                arrived.awaitNanos(left);
            }
            Buffer next = queue.poll();
            queued -= next.length();
            if (paused && queued < LOW && !ended) {
                resume();
            }
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the upload");
        } finally {
            lock.unlock();
        }
    }

    private void resume() {
        paused = false;
        context.runOnContext(v -> request.resume());
    }
}
