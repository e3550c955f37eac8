package io.regioncache.blackbox11a;

import static io.regioncache.blackbox11a.B11.MAX_EPOCH;
import static io.regioncache.blackbox11a.B11.b;
import static io.regioncache.blackbox11a.B11.expect;
import static io.regioncache.blackbox11a.B11.invoker;
import static io.regioncache.blackbox11a.B11.ok;
import static io.regioncache.blackbox11a.B11.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * Region ids, epochs and conf versions at their extremes, through create, write, split, evict, merge and open.
 */
class RegionEpochBoundariesTest
{
    private static final byte[] E = new byte[0];

    @Test
    void regionIdsAtTheExtremes() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            for (final long id : new long[] {-1, -2, Long.MIN_VALUE})
            {
                expect(cache, ResultCode.INVALID, cache.createRegion(new Region(id, E, E, 1)), "create " + id);
                expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(id, 1, 1).put(b("k"), b("v"))), "write");
                expect(cache, ResultCode.INVALID, cache.evict(id, EvictReason.MANUAL), "evict " + id);
                expect(cache, ResultCode.INVALID, cache.destroy(id), "destroy " + id);
                expect(cache, ResultCode.INVALID, cache.prepareMerge(id), "prepareMerge " + id);
                expect(cache, ResultCode.INVALID, cache.commitMerge(1, id), "commitMerge " + id);
                expect(cache, ResultCode.INVALID, cache.compact(id), "compact " + id);
                expect(cache, ResultCode.INVALID, cache.setKeepCached(id, true), "keep " + id);
                expect(cache, ResultCode.INVALID, cache.applySnapshot(id), "applySnapshot " + id);
                final Snapshot snap = cache.newSnapshot();
                assertEquals(SnapshotStatus.NOT_CACHED, snap.open(id, 1, 1), "open " + id);
                snap.dispose();
                assertNull(cache.region(id));
                assertEquals(null, cache.stateOf(id) == RegionState.ACTIVE ? "cached" : null);
            }
            ok(cache, cache.createRegion(new Region(0, E, b("m"), 0)), "id 0");
            ok(cache, cache.createRegion(new Region(Long.MAX_VALUE, b("m"), E, MAX_EPOCH)), "id max");
            ok(cache, cache.write(new WriteBatch(0, 0, 1).put(b("a"), b("zero"))), "write 0");
            ok(cache, cache.write(new WriteBatch(Long.MAX_VALUE, MAX_EPOCH, 1).put(b("x"), b("max"))), "write max");
            assertEquals(0, cache.regionFor(b("a")).id());
            assertEquals(Long.MAX_VALUE, cache.regionFor(b("x")).id());
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(Long.MAX_VALUE, MAX_EPOCH, 1));
            assertEquals("max", s(snap.get(b("x"))));
            assertEquals(SnapshotStatus.OK, snap.open(0, 0, 1));
            assertEquals("zero", s(snap.get(b("a"))));
            snap.close();
            ok(cache, cache.commitMerge(0, Long.MAX_VALUE), "merge the two extremes");
            assertNull(cache.region(0));
            assertNull(cache.region(Long.MAX_VALUE));
            snap.dispose();
        }
    }

    @Test
    void epochsAtTheExtremes() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            for (final long epoch : new long[] {-1, MAX_EPOCH + 1, Long.MAX_VALUE, Long.MIN_VALUE})
            {
                expect(cache, ResultCode.INVALID, cache.createRegion(new Region(1, E, E, epoch)), "create " + epoch);
                expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, epoch, 1).put(b("k"), b("v"))),
                    "write " + epoch);
            }
            ok(cache, cache.createRegion(new Region(1, E, E, MAX_EPOCH - 1)), "create max-1");
            ok(cache, cache.write(new WriteBatch(1, MAX_EPOCH - 1, 1).put(b("a"), b("1")).put(b("q"), b("2"))), "w");
            // A split to an epoch past 2^32-1 is refused at the call, the region unchanged.
            expect(cache, ResultCode.INVALID, cache.split(1, MAX_EPOCH - 1, new byte[][] {b("m")}, new long[] {2},
                MAX_EPOCH + 1), "split past max");
            expect(cache, ResultCode.INVALID, cache.split(1, MAX_EPOCH - 1, new byte[][] {b("m")}, new long[] {2},
                Long.MAX_VALUE), "split to Long.MAX");
            assertEquals(MAX_EPOCH - 1, cache.region(1).epochVersion());
            ok(cache, cache.split(1, MAX_EPOCH - 1, new byte[][] {b("m")}, new long[] {Long.MAX_VALUE}, MAX_EPOCH),
                "split to max");
            assertEquals(MAX_EPOCH, cache.region(1).epochVersion());
            assertEquals(MAX_EPOCH, cache.region(Long.MAX_VALUE).epochVersion());
            // No epoch is above the top one: a further split is bad input, never a wrapped epoch.
            expect(cache, ResultCode.INVALID, cache.split(1, MAX_EPOCH, new byte[][] {b("g")}, new long[] {3},
                MAX_EPOCH), "split at max");
            expect(cache, ResultCode.INVALID, cache.split(1, MAX_EPOCH, new byte[][] {b("g")}, new long[] {3},
                MAX_EPOCH + 1), "split past max");
            final Snapshot snap = cache.newSnapshot();
            // The source keeps the right piece, the new id takes the left one.
            assertEquals(SnapshotStatus.OK, snap.open(1, MAX_EPOCH, 1));
            assertEquals("2", s(snap.get(b("q"))));
            for (final long epoch : new long[] {-1, 0, MAX_EPOCH - 1, MAX_EPOCH + 1, Long.MAX_VALUE, Long.MIN_VALUE,
                MAX_EPOCH | (1L << 40)})
            {
                assertEquals(SnapshotStatus.EPOCH_MISMATCH, snap.open(1, epoch, 1), "open at epoch " + epoch);
            }
            assertEquals(SnapshotStatus.OK, snap.open(Long.MAX_VALUE, MAX_EPOCH, 1));
            assertEquals("1", s(snap.get(b("a"))));
            snap.close();
            // A write at an older epoch is stale; at a newer but out-of-range one, INVALID (not a drift).
            expect(cache, ResultCode.STALE_EPOCH, cache.write(new WriteBatch(1, 0, 2).put(b("q"), b("x"))), "stale");
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, MAX_EPOCH + 1, 2).put(b("q"), b("x"))),
                "epoch 2^32");
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            snap.dispose();
        }
    }

    @Test
    void confVersionsAtTheExtremes() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, E, b("m"), 5, Long.MAX_VALUE)), "conf max");
            ok(cache, cache.createRegion(new Region(2, b("m"), E, 5, 0)), "conf 0");
            // The conf version is carried, never compared (README: a membership change moves no key).
            assertEquals(Long.MAX_VALUE, cache.region(1).confVersion());
            assertEquals(0, cache.region(2).confVersion());
            ok(cache, cache.split(1, 5, new byte[][] {b("g")}, new long[] {3}, 6), "split keeps the conf version");
            assertEquals(Long.MAX_VALUE, cache.region(3).confVersion());
        }
    }
}
