package io.regioncache.blackbox22;

import static io.regioncache.blackbox22.B.b;
import static io.regioncache.blackbox22.B.cycle;
import static io.regioncache.blackbox22.B.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** README "How it works": tables, splits and memory. */
class SplitMemoryTest
{
    /**
     * README: "A table takes whole segments, so every table that holds a node costs at least one (segmentSize ...),
     * charged to the budget (a created or loaded region has its own table ...)".
     */
    @Test
    void everyTableHoldingANodeCostsAtLeastOneSegment() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            final int n = 6;
            for (int i = 0; i < n; i++)
            {
                final String start = "k" + i;
                final String end = "k" + i + "z";
                assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(i + 1, b(start), b(end), 1))).code());
                assertEquals(ResultCode.OK,
                    cycle(cache, cache.write(new WriteBatch(i + 1, 1, 10).put(b(start + "a"), b("v")))).code());
            }
            assertTrue(cache.memoryInUse() >= (long) n * B.SEGMENT,
                "memory in use " + cache.memoryInUse() + " < " + n + " segments");
        }
    }

    /**
     * README: "the pieces of a split share their parent's [table] until a compaction" and "Split is O(1). The
     * children reference the parent's table with narrower bounds": a split takes no memory.
     */
    @Test
    void aSplitTakesNoMemoryAndThePiecesReadTheirKeys() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            final WriteBatch wb = new WriteBatch(1, 1, 10);
            for (char c = 'a'; c < 'z'; c++)
            {
                wb.put(b(c + "1"), b("v" + c));
            }
            assertEquals(ResultCode.OK, cycle(cache, cache.write(wb)).code());
            final long before = cache.memoryInUse();
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("h"), b("p")}, new long[] {2, 3}, 2)).code());
            B.cycles(cache, 5);
            assertEquals(before, cache.memoryInUse(), "a split shares the parent's table");
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(RegionState.ACTIVE, cache.stateOf(2));
            assertEquals(RegionState.ACTIVE, cache.stateOf(3));
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(3, 2, 10));
                assertArrayEquals(b("vh"), s.get(b("h1")));
                assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 1, 10), "the old epoch");
            }
        }
    }

    /**
     * README: "The same swap gives each child of a split its own table" and "Memory is only ever released when no
     * region and no pinned snapshot can reach it": compacting both pieces frees the parent's shared table once
     * nothing reaches it, and evicting both pieces then brings memory in use back to 0; reads stay right throughout.
     */
    @Test
    void compactingEachPieceGivesItItsOwnTable() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            final WriteBatch wb = new WriteBatch(1, 1, 10);
            for (char c = 'a'; c < 'z'; c++)
            {
                wb.put(b(c + "1"), b("v" + c));
            }
            assertEquals(ResultCode.OK, cycle(cache, cache.write(wb)).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(2)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
            until(cache, "both pieces compacted and ACTIVE",
                () -> cache.stateOf(1) == RegionState.ACTIVE && cache.stateOf(2) == RegionState.ACTIVE
                    && B.metric(cache, "regions.draining") == 0);
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(2, 2, 10));
                assertArrayEquals(b("va"), s.get(b("a1")));
                assertNull(s.get(b("a2")));
                assertEquals(SnapshotStatus.OK, s.open(1, 2, 10));
                assertArrayEquals(b("vn"), s.get(b("n1")));
                assertNull(s.get(b("n2")));
            }
            // Evict the left piece: the right one still reads, so it owns its data.
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(2, EvictReason.MANUAL)).code());
            until(cache, "left piece gone", () -> cache.stateOf(2) == null || cache.stateOf(2) == RegionState.GONE);
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(1, 2, 10));
                assertArrayEquals(b("vy"), s.get(b("y1")));
            }
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            until(cache, "memory back to 0", () -> cache.memoryInUse() == 0);
        }
    }

    /**
     * README: "Snapshots taken before the split keep reading the same table, and opening the old epoch returns
     * EPOCH_MISMATCH" — also after both pieces were evicted, the old snapshot reads the parent's whole range, and
     * memory comes back only when it closes.
     */
    @Test
    void aSnapshotFromBeforeTheSplitOutlivesThePiecesEviction() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("b"), b("1")).put(b("x"), b("2")))).code());
            final Snapshot old = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, old.open(1, 1, 10));
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(2, EvictReason.MANUAL)).code());
            B.cycles(cache, 10);
            assertTrue(cache.memoryInUse() > 0, "a pinned snapshot still reaches the table");
            assertArrayEquals(b("1"), old.get(b("b")));
            assertArrayEquals(b("2"), old.get(b("x")));
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 1, 10));
            }
            old.close();
            until(cache, "memory back to 0 once the snapshot closed", () -> cache.memoryInUse() == 0);
        }
    }
}
