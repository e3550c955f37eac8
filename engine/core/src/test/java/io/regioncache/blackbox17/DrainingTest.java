package io.regioncache.blackbox17;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * README "Observability": "{@code regions.draining}: evicted or retired records still pinned, counted by the time
 * the evict, split or other command that took the record out completes its future, and until the duty cycle that
 * finds its pins drained".
 */
class DrainingTest
{
    private static Snapshot pin(final RegionCache cache, final long id)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(id, 1, 100));
        return s;
    }

    private static void create(final RegionCache cache, final long id, final String start, final String end)
        throws Exception
    {
        assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(id, b(start), b(end), 1))).code());
        assertEquals(ResultCode.OK,
            cycle(cache, cache.write(new WriteBatch(id, 1, 10).put(b(start + "1"), b("v")))).code());
    }

    /**
     * README: "regions.draining ... counted by the time the evict, split or other command that took the record out
     * completes its future": an evictRange over three pinned regions counts three when its future completes.
     */
    @Test
    void evictRangeOfThreePinnedRegionsCountsThreeAtCompletion() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            create(cache, 1, "a", "c");
            create(cache, 2, "c", "e");
            create(cache, 3, "e", "g");
            final Snapshot s1 = pin(cache, 1);
            final Snapshot s2 = pin(cache, 2);
            final Snapshot s3 = pin(cache, 3);
            assertEquals(ResultCode.OK, cycle(cache, cache.evictRange(b("a"), b("g"), EvictReason.MANUAL)).code());
            assertEquals(3, metric(cache, "regions.draining"));
            assertEquals(0, metric(cache, "regions.ACTIVE"));
            s1.close();
            s2.close();
            s3.close();
            until(cache, "drained", () -> metric(cache, "regions.draining") == 0);
        }
    }

    /**
     * README: "regions.draining: evicted or retired records still pinned": setEnabled(false) evicts every region;
     * only the two pinned ones are counted, from the moment its future completes.
     */
    @Test
    void disableCountsOnlyThePinnedRegions() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            create(cache, 1, "a", "c");
            create(cache, 2, "c", "e");
            create(cache, 3, "e", "g");
            final Snapshot s1 = pin(cache, 1);
            final Snapshot s3 = pin(cache, 3);
            assertEquals(ResultCode.OK, cycle(cache, cache.setEnabled(false)).code());
            assertEquals(2, metric(cache, "regions.draining"));
            s1.close();
            s3.close();
            until(cache, "drained", () -> metric(cache, "regions.draining") == 0);
        }
    }

    /** README: "evicted or retired records still pinned": an unpinned evicted record is never counted. */
    @Test
    void anUnpinnedEvictionIsNotCounted() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            create(cache, 1, "a", "c");
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(0, metric(cache, "regions.draining"));
            assertEquals(0, metric(cache, "regions.ACTIVE"));
        }
    }

    /**
     * README: "... and until the duty cycle that finds its pins drained": closing the last pin does not by itself
     * uncount the record; the next duty cycle does.
     */
    @Test
    void aClosedPinStaysCountedUntilTheNextDutyCycle() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            create(cache, 1, "a", "c");
            final Snapshot s = pin(cache, 1);
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(1, metric(cache, "regions.draining"));
            s.close();
            assertEquals(1, metric(cache, "regions.draining"), "no duty cycle has run since the pin went");
            cache.applyCycle();
            assertEquals(0, metric(cache, "regions.draining"));
        }
    }

    /** README: "... the evict, split or other command that took the record out": a split's retired pinned parent. */
    @Test
    void aSplitOfAPinnedRegionCountsItsRetiredParent() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            create(cache, 1, "a", "m");
            final Snapshot s = pin(cache, 1);
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code());
            assertEquals(1, metric(cache, "regions.draining"));
            assertEquals(2, metric(cache, "regions.ACTIVE"));
            s.close();
            cache.applyCycle();
            assertEquals(0, metric(cache, "regions.draining"));
        }
    }

    /** README: "... or other command that took the record out": commitMerge evicts both pinned sides. */
    @Test
    void commitMergeOfTwoPinnedRegionsCountsBoth() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            create(cache, 1, "a", "c");
            create(cache, 2, "c", "e");
            final Snapshot s1 = pin(cache, 1);
            final Snapshot s2 = pin(cache, 2);
            assertEquals(ResultCode.OK, cycle(cache, cache.commitMerge(1, 2)).code());
            assertEquals(2, metric(cache, "regions.draining"));
            s1.close();
            s2.close();
            cache.applyCycle();
            assertEquals(0, metric(cache, "regions.draining"));
        }
    }

    /**
     * README: "regions.draining: evicted or retired records still pinned": a compaction swaps in a successor and
     * retires the pinned source, which is counted once the swap is made.
     */
    @Test
    void aCompactionRetiringAPinnedSourceCountsIt() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            create(cache, 1, "a", "m");
            assertEquals(ResultCode.OK, cycle(cache, cache.write(new WriteBatch(1, 1, 11).put(b("a1"), b("w")))).code());
            final Snapshot s = pin(cache, 1);
            assertEquals(ResultCode.OK, cycle(cache, cache.advanceSafePoint(1, 50)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
            until(cache, "the compaction swaps", () -> metric(cache, "compactions.finished") == 1);
            assertEquals(1, metric(cache, "regions.draining"));
            assertEquals(1, metric(cache, "regions.ACTIVE"));
            s.close();
            cache.applyCycle();
            assertEquals(0, metric(cache, "regions.draining"));
        }
    }
}
