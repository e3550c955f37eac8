package io.regioncache.blackbox25;

import java.util.NavigableMap;
import java.util.concurrent.TimeUnit;

import io.regioncache.CommandResult;
import io.regioncache.EngineClocks;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import static io.regioncache.blackbox25.Kit.b;
import static io.regioncache.blackbox25.Kit.metric;
import static io.regioncache.blackbox25.Kit.ok;
import static io.regioncache.blackbox25.Kit.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README TiKV row #18101: "setEnabled(false) evicts every region (DISABLED) and refuses loads; true lets the policy
 * load again", under read-only load, with regions in every state a load passes through.
 */
class EnableDisableRowTest
{
    private final CachedNanoClock clock = new CachedNanoClock();

    private void nextRound(final RegionCache cache)
    {
        clock.update(clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_100));
        Kit.cycles(cache, 3);
    }

    /**
     * "setEnabled(false) evicts every region": kept-cached ones (by load and by setKeepCached), split pieces sharing a
     * table, and a region already evicted but pinned (counted once, by its own eviction).
     */
    @Test
    void disablingEvictsKeptCachedRegionsAndSplitPiecesToo() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("q1"), 1, b("q"));
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("h"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))));
            ok(cache, cache.setKeepCached(1, true));
            ok(cache, cache.loadRegionKeepCached(new Region(2, b("p"), b("s"), 1)));
            Kit.until(cache, "2 ACTIVE", () -> cache.stateOf(2) == RegionState.ACTIVE);
            ok(cache, cache.createRegion(new Region(3, b("h"), b("p"), 1)));
            ok(cache, cache.write(new WriteBatch(3, 1, 1).put(b("i"), b("1")).put(b("n"), b("2"))));
            ok(cache, cache.split(3, 1, new byte[][] {b("k")}, new long[] {4}, 2));
            ok(cache, cache.createRegion(new Region(5, b("s"), b("z"), 1)));
            final Snapshot pin = cache.snapshot(5, 1, 1);
            ok(cache, cache.evict(5, io.regioncache.EvictReason.MANUAL));
            final CommandResult off = run(cache, cache.setEnabled(false));
            assertEquals(ResultCode.OK, off.code(), "" + off);
            for (final long id : new long[] {1, 2, 3, 4, 5})
            {
                assertNull(cache.stateOf(id), "region " + id + " cached after setEnabled(false)");
            }
            assertEquals(4, metric(cache, "evictions.DISABLED"), "1, 2 and both pieces");
            assertEquals(ResultCode.NOT_CACHED, run(cache, cache.setKeepCached(1, true)).code());
            pin.close();
            Kit.until(cache, "nothing left", () -> cache.memoryInUse() == 0 &&
                metric(cache, "regions.draining") == 0);
        }
    }

    /** A compaction running when the cache is disabled: its region is evicted as DISABLED, its copy discarded. */
    @Test
    void disablingDuringACompactionDiscardsIt() throws Exception
    {
        final Kit.Held gc = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().gcExecutor(gc).build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            for (int v = 1; v <= 4; v++)
            {
                ok(cache, cache.write(new WriteBatch(1, 1, v).put(b("k"), b("v" + v))));
            }
            ok(cache, cache.advanceSafePoint(1, 3));
            assertEquals(ResultCode.OK, run(cache, cache.compact(1)).code());
            ok(cache, cache.setEnabled(false));
            gc.runAll();
            Kit.until(cache, "nothing left", () -> cache.stateOf(1) == null && cache.memoryInUse() == 0 &&
                metric(cache, "regions.draining") == 0);
            assertEquals(0, metric(cache, "compactions.finished"));
            assertEquals(1, metric(cache, "evictions.DISABLED"));
            final ResultCode again = run(cache, cache.compact(1)).code();
            assertTrue(again == ResultCode.NOT_CACHED || again == ResultCode.SKIPPED, "" + again);
        }
    }

    @Test
    void disablingEvictsEveryRegionAsDisabledAndRefusesLoadsEnablingLetsThePolicyLoadAgain() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (char c = 'a'; c <= 'z'; c++)
        {
            store.put(new byte[] {(byte)c, '1'}, 1, new byte[] {(byte)c});
        }
        final Kit.Held loader = new Kit.Held();
        clock.update(TimeUnit.SECONDS.toNanos(500));
        try (RegionCache cache = RegionCache.create(EngineClocks.withClock(Kit.invoker(), clock)
            .backingStore(store)
            .loaderExecutor(loader)
            .policyIntervalMillis(1_000)
            .autoLoad(2, 5.0)
            .build()))
        {
            Kit.cycles(cache, 3);
            // 1: created, ACTIVE; 2: loaded, ACTIVE; 3: LOADING (its job held); 4: PENDING (loads paused)
            ok(cache, cache.createRegion(new Region(1, b("0"), b("a"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 2).put(b("01"), b("x"))));
            ok(cache, cache.loadRegion(new Region(2, b("a"), b("f"), 1)));
            Kit.until(cache, "2 LOADING", () -> cache.stateOf(2) == RegionState.LOADING);
            loader.runAll();
            Kit.until(cache, "2 ACTIVE", () -> cache.stateOf(2) == RegionState.ACTIVE);
            ok(cache, cache.loadRegion(new Region(3, b("f"), b("k"), 1)));
            Kit.until(cache, "3 LOADING", () -> cache.stateOf(3) == RegionState.LOADING);
            cache.pauseLoads(true);
            ok(cache, cache.loadRegion(new Region(4, b("k"), b("p"), 1)));
            Kit.cycles(cache, 3);
            assertEquals(RegionState.PENDING, cache.stateOf(4));
            // a reader holds region 2 (read-only load)
            final Snapshot reader = cache.snapshot(2, 1, 5);
            final NavigableMap<byte[], byte[]> view = reader.asNavigableMap();
            assertEquals(5, view.size());

            final CommandResult off = run(cache, cache.setEnabled(false));
            assertEquals(ResultCode.OK, off.code(), "" + off);
            assertFalse(cache.isEnabled());
            for (long id = 1; id <= 4; id++)
            {
                assertNull(cache.stateOf(id), "region " + id + " still cached after setEnabled(false)");
            }
            assertEquals(4, metric(cache, "evictions.DISABLED"), "every region evicted as DISABLED");
            assertEquals(ResultCode.SKIPPED, run(cache, cache.setEnabled(false)).code());
            // loads and creations refused; writes and snapshots NOT_CACHED
            assertEquals(ResultCode.SKIPPED, run(cache, cache.loadRegion(new Region(5, b("p"), b("u"), 1))).code());
            assertEquals(ResultCode.SKIPPED,
                run(cache, cache.loadRegionKeepCached(new Region(6, b("u"), b("x"), 1))).code());
            assertEquals(ResultCode.SKIPPED, run(cache, cache.createRegion(new Region(7, b("x"), b("y"), 1))).code());
            assertEquals(ResultCode.NOT_CACHED,
                run(cache, cache.write(new WriteBatch(1, 1, 3).put(b("02"), b("y")))).code());
            final Snapshot probe = cache.newSnapshot();
            assertEquals(SnapshotStatus.NOT_CACHED, probe.open(2, 1, 5));
            // the reader's pinned view still reads what it pinned; its close lets the record drain
            assertEquals(5, view.size());
            reader.close();
            // the held and paused loads, run now, install nothing
            cache.pauseLoads(false);
            loader.runAll();
            Kit.cycles(cache, 10);
            loader.runAll();
            Kit.until(cache, "everything drained", () -> metric(cache, "regions.draining") == 0 &&
                cache.memoryInUse() == 0);
            for (long id = 1; id <= 7; id++)
            {
                assertNull(cache.stateOf(id), "region " + id + " cached while disabled");
            }
            // the load policy loads nothing while disabled
            final Region hot = new Region(8, b("p"), b("u"), 1);
            for (int round = 0; round < 3; round++)
            {
                cache.recordStoreRead(hot, 10_000, 10);
                nextRound(cache);
                loader.runAll();
                Kit.cycles(cache, 3);
            }
            assertNull(cache.stateOf(8), "the policy loaded while disabled");
            assertEquals(0, metric(cache, "loads.policy"));

            assertEquals(ResultCode.OK, run(cache, cache.setEnabled(true)).code());
            assertTrue(cache.isEnabled());
            assertEquals(ResultCode.SKIPPED, run(cache, cache.setEnabled(true)).code());
            cache.recordStoreRead(hot, 10_000, 10);
            nextRound(cache);
            loader.runAll();
            Kit.until(cache, "the policy loads the hot region again", () -> cache.stateOf(8) == RegionState.ACTIVE);
            assertEquals(1, metric(cache, "loads.policy"));
            try (Snapshot snap = cache.snapshot(8, 1, 5))
            {
                assertEquals(5, snap.asNavigableMap().size());
            }
            // and the host loads again
            ok(cache, cache.loadRegion(new Region(2, b("a"), b("f"), 1)));
            loader.runAll();
            Kit.until(cache, "2 ACTIVE again", () -> cache.stateOf(2) == RegionState.ACTIVE);
            ok(cache, cache.createRegion(new Region(1, b("0"), b("a"), 1)));
        }
    }
}
