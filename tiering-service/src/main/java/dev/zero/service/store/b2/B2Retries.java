package dev.zero.service.store.b2;

import com.backblaze.b2.client.B2RetryPolicy;
import com.backblaze.b2.client.exceptions.B2Exception;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Backblaze's retry rules on top of the SDK's retryer (which re-authorises on 401 and takes a
 * fresh upload URL after a failed upload): exponential back-off with full jitter, bounded in
 * attempts and delay, and a 429's Retry-After honoured as given. One instance per call.
 * Retries are counted ({@code zero.b2.retries{operation,status}}) so an operator sees them.
 */
final class B2Retries implements B2RetryPolicy {
    private static final Logger LOG = Logger.getLogger(B2Retries.class);

    private final int maxAttempts;
    private final Duration maxBackoff;
    private final MeterRegistry meters;

    B2Retries(int maxAttempts, Duration maxBackoff, MeterRegistry meters) {
        this.maxAttempts = maxAttempts;
        this.maxBackoff = maxBackoff;
        this.meters = meters;
    }

    @Override
    public Integer gotRetryableAfterDelay(String operation, int attemptsSoFar, long ageInMillis, B2Exception e) {
        if (attemptsSoFar >= maxAttempts) {
            return null;
        }
        count(operation, e);
        Integer retryAfter = e.getRetryAfterSecondsOrNull();
        if (retryAfter != null) {
            return retryAfter;
        }
        long ceiling = Math.min(maxBackoff.toSeconds(), 1L << Math.min(attemptsSoFar, 20));
        // full jitter: replicas that failed together do not come back together
        int delay = (int) ThreadLocalRandom.current().nextLong(1, Math.max(2, ceiling + 1));
        LOG.debugf("B2 %s failed (%d %s), attempt %d; again in %d s", operation, e.getStatus(), e.getCode(), attemptsSoFar, delay);
        return delay;
    }

    @Override
    public boolean gotRetryableImmediately(String operation, int attemptsSoFar, long ageInMillis, B2Exception e) {
        if (attemptsSoFar >= maxAttempts) {
            return false;
        }
        count(operation, e);
        return true;
    }

    @Override
    public void gotUnretryable(String operation, int attemptsSoFar, long ageInMillis, B2Exception e) {
        meters.counter("zero.b2.failures", "operation", operation, "status", String.valueOf(e.getStatus())).increment();
    }

    private void count(String operation, B2Exception e) {
        meters.counter("zero.b2.retries", "operation", operation, "status", String.valueOf(e.getStatus())).increment();
    }
}
