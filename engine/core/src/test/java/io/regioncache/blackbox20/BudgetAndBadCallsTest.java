package io.regioncache.blackbox20;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.blackbox17.B;
import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** README "## Reliability": "Memory stays within the budget" and "Bad calls change nothing". */
class BudgetAndBadCallsTest
{
    /**
     * README: "loads that failed for memory back off (`loadBackoffMillis`, default 60 s) and are refused (`SKIPPED`)
     * while their estimated size ... does not fit (`loadRegionKeepCached` skips the back-off and the estimate: the
     * host insists ...)"; "Memory stays within the budget: hard cap".
     */
    @Test
    void aLoadThatFailedForMemoryIsRefusedSkippedButKeepCachedInsists() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final byte[] value = new byte[200];
        for (int i = 0; i < 20_000; i++)
        {
            store.put(b(String.format("k%07d", i)), 5, value);
        }
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).capacityBytes(1L << 20).build()))
        {
            final Region region = new Region(1, b("k"), b("l"), 1);
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(region)).code());
            until(cache, "the load fails for memory", () -> metric(cache, "loads.failed_memory") == 1);
            until(cache, "the region is gone", () -> cache.stateOf(1) == null);
            assertTrue(metric(cache, "memory.peak") <= (1L << 20), "hard cap");
            // "Evictions are accounted from every state ... load failures too"
            assertEquals(1, metric(cache, "evictions.LOAD_FAILED"));
            assertEquals(1, metric(cache, "evict.count"));
            final CommandResult again = cycle(cache, cache.loadRegion(region));
            assertEquals(ResultCode.SKIPPED, again.code(), again.toString());
            assertEquals(1, metric(cache, "loads.refused"));
            final CommandResult insist = cycle(cache, cache.loadRegionKeepCached(region));
            assertEquals(ResultCode.OK, insist.code(), insist.toString());
            until(cache, "the insisted load ends", () -> cache.stateOf(1) != RegionState.PENDING &&
                cache.stateOf(1) != RegionState.LOADING);
            assertTrue(metric(cache, "memory.peak") <= (1L << 20), "hard cap");
        }
    }

    /**
     * README: "Bad calls change nothing ... after every malformed call, every healthy region has the same state,
     * epoch and range; its reads ... match".
     */
    @Test
    void badCallsChangeNothing() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            final Region r1 = new Region(1, b("a"), b("m"), 3);
            cycle(cache, cache.createRegion(r1));
            cycle(cache, cache.createRegion(new Region(2, b("m"), b("z"), 3)));
            cycle(cache, cache.write(new WriteBatch(1, 3, 10).put(b("c"), b("1"))));
            final List<java.util.function.Supplier<CompletableFuture<CommandResult>>> bad = List.of(
                () -> cache.write(new WriteBatch(1, 3, 11).put(b("q"), b("2"))),    // key outside the region
                () -> cache.createRegion(new Region(3, b("b"), b("d"), 1)),         // overlaps region 1
                () -> cache.createRegion(new Region(2, b("0"), b("1"), 1)),         // id in use
                () -> cache.split(1, 3, new byte[][] {b("g")}, new long[] {2}, 4), // new id already used
                () -> cache.split(1, 3, new byte[][] {b("q")}, new long[] {5}, 4), // split key outside
                () -> cache.write(new WriteBatch(1, 3, 10).put(b("c"), b("3"))),    // version not above the last
                () -> cache.deleteRange(b("m"), b("c")),                            // inverted
                () -> cache.evictRange(b("m"), b("c"), EvictReason.MANUAL));        // inverted
            for (int i = 0; i < bad.size(); i++)
            {
                final CommandResult r = cycle(cache, bad.get(i).get());
                assertNotEquals(ResultCode.OK, r.code(), r.toString());
                assertEquals(RegionState.ACTIVE, cache.stateOf(1), r.toString());
                assertEquals(RegionState.ACTIVE, cache.stateOf(2), r.toString());
                assertTrue(cache.region(1).sameRange(r1), r.toString());
                assertEquals(3, cache.region(1).epochVersion(), r.toString());
                assertEquals(3, cache.region(2).epochVersion(), r.toString());
                try (Snapshot s = cache.snapshot(1, 3, 100))
                {
                    assertArrayEquals(b("1"), s.get(b("c")), r.toString());
                }
            }
            assertEquals(0, metric(cache, "evictions.MANUAL") + metric(cache, "evict.count"));
        }
    }

    /**
     * README: "`loadRegionKeepCached` skips the back-off and the estimate: the host insists; the stop-load threshold
     * still holds for it".
     */
    @Test
    void theStopLoadThresholdStillHoldsForKeepCached() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("p"), 5, b("y"));
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store)
            .evictThresholdBytes(2048).stopLoadThresholdBytes(1024).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), new byte[900]).put(b("d"), new byte[900])));
            assertTrue(cache.memoryInUse() >= 1024, "above the stop-load threshold: " + cache.memoryInUse());
            final CommandResult r = cycle(cache, cache.loadRegionKeepCached(new Region(2, b("m"), b("z"), 1)));
            assertEquals(ResultCode.SKIPPED, r.code(), r.toString());
            assertEquals(null, cache.stateOf(2));
        }
    }
}
