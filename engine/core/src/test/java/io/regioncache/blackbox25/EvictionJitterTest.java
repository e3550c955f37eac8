package io.regioncache.blackbox25;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.TimeUnit;

import io.regioncache.EngineClocks;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.Snapshot;
import io.regioncache.WriteBatch;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import static io.regioncache.blackbox25.Kit.k;
import static io.regioncache.blackbox25.Kit.metric;
import static io.regioncache.blackbox25.Kit.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README TiKV row #18093 ("evict/reload jitter"): "minimum residency, per-round cap, cold-only eviction", driven by
 * a manual engine clock: a policy round comes only when the test moves the clock.
 */
class EvictionJitterTest
{
    private static final int REGIONS = 10;
    private static final long INTERVAL_MS = 1_000;
    private static final long RESIDENCY_MS = 10_000;
    private static final double FRACTION = 0.2;

    private final CachedNanoClock clock = new CachedNanoClock();

    private void advance(final long millis)
    {
        clock.update(clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private RegionCache engine()
    {
        clock.update(TimeUnit.SECONDS.toNanos(1_000));
        return RegionCache.create(EngineClocks.withClock(Kit.invoker(), clock)
            .segmentSize(4096)
            .policyIntervalMillis(INTERVAL_MS)
            .minResidencyMillis(RESIDENCY_MS)
            .maxEvictFractionPerRound(FRACTION)
            .build());
    }

    private static Region region(final int i)
    {
        return new Region(i, k(0x10 + i), k(0x11 + i), 1);
    }

    /** Regions 1..4 read by gets, region 5 through its map view; 6..10 never read. */
    private static void readHot(final RegionCache cache)
    {
        for (int i = 1; i <= 5; i++)
        {
            try (Snapshot snap = cache.snapshot(i, 1, 100))
            {
                if (i < 5)
                {
                    for (int g = 0; g < 40; g++)
                    {
                        snap.get(k(0x10 + i, g % 8));
                    }
                }
                else
                {
                    final NavigableMap<byte[], byte[]> m = snap.asNavigableMap();
                    for (int g = 0; g < 5; g++)
                    {
                        for (final Map.Entry<byte[], byte[]> e : m.entrySet())
                        {
                            e.getValue();
                        }
                        m.get(k(0x15, g));
                    }
                }
            }
        }
    }

    private static List<Integer> cached(final RegionCache cache)
    {
        final List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= REGIONS; i++)
        {
            if (cache.stateOf(i) == RegionState.ACTIVE)
            {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void onlyColdRegionsPastTheirResidencyGoAtMostTheCapPerRound() throws Exception
    {
        try (RegionCache cache = engine())
        {
            Kit.cycles(cache, 3); // the first round, at once
            for (int i = 1; i <= REGIONS; i++)
            {
                ok(cache, cache.createRegion(region(i)));
                final WriteBatch batch = new WriteBatch(i, 1, 1);
                for (int j = 0; j < 8; j++)
                {
                    batch.put(k(0x10 + i, j), new byte[32]);
                }
                ok(cache, cache.write(batch));
            }
            ok(cache, cache.setKeepCached(10, true)); // cold, but kept cached
            final long used = cache.memoryInUse();
            assertTrue(used > 0);
            // usage above the evict threshold, well below the three-quarter mark: cold-only eviction
            cache.updateMemoryLimits(used * 100, used * 3 / 10, used / 4);
            Kit.cycles(cache, 3);
            // minimum residency: rounds within the first 10 s of the regions' lives evict nothing
            for (int round = 0; round < 9; round++)
            {
                readHot(cache);
                advance(INTERVAL_MS);
                Kit.cycles(cache, 3);
                advance(INTERVAL_MS / 10);
                Kit.cycles(cache, 3);
            }
            assertEquals(0, metric(cache, "evictions.POLICY"), "a region younger than the minimum residency went");
            assertEquals(REGIONS, cached(cache).size());
            advance(RESIDENCY_MS);
            // past the residency: each round (full or eviction-only) evicts at most the cap, cold ones only
            final List<String> rounds = new ArrayList<>();
            for (int round = 0; round < 20; round++)
            {
                readHot(cache);
                final int before = cached(cache).size();
                final long evictedBefore = metric(cache, "evictions.POLICY");
                advance(round % 2 == 0 ? INTERVAL_MS : INTERVAL_MS / 10);
                Kit.cycles(cache, 3);
                final long evicted = metric(cache, "evictions.POLICY") - evictedBefore;
                rounds.add(before + " cached, memory " + cache.memoryInUse() + "/" + used + ", " + evicted +
                    " evicted");
                final long cap = Math.max(1, (int)(before * FRACTION));
                assertTrue(evicted <= cap, "round " + round + " evicted " + evicted + " of " + before +
                    " (cap " + cap + "): " + rounds);
                for (int hot = 1; hot <= 5; hot++)
                {
                    assertEquals(RegionState.ACTIVE, cache.stateOf(hot), "hot region " + hot + " evicted; rounds " +
                        rounds);
                }
                assertEquals(RegionState.ACTIVE, cache.stateOf(10), "the kept-cached region was evicted");
            }
            assertEquals(List.of(1, 2, 3, 4, 5, 10), cached(cache), "every cold region went: " + rounds);
            assertEquals(4, metric(cache, "evictions.POLICY"));
            assertTrue(rounds.stream().filter(s -> !s.endsWith(", 0 evicted")).count() >= 2,
                "the cold regions went over several rounds: " + rounds);
        }
    }

    /**
     * Minimum residency counts from the record's making (README "Policies", referenced by the #18093 row): the pieces
     * of a split keep their predecessor's age, a region evicted and loaded again starts anew.
     */
    @Test
    void residencyCountsFromTheRecordPiecesKeepTheirAgeAReloadStartsAnew() throws Exception
    {
        final io.regioncache.store.InMemoryBackingStore store = new io.regioncache.store.InMemoryBackingStore();
        store.put(k(0x70), 1, k(1));
        clock.update(TimeUnit.SECONDS.toNanos(1_000));
        try (RegionCache cache = RegionCache.create(EngineClocks.withClock(Kit.invoker(), clock)
            .segmentSize(4096)
            .backingStore(store)
            .policyIntervalMillis(INTERVAL_MS)
            .minResidencyMillis(RESIDENCY_MS)
            .maxEvictFractionPerRound(1.0)
            .build()))
        {
            Kit.cycles(cache, 3);
            ok(cache, cache.createRegion(new Region(1, k(0x10), k(0x60), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(k(0x20), k(1)).put(k(0x40), k(2))));
            ok(cache, cache.loadRegion(new Region(2, k(0x60), k(0x80), 1)));
            Kit.until(cache, "2 ACTIVE", () -> cache.stateOf(2) == RegionState.ACTIVE);
            cache.updateMemoryLimits(64L << 20, 1024, 512);
            advance(5_000);
            Kit.cycles(cache, 3);
            assertEquals(0, metric(cache, "evictions.POLICY"), "young regions went");
            ok(cache, cache.split(1, 1, new byte[][] {k(0x30)}, new long[] {11}, 2));
            ok(cache, cache.evict(2, io.regioncache.EvictReason.MANUAL));
            cache.updateMemoryLimits(64L << 20, 32L << 20, 16L << 20); // room for the reload, no clock moved
            ok(cache, cache.loadRegion(new Region(2, k(0x60), k(0x80), 1)));
            Kit.until(cache, "2 ACTIVE again", () -> cache.stateOf(2) == RegionState.ACTIVE);
            cache.updateMemoryLimits(64L << 20, 1024, 512);
            advance(5_500); // the pieces are 10.5 s old, the reloaded region 5.5 s
            Kit.cycles(cache, 3);
            assertEquals(null, cache.stateOf(1), "a piece past its predecessor's residency stayed");
            assertEquals(null, cache.stateOf(11), "a piece past its predecessor's residency stayed");
            assertEquals(RegionState.ACTIVE, cache.stateOf(2), "the reloaded region went before its residency");
            advance(4_000); // 9.5 s
            Kit.cycles(cache, 3);
            assertEquals(RegionState.ACTIVE, cache.stateOf(2), "the reloaded region went before its residency");
            advance(1_000); // 10.5 s
            Kit.cycles(cache, 3);
            assertEquals(null, cache.stateOf(2), "the reloaded region stayed past its residency");
            assertEquals(3, metric(cache, "evictions.POLICY"));
        }
    }

    /**
     * Near the hard cap (past three quarters of the way from the evict threshold) regions go even if not cold by the
     * mean, but still never a young or kept-cached one, and never more than the cap per round.
     */
    @Test
    void nearTheCapResidencyKeepCachedAndTheCapStillHold() throws Exception
    {
        try (RegionCache cache = engine())
        {
            Kit.cycles(cache, 3);
            for (int i = 1; i <= REGIONS; i++)
            {
                ok(cache, cache.createRegion(region(i)));
                final WriteBatch batch = new WriteBatch(i, 1, 1);
                for (int j = 0; j < 8; j++)
                {
                    batch.put(k(0x10 + i, j), new byte[32]);
                }
                ok(cache, cache.write(batch));
            }
            ok(cache, cache.setKeepCached(3, true));
            final long used = cache.memoryInUse();
            cache.updateMemoryLimits(used + used / 10, used / 2, used / 4);
            for (int round = 0; round < 9; round++)
            {
                readHot(cache);
                advance(INTERVAL_MS);
                Kit.cycles(cache, 3);
                advance(INTERVAL_MS / 10);
                Kit.cycles(cache, 3);
            }
            assertEquals(0, metric(cache, "evictions.POLICY"), "a young region went near the cap");
            advance(RESIDENCY_MS);
            final List<String> rounds = new ArrayList<>();
            for (int round = 0; round < 30; round++)
            {
                readHot(cache);
                final int before = cached(cache).size();
                final long evictedBefore = metric(cache, "evictions.POLICY");
                advance(round % 2 == 0 ? INTERVAL_MS : INTERVAL_MS / 10);
                Kit.cycles(cache, 3);
                final long evicted = metric(cache, "evictions.POLICY") - evictedBefore;
                rounds.add(before + " cached, memory " + cache.memoryInUse() + ", " + evicted + " evicted");
                final long cap = Math.max(1, (int)(before * FRACTION));
                assertTrue(evicted <= cap, "round " + round + ": " + rounds);
                assertEquals(RegionState.ACTIVE, cache.stateOf(3), "the kept-cached region went: " + rounds);
            }
            assertTrue(metric(cache, "evictions.POLICY") > 0, "" + rounds);
        }
    }
}
