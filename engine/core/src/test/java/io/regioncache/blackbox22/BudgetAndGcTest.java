package io.regioncache.blackbox22;

import static io.regioncache.blackbox22.B.b;
import static io.regioncache.blackbox22.B.cycle;
import static io.regioncache.blackbox22.B.metric;
import static io.regioncache.blackbox22.B.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** README "How it works": the budget, GC by compaction, conflicts. */
class BudgetAndGcTest
{
    /**
     * README: "Defaults follow TiKV's rules" (evict = capacity - min(capacity/10, 200 MiB), stopLoad = evict -
     * min(15% capacity, 2 * regionSize + 200 MiB)), and the README's defaults: segmentSize 1 MiB,
     * loadScanThreads 1, hugePages off, inlineNewestVersions on.
     */
    @Test
    void defaultsFollowTikvsRules()
    {
        final RegionCacheConfig d = RegionCacheConfig.builder().build();
        assertEquals(1 << 20, d.segmentSize());
        assertEquals(1, d.loadScanThreads());
        assertFalse(d.hugePages());
        assertTrue(d.inlineNewestVersions());
        final long cap = 8L << 30;
        final RegionCacheConfig c = RegionCacheConfig.builder().capacityBytes(cap).build();
        final long evict = cap - (200L << 20);
        assertEquals(evict, c.evictThresholdBytes());
        assertEquals(evict - Math.min(cap * 15 / 100, 2 * (96L << 20) + (200L << 20)), c.stopLoadThresholdBytes());
        final long small = 100L << 20;
        final RegionCacheConfig s = RegionCacheConfig.builder().capacityBytes(small).build();
        assertEquals(small - small / 10, s.evictThresholdBytes());
        assertEquals(small - small / 10 - small * 15 / 100, s.stopLoadThresholdBytes());
    }

    /**
     * README: "The thresholds are validated with messages that name the setting, and can be changed at run time
     * (cache.updateMemoryLimits(capacity, evict, stopLoad))."
     */
    @Test
    void thresholdsAreValidatedByNameAtBuildAndAtRunTime() throws Exception
    {
        final IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
            () -> RegionCacheConfig.builder().capacityBytes(1L << 30).evictThresholdBytes(2L << 30).build());
        assertTrue(e1.getMessage().contains("evictThresholdBytes"), e1.getMessage());
        final IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
            () -> RegionCacheConfig.builder().capacityBytes(1L << 30).evictThresholdBytes(512L << 20)
                .stopLoadThresholdBytes(600L << 20).build());
        assertTrue(e2.getMessage().contains("stopLoadThresholdBytes"), e2.getMessage());
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            final IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> cache.updateMemoryLimits(64L << 20, 65L << 20, 1L << 20));
            assertTrue(e3.getMessage().contains("evictThresholdBytes"), e3.getMessage());
            final IllegalArgumentException e4 = assertThrows(IllegalArgumentException.class,
                () -> cache.updateMemoryLimits(64L << 20, 32L << 20, 33L << 20));
            assertTrue(e4.getMessage().contains("stopLoadThresholdBytes"), e4.getMessage());
            cache.updateMemoryLimits(32L << 20, 16L << 20, 8L << 20);
            assertEquals(32L << 20, metric(cache, "memory.capacity"));
        }
    }

    /**
     * README: "The smallest budget build() accepts is one segment (capacityBytes >= segmentSize), but ... at exactly
     * segmentSize every region's first write answers MEMORY_LIMIT (the region is evicted, the engine keeps serving,
     * nothing leaks)."
     */
    @Test
    void aOneSegmentBudget() throws Exception
    {
        assertThrows(IllegalArgumentException.class,
            () -> B.invoker().capacityBytes(B.SEGMENT - 1).build());
        try (RegionCache cache = RegionCache.create(B.invoker().capacityBytes(B.SEGMENT).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            final CommandResult w = cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
            assertEquals(ResultCode.MEMORY_LIMIT, w.code(), w.toString());
            until(cache, "evicted", () -> cache.stateOf(1) == null || cache.stateOf(1) == RegionState.GONE);
            assertEquals(0, cache.memoryInUse());
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(2, b("m"), b("z"), 1))).code());
        }
    }

    /**
     * README: "Advancing the safe point lets the policy, or compact(id), rebuild a region into a fresh private table
     * ..., keeping only the newest version at or below the safe point. The apply thread replays the batches that
     * landed meanwhile and swaps in a successor record. Snapshots already open keep their table; reads at or below
     * the safe point are refused."
     */
    @Test
    void compactionKeepsTheNewestAtTheSafePointAndOpenSnapshotsKeepTheirTable() throws Exception
    {
        final B.HeldExecutor gc = new B.HeldExecutor();
        try (RegionCache cache = RegionCache.create(B.invoker().gcExecutor(gc).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            for (long v = 10; v <= 30; v += 10)
            {
                assertEquals(ResultCode.OK,
                    cycle(cache, cache.write(new WriteBatch(1, 1, v).put(b("k"), b("v" + v)))).code());
            }
            final Snapshot old = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, old.open(1, 1, 10));
            assertEquals(ResultCode.OK, cycle(cache, cache.advanceSafePoint(25)).code());
            final CommandResult started = cycle(cache, cache.compact(1));
            assertEquals(ResultCode.OK, started.code(), started.toString());
            B.cycles(cache, 3);
            // A batch lands while the copy is held: replayed before the swap.
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(1, 1, 40).put(b("d"), b("new")))).code());
            assertTrue(gc.runAll() > 0, "a compaction job was handed to the GC executor");
            until(cache, "swapped", () -> B.metric(cache, "regions.draining") == 1);
            assertArrayEquals(b("v10"), old.get(b("k")), "an open snapshot keeps its table");
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 25));
                assertEquals(SnapshotStatus.OK, s.open(1, 1, 26));
                assertArrayEquals(b("v20"), s.get(b("k")));
                assertNull(s.get(b("d")));
                assertEquals(SnapshotStatus.OK, s.open(1, 1, 40));
                assertArrayEquals(b("v30"), s.get(b("k")));
                assertArrayEquals(b("new"), s.get(b("d")));
            }
            old.close();
            until(cache, "drained", () -> B.metric(cache, "regions.draining") == 0);
        }
    }

    /**
     * README: "A command that finds its region in a state it cannot act on attempts no move and answers
     * STATE_CONFLICT: that is counted in conflicts and logged at WARN, not as a refused move."
     */
    @Test
    void aConflictIsCountedAsAConflictNotARefusedMove() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            final long refused = metric(cache, "transitions.refused");
            final long conflicts = metric(cache, "conflicts");
            final CommandResult r = cycle(cache,
                cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2, RegionState.LOADING));
            assertEquals(ResultCode.STATE_CONFLICT, r.code(), r.toString());
            assertEquals(conflicts + 1, metric(cache, "conflicts"));
            assertEquals(refused, metric(cache, "transitions.refused"));
        }
    }

    /**
     * README: "Released memory is kept for reuse, outside the budget's charge": once an evicted region drains,
     * memory in use is 0 again, and the same region written again is charged as before.
     */
    @Test
    void releasedMemoryIsOutsideTheCharge() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v")))).code());
            final long charged = cache.memoryInUse();
            assertTrue(charged > 0);
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            until(cache, "memory back to 0", () -> cache.memoryInUse() == 0);
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 2))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(1, 2, 10).put(b("c"), b("v")))).code());
            assertEquals(charged, cache.memoryInUse());
        }
    }
}
