package dev.zero.agent.status;

import dev.zero.agent.cache.DiskBudget;
import dev.zero.agent.cache.SpaceAccounting;
import dev.zero.agent.cache.TierCounters;
import dev.zero.agent.cache.TieredFiles;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The host's cache and tier moves in Prometheus metrics ({@code /q/metrics}), read from the counters the cache keeps anyway. */
public class TierMetrics {
    @Produces
    @Singleton
    MeterBinder tierMeters(TieredFiles tiered) {
        return registry -> bind(registry, tiered);
    }

    /** Journal records on disk that the service has not applied yet: what a dashboard watches while the service is away. */
    @Produces
    @Singleton
    MeterBinder journalMeters(dev.zero.agent.journal.JournalShipper shipper) {
        return registry -> Gauge.builder("zero.journal.backlog", shipper, s -> Math.max(0, s.status().durableSeq() - s.status().appliedSeq()))
                .description("Journal records not yet applied by the service").register(registry);
    }

    static void bind(MeterRegistry registry, TieredFiles tiered) {
        SpaceAccounting space = tiered.space();
        DiskBudget budget = tiered.budget();
        TierCounters c = tiered.counters();
        Gauge.builder("zero.cache.allocated.bytes", space, SpaceAccounting::allocatedBytes)
                .description("Bytes the backing tree occupies on disk (what the disk target limits)").register(registry);
        Gauge.builder("zero.cache.logical.bytes", space, SpaceAccounting::logicalBytes)
                .description("Logical bytes of all files of the volume, evicted ones included").register(registry);
        io.micrometer.core.instrument.Timer readWait = io.micrometer.core.instrument.Timer.builder("zero.tier.read.wait")
                .description("Time a read of an evicted file waited for its content to come back").publishPercentileHistogram()
                .register(registry);
        c.onReadWait(nanos -> readWait.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS));
        Gauge.builder("zero.cache.used.bytes", budget, DiskBudget::usedBytes)
                .description("Disk the cache uses, counting writes still open").register(registry);
        Gauge.builder("zero.cache.max.bytes", budget, b -> b.max() == null ? Double.NaN : b.max())
                .description("The hard limit writers wait at (NaN: none)").register(registry);
        Gauge.builder("zero.cache.target.bytes", budget, b -> b.target() == null ? Double.NaN : b.target())
                .description("The disk target of the volume (NaN when none is set)").register(registry);
        Gauge.builder("zero.cache.needed.bytes", budget, DiskBudget::neededBytes)
                .description("Room restores are waiting for under the disk target").register(registry);
        Gauge.builder("zero.cache.files.in.use", tiered, TieredFiles::inUse).description("Files open or being moved").register(registry);
        FunctionCounter.builder("zero.tier.uploads", c, TierCounters::uploads).description("Files uploaded and confirmed").register(registry);
        FunctionCounter.builder("zero.tier.uploaded.bytes", c, TierCounters::uploadedBytes).register(registry);
        FunctionCounter.builder("zero.tier.evictions", c, TierCounters::evictions).description("Files evicted").register(registry);
        FunctionCounter.builder("zero.tier.evicted.bytes", c, TierCounters::evictedBytes).description("Disk bytes freed by evictions")
                .register(registry);
        FunctionCounter.builder("zero.tier.restores", c, TierCounters::restores).description("Files restored whole").register(registry);
        FunctionCounter.builder("zero.tier.restored.bytes", c, TierCounters::restoredBytes).description("Bytes fetched back and verified")
                .register(registry);
        FunctionCounter.builder("zero.tier.restore.failures", c, TierCounters::restoreFailures)
                .description("Restores that failed (EIO to the reader; the file stays evicted)").register(registry);
        FunctionCounter.builder("zero.tier.corrupt", c, TierCounters::corrupt)
                .description("Chunks or files whose bytes did not match their SHA-256 (never served)").register(registry);
    }
}
