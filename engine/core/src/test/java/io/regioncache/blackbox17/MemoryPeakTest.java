package io.regioncache.blackbox17;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.MetricsSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;

/** README "Observability", {@code memory.peak} and the memory thresholds. */
class MemoryPeakTest
{
    /**
     * README: "memory.peak, the most in use at once since the engine started (exact: the charge that sets a new high
     * raises it, so a load's copy or an index generation that comes and goes between two looks at memory.used is
     * counted ...)". A compaction's copy lives beside its source only inside one duty cycle (caller-runs GC
     * executor): no look at memory.used between cycles sees both, yet the peak must hold them together.
     */
    @Test
    void aCompactionsTransientCopyRaisesThePeak() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            final WriteBatch big = new WriteBatch(1, 1, 10);
            for (int i = 0; i < 4_000; i++)
            {
                big.put(b("k" + (10_000 + i)), new byte[200]);
            }
            assertEquals(ResultCode.OK, cycle(cache, cache.write(big)).code());
            final long usedBefore = metric(cache, "memory.used");
            final long peakBefore = metric(cache, "memory.peak");
            assertTrue(usedBefore > 500_000, "a table of ~1 MB: " + usedBefore);
            assertEquals(ResultCode.OK, cycle(cache, cache.advanceSafePoint(1, 20)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
            until(cache, "the compaction swaps", () -> metric(cache, "compactions.finished") == 1);
            cache.applyCycle();
            final long usedAfter = metric(cache, "memory.used");
            final long peakAfter = metric(cache, "memory.peak");
            // Every entry is kept (one version per key): the copy is about the size of the source, and both were
            // charged at once before the swap.
            assertTrue(peakAfter > peakBefore, "peak " + peakBefore + " -> " + peakAfter);
            assertTrue(peakAfter >= usedBefore + usedAfter / 2,
                "source " + usedBefore + " and copy ~" + usedAfter + " together, peak " + peakAfter);
        }
    }

    /**
     * README: "memory.peak ... never lowered, and never above the capacity in force when it was reached": a write that
     * meets the hard cap (MEMORY_LIMIT) leaves a peak at or below the capacity.
     */
    @Test
    void thePeakStaysAtOrBelowTheCapacityWhenAWriteMeetsTheCap() throws Exception
    {
        final long cap = 1 << 18;
        try (RegionCache cache = RegionCache.create(B.invoker().capacityBytes(cap).segmentSize(1 << 12)
            .evictThresholdBytes(cap - 1).stopLoadThresholdBytes(cap - 1).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            final WriteBatch big = new WriteBatch(1, 1, 10);
            for (int i = 0; i < 4_000; i++)
            {
                big.put(b("b" + (10_000 + i)), new byte[100]);
            }
            assertEquals(ResultCode.MEMORY_LIMIT, cycle(cache, cache.write(big)).code());
            cache.applyCycle();
            final MetricsSnapshot m = cache.metrics();
            assertTrue(m.get("memory.peak") > 0);
            assertTrue(m.get("memory.peak") <= cap, "peak " + m.get("memory.peak") + " cap " + cap);
            assertEquals(1, m.get("results.MEMORY_LIMIT"));
            assertEquals(1, m.get("evictions.MEMORY_LIMIT"));
        }
    }

    /**
     * README: "memory.peak ... never lowered": neither giving memory back nor lowering the capacity below the peak
     * (updateMemoryLimits) lowers it; memory.capacity follows the update.
     */
    @Test
    void thePeakIsNeverLoweredByALowerCapacity() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            final WriteBatch big = new WriteBatch(1, 1, 10);
            for (int i = 0; i < 2_000; i++)
            {
                big.put(b("k" + (10_000 + i)), new byte[100]);
            }
            assertEquals(ResultCode.OK, cycle(cache, cache.write(big)).code());
            final long peak = metric(cache, "memory.peak");
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(0, metric(cache, "memory.used"));
            cache.updateMemoryLimits(peak / 2, peak / 4, peak / 8);
            assertEquals(peak / 2, metric(cache, "memory.capacity"));
            assertEquals(peak / 4, metric(cache, "memory.evict_threshold"));
            assertEquals(peak / 8, metric(cache, "memory.stop_load_threshold"));
            assertEquals(peak, metric(cache, "memory.peak"));
        }
    }
}
