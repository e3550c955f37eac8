package io.regioncache;

import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

import static io.regioncache.GcSupport.b;
import static io.regioncache.GcSupport.run;
import static io.regioncache.GcSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TikvScenariosTest
{
    static RegionCache cache(final GcSupport.ManualExecutor exec)
    {
        return RegionCache.create(RegionCacheConfig.builder().threading(RegionCacheConfig.Threading.INVOKER)
            .segmentSize(4096).capacityBytes(64L << 20).policyIntervalMillis(10_000_000).loaderExecutor(exec).gcExecutor(exec)
            .build());
    }

    static void compactNow(final RegionCache cache, final GcSupport.ManualExecutor exec, final long id)
    {
        final long finished = cache.counters().compactionsFinished();
        final CommandResult r = run(cache, cache.compact(id));
        assertEquals(ResultCode.OK, r.code(), r.toString());
        assertEquals(1, exec.runAll());
        cache.applyCycle();
        assertEquals(finished + 1, cache.counters().compactionsFinished(), "compaction of " + id);
    }

    @Test
    void openSnapshotBlocksGcOfWhatItSees()
    {
        final GcSupport.ManualExecutor exec = new GcSupport.ManualExecutor();
        final RegionCache cache = cache(exec);
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b(""), b(""), 1))).code());
        for (int v = 1; v <= 10; v++)
        {
            run(cache, cache.write(new WriteBatch(1, 1, v).put(b("k"), b("v" + v)).put(b("j" + v), b("j"))));
        }
        run(cache, cache.write(new WriteBatch(1, 1, 11).delete(b("j3"))));
        final Snapshot old = cache.snapshot(1, 1, 5);
        assertEquals(ResultCode.OK, run(cache, cache.advanceSafePoint(9)).code());
        compactNow(cache, exec, 1);
        assertTrue(cache.counters().gcVersionsDropped() > 0);
        assertEquals("v5", s(old.get(b("k"))));
        assertEquals("j", s(old.get(b("j3"))));
        assertNull(old.get(b("j6")));
        final Snapshot fresh = cache.newSnapshot();
        assertEquals(SnapshotStatus.TOO_OLD_READ, fresh.open(1, 1, 9));
        assertEquals(SnapshotStatus.OK, fresh.open(1, 1, 10));
        assertEquals("v10", s(fresh.get(b("k"))));
        assertEquals("j", s(fresh.get(b("j3"))));
        assertEquals(SnapshotStatus.OK, fresh.open(1, 1, 11));
        assertNull(fresh.get(b("j3")));
        fresh.close();
        // the old snapshot still reads after more cycles; its record drains only when it closes
        cache.applyCycle();
        assertEquals("v5", s(old.get(b("k"))));
        final long pinned = cache.memoryInUse();
        old.close();
        cache.applyCycle();
        assertTrue(cache.memoryInUse() < pinned, "old table not freed after the last snapshot closed");
        cache.close();
        assertEquals(0, cache.pool().bytesInUse());
    }

    @Test
    void gcAfterSplitGivesEachChildItsOwnTable()
    {
        final GcSupport.ManualExecutor exec = new GcSupport.ManualExecutor();
        final RegionCache cache = cache(exec);
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b(""), b(""), 1))).code());
        final String pad = "p".repeat(200);
        for (int v = 1; v <= 20; v++)
        {
            final WriteBatch wb = new WriteBatch(1, 1, v);
            for (char c = 'a'; c <= 'z'; c++)
            {
                wb.put(b(c + "key"), b(c + "-" + v + pad));
            }
            assertEquals(ResultCode.OK, run(cache, cache.write(wb)).code());
        }
        assertEquals(ResultCode.OK, run(cache, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2)).code());
        // shared table: evicting a child now would free nothing; compact both
        assertEquals(ResultCode.OK, run(cache, cache.advanceSafePoint(20)).code());
        final long shared = cache.memoryInUse();
        final long freedBefore = cache.counters().tablesFreed();
        compactNow(cache, exec, 2);
        compactNow(cache, exec, 1);
        cache.applyCycle();
        assertTrue(cache.counters().tablesFreed() > freedBefore, "shared parent table never freed");
        final long own = cache.memoryInUse();
        assertTrue(own < shared, "two compacted children " + own + " not below the shared table " + shared);
        final Snapshot left = cache.snapshot(2, 2, 21);
        final Snapshot right = cache.snapshot(1, 2, 21);
        for (char c = 'a'; c <= 'z'; c++)
        {
            final Snapshot s = c < 'm' ? left : right;
            assertEquals(c + "-20" + pad, s(s.get(b(c + "key"))));
        }
        assertEquals(12, GcSupport.scan(left).size());
        assertEquals(14, GcSupport.scan(right).size());
        left.close();
        right.close();
        // evicting one child now frees its own table
        assertEquals(ResultCode.OK, run(cache, cache.evict(2, EvictReason.MANUAL)).code());
        cache.applyCycle();
        final long afterEvict = cache.memoryInUse();
        assertTrue(afterEvict < own, "evicting a compacted child freed nothing: " + afterEvict + " vs " + own);
        final Snapshot r2 = cache.snapshot(1, 2, 21);
        assertEquals("z-20" + pad, s(r2.get(b("zkey"))));
        r2.close();
        cache.close();
        assertEquals(0, cache.pool().bytesInUse());
    }

    @Test
    void evictionWithOpenSnapshotCompletesWhenItCloses()
    {
        final GcSupport.ManualExecutor exec = new GcSupport.ManualExecutor();
        final RegionCache cache = cache(exec);
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b(""), b(""), 1))).code());
        for (int v = 1; v <= 50; v++)
        {
            run(cache, cache.write(new WriteBatch(1, 1, v).put(b("k" + v), b("v" + v))));
        }
        final Snapshot s = cache.snapshot(1, 1, 50);
        final long inUse = cache.memoryInUse();
        assertTrue(inUse > 0);
        assertEquals(ResultCode.OK, run(cache, cache.evict(1, EvictReason.MANUAL)).code());
        assertNull(cache.stateOf(1));
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 50));
        for (int i = 0; i < 3; i++)
        {
            cache.applyCycle();
        }
        assertEquals(inUse, cache.memoryInUse(), "memory freed under an open snapshot");
        assertEquals("v42", s(s.get(b("k42"))));
        assertEquals(50, GcSupport.scan(s).size());
        s.close();
        cache.applyCycle();
        assertEquals(0, cache.memoryInUse());
        cache.close();
    }

    @Test
    void loadRefusedAtStopLoadThreshold()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("z1"), 1, b("zv"));
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(4096).capacityBytes(4L << 20)
            .evictThresholdBytes(2L << 20).stopLoadThresholdBytes(256 << 10).backingStore(store)
            .loaderExecutor(Runnable::run).build());
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b("a"), b("b"), 1))).code());
        final byte[] val = new byte[1000];
        int v = 0;
        while (cache.memoryInUse() < cache.budget().stopLoadThreshold())
        {
            v++;
            assertEquals(ResultCode.OK, run(cache, cache.write(new WriteBatch(1, 1, v).put(b("a" + v), val))).code());
        }
        assertTrue(cache.memoryInUse() < cache.budget().evictThreshold());
        final CommandResult r = run(cache, cache.loadRegion(new Region(9, b("z"), b("zz"), 1)));
        assertEquals(ResultCode.SKIPPED, r.code(), r.toString());
        assertTrue(r.detail().contains("stop-load"), r.detail());
        assertTrue(cache.counters().loadsRefused() > 0);
        assertNull(cache.stateOf(9));
        assertEquals(0, cache.counters().loadsStarted());
        // after room is made the same load goes through
        run(cache, cache.evict(1, EvictReason.MANUAL));
        cache.applyCycle();
        assertEquals(ResultCode.OK, run(cache, cache.loadRegion(new Region(9, b("z"), b("zz"), 1))).code());
        for (int i = 0; i < 5 && cache.stateOf(9) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(9));
        final Snapshot s = cache.snapshot(9, 1, 5);
        assertEquals("zv", s(s.get(b("z1"))));
        s.close();
        cache.close();
        assertEquals(0, cache.pool().bytesInUse());
    }
}
