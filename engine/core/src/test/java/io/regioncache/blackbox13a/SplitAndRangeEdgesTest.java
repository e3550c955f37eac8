package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

class SplitAndRangeEdgesTest
{
    private static List<String> fwd(final SnapshotIterator it)
    {
        final List<String> out = new ArrayList<>();
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            out.add(new String(it.key()));
        }
        return out;
    }

    private static List<String> back(final SnapshotIterator it)
    {
        final List<String> out = new ArrayList<>();
        for (boolean ok = it.seekToLast(); ok; ok = it.prev())
        {
            out.add(new String(it.key()));
        }
        return out;
    }

    @Test
    void splitPiecesNeverShowTheirSiblingsKeys() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("s"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("b1")).put(b("c"), b("c1")).put(b("g"), b("g1"))
                .put(b("h"), b("h1")).put(b("m"), b("m1")).put(b("r"), b("r1"))));
            assertEquals(ResultCode.OK,
                r(cache.split(1, 1, new byte[][] {b("d"), b("h"), b("m")}, new long[] {2, 3, 4}, 2)).code());
            assertEquals(new Region(2, b("a"), b("d"), 2), cache.region(2));
            assertEquals(new Region(3, b("d"), b("h"), 2), cache.region(3));
            assertEquals(new Region(4, b("h"), b("m"), 2), cache.region(4));
            assertEquals(new Region(1, b("m"), b("s"), 2), cache.region(1));
            r(cache.write(new WriteBatch(3, 2, 5).put(b("e"), b("e5")).delete(b("g"))));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(2, 2, 10));
            assertEquals(List.of("b", "c"), fwd(s.iterator()));
            assertEquals(List.of("c", "b"), back(s.iterator()));
            SnapshotIterator it = s.iterator();
            assertTrue(it.seekForPrev(b("czzz")));
            assertEquals("c", new String(it.key()));
            assertFalse(it.next());
            assertEquals(SnapshotStatus.OK, s.open(3, 2, 10));
            assertEquals(List.of("e"), fwd(s.iterator()));
            assertEquals(List.of("e"), back(s.iterator()));
            it = s.iterator();
            assertFalse(it.seekForPrev(b("d")), "nothing at or before d inside [d, h)");
            assertTrue(it.seek(b("d")));
            assertEquals("e", new String(it.key()));
            assertFalse(it.prev());
            assertNull(s.get(b("g")));
            assertEquals(SnapshotStatus.OK, s.open(3, 2, 4));
            assertEquals(List.of("g"), fwd(s.iterator()), "history from before the split, read at version 4");
            assertEquals("g1", new String(s.get(b("g"))));
            assertEquals(SnapshotStatus.OK, s.open(4, 2, 10));
            assertEquals(List.of("h"), fwd(s.iterator()));
            assertEquals(List.of("h"), back(s.iterator()));
            it = s.iterator();
            assertFalse(it.seek(b("l")));
            assertEquals(SnapshotStatus.OK, s.open(1, 2, 10));
            assertEquals(List.of("m", "r"), fwd(s.iterator()));
            assertEquals(List.of("r", "m"), back(s.iterator()));
            assertThrows(IllegalArgumentException.class, () -> s.iterator(b("l"), null));
            s.close();
            // compaction gives each piece its own table; history above the safe point stays
            for (final long id : new long[] {1, 2, 3, 4})
            {
                final CommandResult c = r(cache.compact(id));
                assertTrue(c.code() == ResultCode.OK || c.code() == ResultCode.SKIPPED, c.toString());
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.metrics().get("compactions.finished") < cache.metrics().get("compactions.started") &&
                System.nanoTime() < deadline)
            {
                r(cache.advanceSafePoint(0));
            }
            assertEquals(SnapshotStatus.OK, s.open(3, 2, 4));
            assertEquals("g1", new String(s.get(b("g"))));
            assertEquals(List.of("g"), fwd(s.iterator()));
            assertEquals(SnapshotStatus.OK, s.open(3, 2, 10));
            assertEquals(List.of("e"), fwd(s.iterator()));
            assertEquals(SnapshotStatus.OK, s.open(4, 2, 10));
            assertEquals(List.of("h"), back(s.iterator()));
            s.dispose();
        }
    }

    @Test
    void splitOfTheWholeKeySpaceAtItsLowestKey() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(new byte[] {0}, b("z")).put(new byte[] {0, 0}, b("zz"))));
            assertEquals(ResultCode.OK, r(cache.split(1, 1, new byte[][] {{0}}, new long[] {2}, 2)).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(2, 2, 5));
            assertEquals(new Region(2, new byte[0], new byte[] {0}, 2), s.region());
            assertFalse(s.iterator().seekToFirst());
            assertFalse(s.iterator().seekToLast());
            assertNull(s.get(new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> s.get(new byte[] {0}));
            assertThrows(IllegalArgumentException.class, () -> s.iterator(null, new byte[0]),
                "an empty upper bound is +infinity: outside a region with an end");
            assertEquals(SnapshotStatus.OK, s.open(1, 2, 5));
            assertEquals(List.of("\0", "\0\0"), fwd(s.iterator(null, new byte[0])));
            assertEquals(List.of("\0\0", "\0"), back(s.iterator()));
            assertEquals("z", new String(s.get(new byte[] {0})));
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(2, 2, 2).put(new byte[] {0}, b("x")))).code());
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(2, 2, 2).put(new byte[0], b("x")))).code());
            s.dispose();
        }
    }

    @Test
    void rangeEvictionsRespectExclusiveEnds() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("c"), b("f"), 1)));
            r(cache.createRegion(new Region(2, b("f"), b("k"), 1)));
            r(cache.createRegion(new Region(3, b("k"), new byte[0], 1)));
            r(cache.createRegion(new Region(4, new byte[0], b("c"), 1)));
            assertEquals(ResultCode.OK, r(cache.deleteRange(b("b"), b("c"), 7)).code());
            assertNull(cache.stateOf(4));
            assertEquals(3, cache.regions().size(), "[b, c) ends where region 1 starts");
            r(cache.ingest(b("k"), b("k\0")));
            assertNull(cache.stateOf(3));
            assertEquals(RegionState.ACTIVE, cache.stateOf(2), "[k, k\\0) starts where region 2 ends");
        }
    }

    @Test
    void deleteRangeEvictsExactlyTheOverlappingRegions() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(4, new byte[0], b("c"), 1)));
            r(cache.createRegion(new Region(1, b("c"), b("f"), 1)));
            r(cache.createRegion(new Region(2, b("f"), b("k"), 1)));
            r(cache.createRegion(new Region(3, b("k"), new byte[0], 1)));
            r(cache.deleteRange(b("f"), b("k"), 7)); // exactly region 2
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertNull(cache.stateOf(2));
            assertEquals(RegionState.ACTIVE, cache.stateOf(3));
            assertEquals(1, cache.metrics().get("evictions.DELETE_RANGE"));
            r(cache.ingest(b("a"), b("c"))); // inside region 4 only
            assertNull(cache.stateOf(4));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(1, cache.metrics().get("evictions.INGEST"));
            r(cache.evictRange(b("zz"), new byte[0], EvictReason.MANUAL)); // open end, inside region 3
            assertNull(cache.stateOf(3));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            r(cache.createRegion(new Region(2, b("f"), b("k"), 2)));
            r(cache.deleteRange(new byte[0], new byte[0], 0)); // the whole key space
            assertEquals(0, cache.regions().size());
            assertEquals(ResultCode.INVALID, r(cache.deleteRange(b("b"), b("b"))).code());
            assertEquals(ResultCode.INVALID, r(cache.deleteRange(null, b("b"))).code());
            assertEquals(ResultCode.INVALID, r(cache.evictRange(b("a"), b("b"), null)).code());
        }
    }
}
