package io.regioncache.blackbox22;

import static io.regioncache.blackbox22.B.b;
import static io.regioncache.blackbox22.B.cycle;
import static io.regioncache.blackbox22.B.metric;
import static io.regioncache.blackbox22.B.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** README "How it works": the hash index, the budget's floor, and memory pressure. */
class IndexAndPressureTest
{
    /**
     * README: "at exactly segmentSize every region's first write answers MEMORY_LIMIT ... Give at least
     * 2 * segmentSize": with entries on (the default), a budget of two segments takes a region's first write.
     */
    @Test
    void twoSegmentsTakeTheFirstWriteWithEntriesOn() throws Exception
    {
        for (final int seg : new int[] {4096, 1 << 16, 1 << 20})
        {
            try (RegionCache cache = RegionCache.create(B.invoker().segmentSize(seg).capacityBytes(2L * seg).build()))
            {
                assertEquals(ResultCode.OK,
                    cycle(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1))).code());
                final CommandResult w = cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("k"), b("v"))));
                assertEquals(ResultCode.OK, w.code(), "segmentSize " + seg + ": " + w);
                try (Snapshot s = cache.newSnapshot())
                {
                    assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
                    assertArrayEquals(b("v"), s.get(b("k")));
                }
            }
        }
    }

    /**
     * README: "a new index generation (a table's first, ...) gets the one-miss entry column only if no sign of
     * memory pressure was seen within loadBackoffMillis ... Signs of pressure: a load refused at the stop-load
     * threshold ... The metric index.slots_only_for_memory counts the generations built without entries for lack of
     * memory".
     */
    @Test
    void afterALoadRefusedAtTheStopLoadThresholdNewIndexesAreSlotsOnly() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).loadBackoffMillis(3_600_000)
            .build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("f"), 1))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v")))).code());
            assertEquals(0, metric(cache, "index.slots_only_for_memory"), "no pressure yet");
            final long used = cache.memoryInUse();
            cache.updateMemoryLimits(64L << 20, 32L << 20, used);
            assertEquals(ResultCode.SKIPPED, cycle(cache, cache.loadRegion(new Region(9, b("x"), b("z"), 1))).code());
            cache.updateMemoryLimits(64L << 20, 32L << 20, 32L << 20);
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(2, b("f"), b("m"), 1))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(2, 1, 10).put(b("g"), b("w")))).code());
            assertTrue(metric(cache, "index.slots_only_for_memory") >= 1,
                "a table's first generation after a sign of pressure is slots-only");
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(2, 1, 10));
                assertArrayEquals(b("w"), s.get(b("g")));
            }
        }
    }

    /**
     * README: "gets the one-miss entry column only if ... memory in use plus the entries stays below the stop-load
     * threshold": with the stop-load threshold at 0 every new table's index is built slots-only.
     */
    @Test
    void aStopLoadThresholdTooLowForTheEntriesBuildsSlotsOnly() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().evictThresholdBytes(32L << 20)
            .stopLoadThresholdBytes(0).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("f"), 1))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v")))).code());
            assertTrue(metric(cache, "index.slots_only_for_memory") >= 1);
        }
    }

    /**
     * README: "At the hand-over to the scan thread (after the first 65,536 entries) the loader sizes the index ...
     * when the store can estimate sizes (... the in-memory store counts ...). loads.index_filled_during_copy counts
     * the loads whose index was filled this way." A pipelined load of 100,000 keys from the in-memory store fills it
     * during the copy, and every key reads back.
     */
    @Test
    void aLargePipelinedLoadFillsItsIndexDuringTheCopy() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            store.put(b(String.format("k%07d", i)), 5, b("v" + i));
        }
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(true)
            .loaderExecutor(null).capacityBytes(1L << 30).segmentSize(1 << 20).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("k"), b("l"), 1))).code());
            until(cache, "loaded", () -> cache.stateOf(1) == RegionState.ACTIVE);
            assertEquals(1, metric(cache, "loads.finished"));
            assertEquals(1, metric(cache, "loads.index_filled_during_copy"));
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
                for (int i = 0; i < n; i += 997)
                {
                    assertArrayEquals(b("v" + i), s.get(b(String.format("k%07d", i))));
                }
            }
        }
    }
}
