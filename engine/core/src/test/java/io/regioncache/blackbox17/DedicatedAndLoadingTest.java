package io.regioncache.blackbox17;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** README "Observability" on the dedicated apply thread, and an eviction that cancels a load. */
class DedicatedAndLoadingTest
{
    /**
     * README: "regions.draining: evicted or retired records still pinned, counted by the time the evict, split or
     * other command that took the record out completes its future": on the dedicated apply thread, a host thread
     * that waited for the future reads it at once, for an evict and for a split.
     */
    @Test
    void drainingIsVisibleToTheThreadThatWaitedForTheFuture() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker()
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD).build()))
        {
            assertEquals(ResultCode.OK,
                cache.createRegion(new Region(1, b("a"), b("m"), 1)).get(10, TimeUnit.SECONDS).code());
            assertEquals(ResultCode.OK,
                cache.createRegion(new Region(3, b("m"), b("z"), 1)).get(10, TimeUnit.SECONDS).code());
            assertEquals(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v")))
                .get(10, TimeUnit.SECONDS).code());
            final Snapshot s1 = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s1.open(1, 1, 10));
            final Snapshot s3 = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s3.open(3, 1, 10));
            assertEquals(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)
                .get(10, TimeUnit.SECONDS).code());
            assertEquals(1, cache.metrics().get("regions.draining"), "the split's pinned parent");
            assertEquals(ResultCode.OK, cache.evict(3, EvictReason.MANUAL).get(10, TimeUnit.SECONDS).code());
            assertEquals(2, cache.metrics().get("regions.draining"), "and the evicted pinned region");
            s1.close();
            s3.close();
        }
    }

    /**
     * README "How it works": "An eviction cancels the load (LOADING_CANCELED -> EVICTING)", and "Observability":
     * "regions per state", "evictions per reason", "load / evict / compaction durations": the canceled record leaves
     * regions.LOADING at once, is no pinned record (regions.draining 0), and its eviction is timed when the loader
     * lets go.
     */
    @Test
    void anEvictionThatCancelsALoad() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        final B.Held loader = new B.Held();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            until(cache, "loading", () -> cache.stateOf(1) == RegionState.LOADING);
            assertEquals(1, metric(cache, "regions.LOADING"));
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(0, metric(cache, "regions.LOADING"));
            assertEquals(0, metric(cache, "regions.draining"));
            assertEquals(1, metric(cache, "evictions.MANUAL"));
            assertEquals(1, metric(cache, "transitions.made.LOADING->LOADING_CANCELED"));
            assertEquals(0, metric(cache, "evict.count"), "not done while the loader holds the job");
            assertNull(cache.stateOf(1));
            loader.runAll();
            until(cache, "the eviction is done", () -> metric(cache, "evict.count") == 1);
            assertEquals(1, metric(cache, "transitions.made.LOADING_CANCELED->EVICTING"));
            assertEquals(1, metric(cache, "transitions.made.EVICTING->GONE"));
            assertEquals(1, metric(cache, "loads.canceled"));
            assertEquals(0, metric(cache, "loads.finished"));
            assertEquals(0, metric(cache, "load.count"));
            assertEquals(0, metric(cache, "memory.used"));
        }
    }
}
