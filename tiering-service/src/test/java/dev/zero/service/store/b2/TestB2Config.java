package dev.zero.service.store.b2;

import dev.zero.service.config.ServiceConfig;
import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The b2 store's settings for tests: an emulator's URL and keys, small cut-offs, quick retries. */
record TestB2Config(String url, String accountId_, String applicationKey_, String bucketId_, long cutoff, Path spool, String sse,
        String testMode_, long piece, boolean insecure) implements ServiceConfig.B2 {

    TestB2Config(String url, String accountId, String key, String bucketId, Path spool) {
        this(url, accountId, key, bucketId, 2_000_000, spool, "none", null, 16 << 20, true);
    }

    TestB2Config withKey(String key) {
        return new TestB2Config(url, accountId_, key, bucketId_, cutoff, spool, sse, testMode_, piece, insecure);
    }

    TestB2Config withSse(String mode) {
        return new TestB2Config(url, accountId_, applicationKey_, bucketId_, cutoff, spool, mode, testMode_, piece, insecure);
    }

    TestB2Config withPiece(long bytes) {
        return new TestB2Config(url, accountId_, applicationKey_, bucketId_, cutoff, spool, sse, testMode_, bytes, insecure);
    }

    TestB2Config strict() {
        return new TestB2Config(url, accountId_, applicationKey_, bucketId_, cutoff, spool, sse, testMode_, piece, false);
    }

    @Override
    public Optional<String> accountId() {
        return Optional.of(accountId_);
    }

    @Override
    public Optional<String> applicationKey() {
        return Optional.of(applicationKey_);
    }

    @Override
    public Optional<String> bucketId() {
        return Optional.of(bucketId_);
    }

    @Override
    public Optional<String> namePrefix() {
        return Optional.of("zero-test/");
    }

    @Override
    public boolean allowInsecureHttp() {
        return insecure;
    }

    @Override
    public MemorySize largeFileCutoff() {
        return new MemorySize(BigInteger.valueOf(cutoff));
    }

    @Override
    public int uploadThreads() {
        return 3;
    }

    @Override
    public int maxAttempts() {
        return 8;
    }

    @Override
    public Duration maxBackoff() {
        return Duration.ofSeconds(2);
    }

    @Override
    public MemorySize downloadPiece() {
        return new MemorySize(BigInteger.valueOf(piece));
    }

    @Override
    public String serverSideEncryption() {
        return sse;
    }

    @Override
    public Optional<String> testMode() {
        return Optional.ofNullable(testMode_);
    }

    @Override
    public Optional<Path> spoolDir() {
        return Optional.of(spool);
    }

    @Override
    public ServiceConfig.Prices prices() {
        return new ServiceConfig.Prices() {
            @Override
            public double storageGbMonth() {
                return 0.006;
            }

            @Override
            public double downloadGb() {
                return 0.01;
            }

            @Override
            public double classBPerTenThousand() {
                return 0.004;
            }

            @Override
            public double classCPerTenThousand() {
                return 0.04;
            }
        };
    }
}
