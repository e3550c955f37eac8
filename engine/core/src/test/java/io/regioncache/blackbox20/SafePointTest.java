package io.regioncache.blackbox20;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.regioncache.blackbox17.B;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README "## Reliability": "A region's safe point survives eviction and reload | kept per region while above the
 * global one | ... (after a reload, an eviction while loading, a re-creation, an epoch drift, and for a split's
 * child)".
 */
class SafePointTest
{
    private static InMemoryBackingStore store()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        store.put(b("p"), 5, b("y"));
        return store;
    }

    private static void assertFloor(final RegionCache cache, final long id, final long epoch, final long floor)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(id, epoch, floor), "at the safe point");
        assertEquals(SnapshotStatus.OK, s.open(id, epoch, floor + 1), "just above it");
        s.close();
        s.dispose();
    }

    /** README: "... a re-creation". */
    @Test
    void survivesARecreation() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.advanceSafePoint(1, 50));
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            until(cache, "gone", () -> cache.stateOf(1) == null);
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            assertFloor(cache, 1, 1, 50);
        }
    }

    /** README: "... an eviction while loading". */
    @Test
    void survivesAnEvictionWhileLoading() throws Exception
    {
        final B.Held loader = new B.Held();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).loaderExecutor(loader).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.advanceSafePoint(1, 50));
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            until(cache, "gone", () -> cache.stateOf(1) == null);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            until(cache, "loading", () -> cache.stateOf(1) == RegionState.LOADING);
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            loader.runAll();
            until(cache, "gone", () -> cache.stateOf(1) == null);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            loader.runAll();
            until(cache, "active", () -> cache.stateOf(1) == RegionState.ACTIVE);
            assertFloor(cache, 1, 1, 50);
        }
    }

    /** README: "... an epoch drift". */
    @Test
    void survivesAnEpochDrift() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.advanceSafePoint(1, 50));
            assertEquals(ResultCode.EPOCH_DRIFT,
                cycle(cache, cache.write(new WriteBatch(1, 2, 60).put(b("c"), b("1")))).code());
            until(cache, "gone", () -> cache.stateOf(1) == null);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 2)));
            until(cache, "active", () -> cache.stateOf(1) == RegionState.ACTIVE);
            assertFloor(cache, 1, 2, 50);
        }
    }

    /** README: "... and for a split's child". */
    @Test
    void aSplitChildKeepsTheSafePoint() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1")).put(b("p"), b("2"))));
            cycle(cache, cache.advanceSafePoint(1, 50));
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code());
            assertFloor(cache, 1, 2, 50);
            assertFloor(cache, 2, 2, 50);
        }
    }

    /** README: "kept per region while above the global one": a global safe point above it governs. */
    @Test
    void theGlobalSafePointGovernsOnceAbove() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.advanceSafePoint(1, 50));
            cycle(cache, cache.advanceSafePoint(80));
            assertFloor(cache, 1, 1, 80);
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            until(cache, "gone", () -> cache.stateOf(1) == null);
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            assertFloor(cache, 1, 1, 80);
        }
    }
}
