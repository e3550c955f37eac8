package io.regioncache;

import java.util.Random;

import org.agrona.concurrent.CachedNanoClock;

import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

import static io.regioncache.GcSupport.b;
import static io.regioncache.GcSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eviction policy on the engine's injected clock: rounds, residency and the thrash bound are driven by advancing
 * {@link #CLOCK}, never by sleeping, so the test is deterministic and as fast as the machine.
 */
class EvictionPolicyTest
{
    /** The engine's time in these tests: advanced by hand, shared by the caches (each test makes its own). */
    static final CachedNanoClock CLOCK = new CachedNanoClock();

    static final int COLD = 10;           // regions 3..12 cold, 1..2 hot, 100 pinned (loaded)
    static final byte[] VALUE = new byte[1000];

    static Region region(final long id)
    {
        return new Region(id, b(String.format("r%03d", id)), b(String.format("r%03d", id + 1)), 1);
    }

    static String key(final long id, final int i)
    {
        return String.format("r%03d/%05d", id, i);
    }

    static RegionCache newCache(final long minResidencyMillis, final InMemoryBackingStore store)
    {
        return RegionCache.create(RegionCacheConfig.builder().threading(RegionCacheConfig.Threading.INVOKER)
            .segmentSize(64 * 1024).capacityBytes(32L << 20).evictThresholdBytes(4L << 20)
            .stopLoadThresholdBytes(2L << 20).policyIntervalMillis(1).minResidencyMillis(minResidencyMillis)
            .maxEvictFractionPerRound(0.1).backingStore(store).loaderExecutor(Runnable::run).gcExecutor(Runnable::run)
            .nanoClock(CLOCK).build());
    }

    static void fill(final RegionCache cache, final long id, final long version)
    {
        final WriteBatch wb = new WriteBatch(id, 1, version);
        for (int i = 0; i < 500; i++)
        {
            wb.put(b(key(id, i)), VALUE);
        }
        assertEquals(ResultCode.OK, run(cache, cache.write(wb)).code());
    }

    static void readHot(final RegionCache cache, final long id, final int n)
    {
        readHot(cache, id, n, true);
    }

    static void readHot(final RegionCache cache, final long id, final int n, final boolean filled)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(id, 1, Long.MAX_VALUE), "hot region " + id);
        for (int i = 0; i < n; i++)
        {
            final byte[] v = s.get(b(key(id, i % 500)));
            if (filled)
            {
                assertNotNull(v, "region " + id + " key " + i);
            }
        }
        s.close();
    }

    static InMemoryBackingStore pinnedStore()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 500; i++)
        {
            store.put(b(key(100, i)), 1, VALUE);
        }
        return store;
    }

    static void setUp(final RegionCache cache)
    {
        assertEquals(ResultCode.OK, run(cache, cache.loadRegionKeepCached(region(100))).code());
        for (int i = 0; i < 10 && cache.stateOf(100) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(100));
        for (long id = 1; id <= 2 + COLD; id++)
        {
            assertEquals(ResultCode.OK, run(cache, cache.createRegion(region(id))).code());
        }
        readHot(cache, 1, 200, false);
        readHot(cache, 2, 200, false);
        sleepPolicyInterval();
        cache.applyCycle(); // heat now > 0 for the hot regions
        for (long id = 1; id <= 2 + COLD; id++)
        {
            fill(cache, id, 10);
        }
    }

    /** Two policy intervals pass on the engine's clock. */
    static void sleepPolicyInterval()
    {
        CLOCK.advance(2_000_000L);
    }

    @Test
    void coldestEvictedFirstHotAndPinnedStayCapRespected()
    {
        final RegionCache cache = newCache(0, pinnedStore());
        setUp(cache);
        assertTrue(cache.memoryInUse() > cache.budget().evictThreshold(), "setup must exceed the threshold");
        final int cached = 3 + COLD;
        final int cap = Math.max(1, (int)(cached * 0.1));
        long before = cache.counters().evictions(EvictReason.POLICY);
        for (int round = 0; round < 60; round++)
        {
            readHot(cache, 1, 100);
            readHot(cache, 2, 100);
            sleepPolicyInterval();
            final int regionsBefore = cache.regions().size();
            cache.applyCycle();
            final long now = cache.counters().evictions(EvictReason.POLICY);
            assertTrue(now - before <= cap, "round " + round + " evicted " + (now - before) + " > cap " + cap);
            assertTrue(regionsBefore - cache.regions().size() <= cap);
            before = now;
            assertEquals(RegionState.ACTIVE, cache.stateOf(1), "hot region 1 evicted in round " + round);
            assertEquals(RegionState.ACTIVE, cache.stateOf(2), "hot region 2 evicted in round " + round);
            assertEquals(RegionState.ACTIVE, cache.stateOf(100), "pinned region evicted in round " + round);
        }
        assertTrue(cache.counters().evictions(EvictReason.POLICY) > 0);
        assertTrue(cache.memoryInUse() <= cache.budget().evictThreshold(),
            "policy should have brought usage under the evict threshold: " + cache.memoryInUse());
        int coldLeft = 0;
        for (long id = 3; id <= 2 + COLD; id++)
        {
            coldLeft += cache.stateOf(id) == null ? 0 : 1;
        }
        assertTrue(coldLeft < COLD, "no cold region evicted");
        cache.close();
        assertEquals(0, cache.pool().bytesInUse());
    }

    @Test
    void pinningAtRunTimeProtectsAColdRegionUntilReleased()
    {
        final RegionCache cache = newCache(0, pinnedStore());
        setUp(cache);
        long cold = 2 + COLD; // the last cold region filled: the policy has not reached it during set-up
        while (cache.stateOf(cold) == null)
        {
            cold--;
        }
        assertTrue(cold > 2, "no cold region left cached after set-up");
        assertEquals(ResultCode.OK, run(cache, cache.setKeepCached(cold, true)).code());
        assertEquals(ResultCode.NOT_CACHED, run(cache, cache.setKeepCached(999, true)).code());
        // Keep memory over the threshold with writes to the hot regions until every other cold region is gone.
        long version = 100;
        int round = 0;
        for (; round < 200 && otherColdCached(cache, cold); round++)
        {
            pressure(cache, version++);
            assertEquals(RegionState.ACTIVE, cache.stateOf(cold), "pinned region " + cold + " evicted, round " + round);
        }
        assertTrue(!otherColdCached(cache, cold), "the policy never evicted the other cold regions");
        // A few more rounds of pressure (each adds ~1 MB of versions no GC collects here: stay below the 32 MB cap;
        // on the manual clock a round is one policy round, where real time used to fit several).
        for (int extra = 0; extra < 8; extra++)
        {
            pressure(cache, version++);
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(cold), "pinned region evicted under pressure");
        // released: it is now the coldest region, so the policy takes it
        assertEquals(ResultCode.OK, run(cache, cache.setKeepCached(cold, false)).code());
        for (int r = 0; r < 100 && cache.stateOf(cold) != null; r++)
        {
            pressure(cache, version++);
        }
        assertNull(cache.stateOf(cold), "released region still cached");
        cache.close();
    }

    private static boolean otherColdCached(final RegionCache cache, final long except)
    {
        for (long id = 3; id <= 2 + COLD; id++)
        {
            if (id != except && cache.stateOf(id) != null)
            {
                return true;
            }
        }
        return false;
    }

    /** One policy round with the hot regions read and rewritten (new versions keep memory above the threshold). */
    private static void pressure(final RegionCache cache, final long version)
    {
        readHot(cache, 1, 100);
        readHot(cache, 2, 100);
        fill(cache, 1, version);
        fill(cache, 2, version);
        sleepPolicyInterval();
        cache.applyCycle();
    }

    @Test
    void minResidencyPreventsEviction()
    {
        final RegionCache cache = newCache(600_000, pinnedStore());
        setUp(cache);
        assertTrue(cache.memoryInUse() > cache.budget().evictThreshold());
        for (int round = 0; round < 10; round++)
        {
            sleepPolicyInterval();
            cache.applyCycle();
        }
        assertEquals(0, cache.counters().evictions(EvictReason.POLICY));
        assertEquals(3 + COLD, cache.regions().size());
        cache.close();
    }

    @Test
    void steadySkewedWorkloadDoesNotThrash()
    {
        final long minResidencyMillis = 40;
        final RegionCache cache = newCache(minResidencyMillis, pinnedStore());
        setUp(cache);
        final int total = 2 + COLD;
        final int[] evictions = new int[total + 1];
        final int[] reloads = new int[total + 1];
        final long[] version = new long[total + 1];
        java.util.Arrays.fill(version, 10);
        final Random rnd = new Random(7);
        final long start = CLOCK.nanoTime();
        final int rounds = 150;
        final boolean[] present = new boolean[total + 1];
        java.util.Arrays.fill(present, true);
        final Runnable observe = () ->
        {
            for (int id = 1; id <= total; id++)
            {
                if (present[id] && cache.stateOf(id) == null)
                {
                    present[id] = false;
                    evictions[id]++;
                }
            }
        };
        for (int round = 0; round < rounds; round++)
        {
            // skewed reads: 1 and 2 every round, each cold region with 2% probability
            for (long id = 1; id <= total; id++)
            {
                final boolean read = id <= 2 || rnd.nextInt(50) == 0;
                if (!read)
                {
                    continue;
                }
                observe.run();
                if (cache.stateOf(id) == null)
                {
                    // host reloads a region it reads again
                    assertEquals(ResultCode.OK, run(cache, cache.createRegion(region(id))).code());
                    present[(int)id] = true;
                    fill(cache, id, ++version[(int)id]);
                    reloads[(int)id]++;
                    observe.run();
                }
                if (cache.stateOf(id) != null)
                {
                    readHot(cache, id, id <= 2 ? 100 : 5);
                }
            }
            sleepPolicyInterval();
            cache.applyCycle();
            observe.run();
            assertEquals(RegionState.ACTIVE, cache.stateOf(100));
        }
        final long elapsedMillis = (CLOCK.nanoTime() - start) / 1_000_000;
        assertEquals(0, evictions[1], "hot region 1 evicted");
        assertEquals(0, evictions[2], "hot region 2 evicted");
        final long bound = 1 + elapsedMillis / minResidencyMillis;
        int totalEvictions = 0;
        for (int id = 3; id <= total; id++)
        {
            totalEvictions += evictions[id];
            assertTrue(evictions[id] <= bound, "region " + id + " evicted " + evictions[id] + " times in " +
                elapsedMillis + " ms (bound " + bound + ")");
            // an evicted region is only back if the workload read it: never evicted again right after a reload
            assertTrue(evictions[id] <= reloads[id] + 1, "region " + id + " evictions " + evictions[id] +
                " > reloads " + reloads[id] + " + 1");
        }
        assertTrue(totalEvictions > 0, "workload never exceeded the threshold");
        cache.close();
    }
}
