package io.regioncache.blackbox11a;

import static io.regioncache.blackbox11a.B11.MAX_EPOCH;
import static io.regioncache.blackbox11a.B11.b;
import static io.regioncache.blackbox11a.B11.invoker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import io.regioncache.EngineClocks;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * The counts a host reports ({@code recordStoreRead}) at their extremes: sums past {@code Long.MAX_VALUE} saturate
 * instead of wrapping negative (which dropped the hottest region from the load policy), and a region the cache would
 * refuse to load is refused at the call instead of being counted. Also {@code updateMemoryLimits} at the extremes.
 */
class CounterBoundariesTest
{
    /**
     * The engines' clock: the policy round is due every millisecond of it, and {@link #policyRound} moves it on, so no
     * test waits for time to pass.
     */
    private static final CachedNanoClock CLOCK = new CachedNanoClock();

    /** One policy round: the clock moved past the interval, then an apply cycle (which runs the due round). */
    private static void policyRound(final RegionCache cache)
    {
        CLOCK.advance(2_000_000L);
        cache.applyCycle();
    }

    /** Runs policy rounds until region 7's state is not null (at most 100), then cycles until its load ends. */
    private static RegionState runPolicy(final RegionCache cache)
    {
        for (int round = 0; round < 100 && cache.stateOf(7) == null; round++)
        {
            policyRound(cache);
        }
        for (int i = 0; i < 1_000 && cache.stateOf(7) != null && cache.stateOf(7) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        return cache.stateOf(7);
    }

    private static RegionCache autoLoading()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("k"), 1, b("v"));
        return RegionCache.create(EngineClocks.withClock(invoker(), CLOCK).backingStore(store).autoLoad(1, 10)
            .policyIntervalMillis(1).minResidencyMillis(0).build());
    }

    @Test
    void steppedSumsPastLongMaxStillLoad() throws Exception
    {
        final Region hot = new Region(7, b("a"), b("z"), 3);
        try (RegionCache cache = autoLoading())
        {
            cache.recordStoreRead(hot, Long.MAX_VALUE, 1);
            assertEquals(RegionState.ACTIVE, runPolicy(cache), "one report of Long.MAX_VALUE");
        }
        try (RegionCache cache = autoLoading())
        {
            // Two reports in one interval: their sum passes Long.MAX_VALUE. It wrapped to -2, and a region with no
            // positive count is dropped: the hottest region there could be was never loaded.
            cache.recordStoreRead(hot, Long.MAX_VALUE, 1);
            cache.recordStoreRead(hot, Long.MAX_VALUE, 1);
            assertEquals(RegionState.ACTIVE, runPolicy(cache), "two reports of Long.MAX_VALUE");
        }
        try (RegionCache cache = autoLoading())
        {
            // Many keys returned: amplification ~0, never loaded (also once the returned sum passes Long.MAX_VALUE).
            cache.recordStoreRead(hot, 1_000, Long.MAX_VALUE);
            cache.recordStoreRead(hot, 1_000, Long.MAX_VALUE);
            for (int round = 0; round < 25; round++)
            {
                policyRound(cache);
            }
            assertEquals(null, cache.stateOf(7));
        }
    }

    @Test
    void badRegionsAndCountsAreRefusedAtTheCall() throws Exception
    {
        try (RegionCache cache = autoLoading())
        {
            for (final Region bad : new Region[] {
                new Region(-1, b("a"), b("z"), 3), new Region(Long.MIN_VALUE, b("a"), b("z"), 3),
                new Region(7, b("a"), b("z"), MAX_EPOCH + 1), new Region(7, b("a"), b("z"), -1),
                new Region(7, b("z"), b("a"), 3), new Region(7, b("a"), b("a"), 3), new Region(7, null, b("z"), 3),
                new Region(7, new byte[cache.config().maxKeyLength() + 1], new byte[0], 3)})
            {
                assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(bad, 1_000, 1), bad::toString);
            }
            for (final long[] counts : new long[][] {{-1, 1}, {1, -1}, {Long.MIN_VALUE, 0}, {0, Long.MIN_VALUE}})
            {
                assertThrows(IllegalArgumentException.class,
                    () -> cache.recordStoreRead(new Region(7, b("a"), b("z"), 3), counts[0], counts[1]));
            }
            cache.recordStoreRead(new Region(7, b("a"), b("z"), MAX_EPOCH), 0, 0);
            cache.recordStoreRead(new Region(7, b("a"), b("z"), MAX_EPOCH), 1_000, 0);
            assertEquals(RegionState.ACTIVE, runPolicy(cache), "a good report after the refused ones");
            assertEquals(MAX_EPOCH, cache.region(7).epochVersion());
        }
    }

    @Test
    void memoryLimitsAtTheExtremes() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            B11.ok(cache, cache.createRegion(new Region(1, new byte[0], b("m"), 1)), "create");
            for (final long[] l : new long[][] {{0, 0, 0}, {-1, 0, 0}, {Long.MIN_VALUE, 0, 0}, {10, 10, 0}, {10, 5, 6},
                {10, -1, 0}, {10, 5, -1}, {Long.MAX_VALUE, Long.MAX_VALUE, 0}})
            {
                assertThrows(IllegalArgumentException.class, () -> cache.updateMemoryLimits(l[0], l[1], l[2]),
                    () -> java.util.Arrays.toString(l));
            }
            cache.updateMemoryLimits(Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE - 1);
            B11.ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("k"), b("v"))), "at MAX");
            cache.updateMemoryLimits(1, 0, 0);
            // Below what is in use: new memory is refused (typed), the engine keeps serving what it has.
            B11.ok(cache, cache.createRegion(new Region(2, b("m"), new byte[0], 1)), "create 2");
            B11.expect(cache, ResultCode.MEMORY_LIMIT, cache.write(new WriteBatch(2, 1, 1).put(b("x"), b("v"))),
                "a new table at a 1-byte capacity");
            try (Snapshot snap = cache.snapshot(1, 1, 1))
            {
                assertEquals("v", B11.s(snap.get(b("k"))));
            }
            cache.updateMemoryLimits(256L << 20, 128L << 20, 64L << 20);
            B11.ok(cache, cache.createRegion(new Region(2, b("m"), new byte[0], 1)), "create again");
            B11.ok(cache, cache.write(new WriteBatch(2, 1, 1).put(b("x"), b("v"))), "after");
        }
    }
}
