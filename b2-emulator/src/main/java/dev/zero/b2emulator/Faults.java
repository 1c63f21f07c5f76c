package dev.zero.b2emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fault control for one emulator, from a test: failures of chosen calls (the next N, or at random at
 * a rate), slow calls, connections cut in the middle of a download or an upload, and token expiry.
 * Every method returns this, so a test can chain them; {@link #clear()} removes every fault.
 *
 * <p>An API is named as B2 names it ({@code "b2_upload_file"}, {@code "b2_upload_part"},
 * {@code "b2_download_file_by_name"}, ...) or {@link #ALL}. A failure is answered as B2 answers it:
 * the JSON error body, Retry-After on 429, and an upload URL refused with a 5xx or 408 is dead
 * afterwards (401 expired_auth_token), so the client has to fetch a new one.
 *
 * <p>The {@code X-Bz-Test-Mode} request header works as on B2 as well; {@link #testMode(String)} applies
 * one to every request, and {@link #testModeRate(double)} sets how often its random failures happen.
 */
public final class Faults {

    /** Matches every API. */
    public static final String ALL = "*";

    public static final String FAIL_SOME_UPLOADS = "fail_some_uploads";
    public static final String EXPIRE_SOME_ACCOUNT_AUTHORIZATION_TOKENS = "expire_some_account_authorization_tokens";
    public static final String FORCE_CAP_EXCEEDED = "force_cap_exceeded";

    private record Failure(String api, int status, String code, int retryAfterSeconds) {
        boolean matches(String name) {
            return api.equals(ALL) || api.equals(name);
        }
    }

    private record Rate(String api, TransactionClass cls, double probability, int status) {
        boolean matches(String name) {
            return cls != null ? TransactionClass.of(name) == cls : api.equals(ALL) || api.equals(name);
        }
    }

    private final Tokens tokens;
    private final List<Failure> queued = new ArrayList<>();
    private final List<Rate> rates = new ArrayList<>();
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();
    private final List<Long> downloadCuts = new ArrayList<>();
    private final List<Long> uploadCuts = new ArrayList<>();
    private Random random = new Random();
    private volatile String testMode;
    private volatile double testModeRate = 0.25;

    Faults(Tokens tokens) {
        this.tokens = tokens;
    }

    /** The next {@code times} calls of {@code api} fail with {@code status} and B2's code for it. */
    public Faults failNext(String api, int times, int status) {
        return failNext(api, times, status, B2Error.defaultCode(status));
    }

    /** The next {@code times} calls of {@code api} fail with {@code status} and {@code code}. */
    public synchronized Faults failNext(String api, int times, int status, String code) {
        for (int i = 0; i < times; i++) {
            queued.add(new Failure(api, status, code, status == 429 || status == 503 ? 1 : -1));
        }
        return this;
    }

    /** The next {@code times} calls of {@code api} get 429 too_many_requests with {@code Retry-After}. */
    public synchronized Faults throttleNext(String api, int times, int retryAfterSeconds) {
        for (int i = 0; i < times; i++) {
            queued.add(new Failure(api, 429, "too_many_requests", retryAfterSeconds));
        }
        return this;
    }

    /** Each call of {@code api} fails with {@code status} with this probability (0 removes the rate). */
    public synchronized Faults failRate(String api, double probability, int status) {
        rates.removeIf(r -> r.cls == null && r.api.equals(api));
        if (probability > 0) {
            rates.add(new Rate(api, null, probability, status));
        }
        return this;
    }

    /** Each call billed as {@code cls} fails with {@code status} with this probability (0 removes the rate). */
    public synchronized Faults failRate(TransactionClass cls, double probability, int status) {
        rates.removeIf(r -> r.cls == cls);
        if (probability > 0) {
            rates.add(new Rate(null, cls, probability, status));
        }
        return this;
    }

    /** Calls of {@code api} are answered only after {@code delay} (zero removes it). */
    public Faults delay(String api, Duration delay) {
        if (delay.isZero()) {
            delays.remove(api);
        } else {
            delays.put(api, delay);
        }
        return this;
    }

    /** The next {@code times} downloads send {@code afterBytes} bytes of the body, then drop the connection. */
    public synchronized Faults cutDownloads(int times, long afterBytes) {
        for (int i = 0; i < times; i++) {
            downloadCuts.add(afterBytes);
        }
        return this;
    }

    /** The next {@code times} uploads (file or part) read {@code afterBytes} bytes, then drop the connection unanswered. */
    public synchronized Faults cutUploads(int times, long afterBytes) {
        for (int i = 0; i < times; i++) {
            uploadCuts.add(afterBytes);
        }
        return this;
    }

    /** Every token issued so far is expired: the next call with one gets 401 expired_auth_token. */
    public Faults expireAllTokens() {
        tokens.expireAll();
        return this;
    }

    /** Every token, issued before or after, expires {@code lifetime} after it was issued; null ends this. */
    public Faults expireTokensAfter(Duration lifetime) {
        tokens.expireAfter(lifetime);
        return this;
    }

    /** Act as if every request carried {@code X-Bz-Test-Mode: mode}; null ends this. */
    public Faults testMode(String mode) {
        this.testMode = mode;
        return this;
    }

    /** How often the random failures of the X-Bz-Test-Mode modes happen (default 0.25). */
    public Faults testModeRate(double probability) {
        this.testModeRate = probability;
        return this;
    }

    /** Seeds the random choices (failure rates, test modes), for reproducible runs. */
    public synchronized Faults seed(long seed) {
        random = new Random(seed);
        return this;
    }

    /** Removes every fault (not token expiry already done). */
    public synchronized Faults clear() {
        queued.clear();
        rates.clear();
        delays.clear();
        downloadCuts.clear();
        uploadCuts.clear();
        testMode = null;
        tokens.expireAfter(null);
        return this;
    }

    // ---- used by the router ----

    Duration delayFor(String api) {
        Duration d = delays.get(api);
        return d != null ? d : delays.get(ALL);
    }

    /** The failure to answer this call of {@code api} with, if any; consumes a queued one. */
    synchronized B2Error failureFor(String api) {
        for (int i = 0; i < queued.size(); i++) {
            Failure f = queued.get(i);
            if (f.matches(api)) {
                queued.remove(i);
                return error(f.status, f.code, f.retryAfterSeconds);
            }
        }
        for (Rate r : rates) {
            if (r.matches(api) && random.nextDouble() < r.probability) {
                return error(r.status, B2Error.defaultCode(r.status), r.status == 429 || r.status == 503 ? 1 : -1);
            }
        }
        return null;
    }

    synchronized long nextDownloadCut() {
        return downloadCuts.isEmpty() ? -1 : downloadCuts.remove(0);
    }

    synchronized long nextUploadCut() {
        return uploadCuts.isEmpty() ? -1 : uploadCuts.remove(0);
    }

    /** True with the test-mode probability. */
    synchronized boolean testModeHits() {
        return random.nextDouble() < testModeRate;
    }

    String globalTestMode() {
        return testMode;
    }

    private static B2Error error(int status, String code, int retryAfterSeconds) {
        B2Error e = new B2Error(status, code, "fault injected by the emulator");
        if (retryAfterSeconds >= 0) {
            e.header("Retry-After", Integer.toString(retryAfterSeconds));
        }
        return e;
    }
}
