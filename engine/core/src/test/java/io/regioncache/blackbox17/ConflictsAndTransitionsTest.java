package io.regioncache.blackbox17;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** README "Observability" (transitions, conflicts) and "How it works" ("Every move made or refused is counted"). */
class ConflictsAndTransitionsTest
{
    private static void assertNoPerMoveRefusal(final RegionCache cache)
    {
        for (final String k : cache.metrics().values().keySet())
        {
            assertTrue(!k.startsWith("transitions.refused."), "a per-move refusal key appeared: " + k);
        }
    }

    /**
     * README "How it works": "A command that finds its region in a state it cannot act on attempts no move and answers
     * STATE_CONFLICT: that is counted in conflicts and logged at WARN, not as a refused move." (here, a split whose
     * sender expected another state)
     */
    @Test
    void aConflictIsCountedInConflictsNotAsARefusedMove() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            assertEquals(ResultCode.STATE_CONFLICT, cycle(cache,
                cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2, RegionState.LOADING)).code());
            assertEquals(1, metric(cache, "conflicts"));
            assertEquals(0, metric(cache, "transitions.refused"));
            assertEquals(1, metric(cache, "results.STATE_CONFLICT"));
            assertNoPerMoveRefusal(cache);
        }
    }

    /**
     * README: "conflicts" and the TiKV table: "a split or write at a newer epoch on a non-PENDING region is
     * EPOCH_DRIFT: evicted, counted, logged once". One conflict, one EPOCH_DRIFT eviction and result, no refused move.
     */
    @Test
    void anEpochDriftIsOneConflictAndOneEviction() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            assertEquals(ResultCode.EPOCH_DRIFT,
                cycle(cache, cache.write(new WriteBatch(1, 5, 10).put(b("c"), b("v")))).code());
            final Map<String, Number> m = cache.metrics().values();
            assertEquals(1L, m.get("conflicts").longValue());
            assertEquals(1L, m.get("evictions.EPOCH_DRIFT").longValue());
            assertEquals(1L, m.get("results.EPOCH_DRIFT").longValue());
            assertEquals(0L, m.get("transitions.refused").longValue());
            assertEquals(1L, m.get("transitions.made.ACTIVE->EVICTING").longValue());
            assertEquals(1L, m.get("transitions.made.EVICTING->GONE").longValue());
        }
    }

    /**
     * README: "transitions (made: transitions.made.FROM->TO, a key per legal move, zero included, NEW for a record's
     * first state ...)": the pieces of a split of a LOADING region are created LOADING (NEW->LOADING), the source
     * retired (LOADING->RETIRED, then RETIRED->GONE).
     */
    @Test
    void aSplitOfALoadingRegionCountsNewToLoading() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        store.put(b("p"), 5, b("y"));
        final B.Held loader = new B.Held();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1))).code());
            until(cache, "loading", () -> cache.stateOf(1) == RegionState.LOADING);
            assertEquals(1, metric(cache, "transitions.made.NEW->PENDING"));
            assertEquals(1, metric(cache, "transitions.made.PENDING->LOADING"));
            assertEquals(0, metric(cache, "transitions.made.NEW->LOADING"));
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code());
            assertEquals(2, metric(cache, "transitions.made.NEW->LOADING"));
            assertEquals(1, metric(cache, "transitions.made.LOADING->RETIRED"));
            assertEquals(2, metric(cache, "regions.LOADING"));
            loader.runAll();
            until(cache, "both pieces load", () ->
                cache.stateOf(1) == RegionState.ACTIVE && cache.stateOf(2) == RegionState.ACTIVE);
            cache.applyCycle();
            assertEquals(2, metric(cache, "transitions.made.LOADING->ACTIVE"));
            assertEquals(1, metric(cache, "transitions.made.RETIRED->GONE"));
            assertEquals(2, metric(cache, "regions.ACTIVE"));
            assertEquals(0, metric(cache, "transitions.refused"));
        }
    }

    /**
     * README: "NEW for a record's first state" and "How it works": "a compacted successor is a new record": a
     * compaction counts NEW->ACTIVE for the successor, ACTIVE->RETIRED and RETIRED->GONE for the source.
     */
    @Test
    void aCompactionCountsANewRecordAndARetiredOne() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1"))));
            cycle(cache, cache.write(new WriteBatch(1, 1, 11).put(b("c"), b("2"))));
            cycle(cache, cache.advanceSafePoint(1, 20));
            assertEquals(1, metric(cache, "transitions.made.NEW->ACTIVE"));
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
            until(cache, "the compaction swaps", () -> metric(cache, "compactions.finished") == 1);
            cache.applyCycle();
            assertEquals(2, metric(cache, "transitions.made.NEW->ACTIVE"));
            assertEquals(1, metric(cache, "transitions.made.ACTIVE->RETIRED"));
            assertEquals(1, metric(cache, "transitions.made.RETIRED->GONE"));
            assertEquals(1, metric(cache, "gc.versions_dropped"));
            assertEquals(1, metric(cache, "compaction.count"));
        }
    }
}
