package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.MetricsSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;

/**
 * README, Observability: "regions per state (regions.PENDING, LOADING, ACTIVE, and regions.draining: evicted or
 * retired records still pinned)". A metrics snapshot taken once the eviction (or split) has completed, with a
 * snapshot still pinning the record, must count it.
 */
class DrainingMetricTest
{
    /** Deterministic: a dependent stage of the evict's future reads the metrics (INVOKER: it runs inside the cycle). */
    @Test
    void drainingCountsThePinnedEvictedRecordWhenTheEvictionCompletes() throws Exception
    {
        final RegionCacheConfig cfg = K.cfg().threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run).gcExecutor(Runnable::run).build();
        try (RegionCache cache = RegionCache.create(cfg))
        {
            final CompletableFuture<CommandResult> created = cache.createRegion(new Region(1, b("a"), b("m"), 1));
            cache.applyCycle();
            assertEquals(ResultCode.OK, created.get(1, TimeUnit.SECONDS).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            final CompletableFuture<CommandResult> evicted = cache.evict(1, EvictReason.MANUAL);
            final CompletableFuture<MetricsSnapshot> seen = evicted.thenApply(x -> cache.metrics());
            cache.applyCycle();
            assertEquals(ResultCode.OK, evicted.get(1, TimeUnit.SECONDS).code());
            final MetricsSnapshot m = seen.get(1, TimeUnit.SECONDS);
            assertEquals(1, m.get("evictions.MANUAL"), "the eviction is counted by then");
            assertEquals(0, m.get("regions.ACTIVE"), "and the region is out of the index");
            assertEquals(1, m.get("regions.draining"), "but the pinned record is not counted as draining");
            s.close();
        }
    }

    /** The host's ordinary way: wait for the future, then read the metrics (dedicated apply thread). */
    @Test
    void drainingAfterWaitingForTheEvictionAndTheSplit() throws Exception
    {
        int missedEvict = 0;
        int missedSplit = 0;
        final int rounds = 200;
        try (RegionCache cache = K.cache())
        {
            final Snapshot s = cache.newSnapshot();
            for (int i = 0; i < rounds; i++)
            {
                final long id = 10L * i;
                assertEquals(ResultCode.OK, r(cache.createRegion(new Region(id, b("a"), b("m"), 1))).code());
                assertEquals(SnapshotStatus.OK, s.open(id, 1, 1));
                assertEquals(ResultCode.OK, r(cache.split(id, 1, new byte[][] {b("g")}, new long[] {id + 1}, 2)).code());
                missedSplit += cache.metrics().get("regions.draining") == 1 ? 0 : 1;
                s.close();
                r(cache.evict(id + 1, EvictReason.MANUAL));
                assertEquals(SnapshotStatus.OK, s.open(id, 2, 1));
                assertEquals(ResultCode.OK, r(cache.evict(id, EvictReason.MANUAL)).code());
                missedEvict += cache.metrics().get("regions.draining") == 1 ? 0 : 1;
                s.close();
                // let the record drain before the next round
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (cache.metrics().get("regions.draining") != 0 && System.nanoTime() < deadline)
                {
                    r(cache.advanceSafePoint(0));
                }
            }
            s.dispose();
        }
        assertEquals("0/0", missedEvict + "/" + missedSplit,
            "of " + rounds + " evictions/splits of a pinned record, metrics read after the future completed missed " +
                "regions.draining in evictions/splits");
    }
}
