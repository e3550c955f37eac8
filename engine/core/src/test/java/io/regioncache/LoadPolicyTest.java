package io.regioncache;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LoadPolicyTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void loadsOnlyHotRegionsWithHighAmplification() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int v = 1; v <= 20; v++)
        {
            store.put(b("a1"), v, b("a" + v));
            store.put(b("m1"), v, b("m" + v));
        }
        final Region hot = new Region(1, b("a"), b("m"), 1);
        final Region lowAmp = new Region(2, b("m"), b(""), 1);
        final org.agrona.concurrent.CachedNanoClock clock = new org.agrona.concurrent.CachedNanoClock();
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .nanoClock(clock)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .segmentSize(64 * 1024)
            .backingStore(store)
            .loaderExecutor(Runnable::run)
            .policyIntervalMillis(1)
            .autoLoad(4, 10)
            .build()))
        {
            cache.recordStoreRead(hot, 2_000, 100);     // amplification 20: worth caching
            cache.recordStoreRead(lowAmp, 5_000, 4_000); // hot, but amplification 1.25: the store serves it well
            clock.advance(3_000_000L); // a policy interval passes on the engine's clock
            for (int i = 0; i < 5; i++)
            {
                cache.applyCycle();
                clock.advance(2_000_000L);
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertNull(cache.stateOf(2));
            assertEquals(1, cache.counters().policyLoads());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 15));
            assertArrayEquals(b("a15"), s.get(b("a1")));
            s.close();
        }
    }

    @Test
    void choosesAtMostTopNAboveThreshold()
    {
        final LoadPolicy policy = new LoadPolicy(1, 10, 1);
        final HotRegionTracker tracker = new HotRegionTracker();
        tracker.onStoreRead(new Region(1, b("a"), b("b"), 1), 1000, 10);
        tracker.onStoreRead(new Region(2, b("b"), b("c"), 1), 500, 10);
        tracker.onStoreRead(new Region(3, b("c"), b("d"), 1), 5000, 4000);
        final var chosen = policy.choose(tracker.drain());
        assertEquals(1, chosen.size());
        assertEquals(1, chosen.get(0).region().id());
        assertEquals(0, tracker.drain().size(), "drain resets the counters");
    }
}
