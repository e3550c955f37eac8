package io.regioncache.blackbox11a;

import static io.regioncache.blackbox11a.B11.MAX_EPOCH;
import static io.regioncache.blackbox11a.B11.b;
import static io.regioncache.blackbox11a.B11.expect;
import static io.regioncache.blackbox11a.B11.invoker;
import static io.regioncache.blackbox11a.B11.ok;
import static io.regioncache.blackbox11a.B11.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * Versions, read versions and safe points at their extremes: 0, 1, negative, {@code Long.MAX_VALUE - 1},
 * {@code Long.MAX_VALUE}, {@code Long.MIN_VALUE}; equal and decreasing versions; compaction and GC at the top.
 */
class VersionBoundariesTest
{
    @Test
    void writeVersionsAtTheExtremes() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)), "create");
            // A new region's last version is 0: 0 repeats it, negatives are refused at the call.
            for (final long v : new long[] {0, -1, Long.MIN_VALUE})
            {
                expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, v).put(b("k"), b("v"))), "v=" + v);
            }
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("k"), b("one"))), "v=1");
            ok(cache, cache.write(new WriteBatch(1, 1, Long.MAX_VALUE - 1).put(b("k"), b("max-1"))), "v=max-1");
            expect(cache, ResultCode.INVALID,
                cache.write(new WriteBatch(1, 1, Long.MAX_VALUE - 1).put(b("k"), b("again"))), "equal");
            expect(cache, ResultCode.INVALID,
                cache.write(new WriteBatch(1, 1, 2).put(b("k"), b("back"))), "decreasing");
            ok(cache, cache.write(new WriteBatch(1, 1, Long.MAX_VALUE).put(b("k"), b("max")).put(b("e"), new byte[0])),
                "v=max");
            expect(cache, ResultCode.INVALID,
                cache.write(new WriteBatch(1, 1, Long.MAX_VALUE).put(b("k"), b("again"))), "equal at max");

            final Snapshot snap = cache.newSnapshot();
            for (final long rv : new long[] {0, -1, Long.MIN_VALUE})
            {
                // At or below the initial safe point (or simply before every version): never a value.
                final SnapshotStatus st = snap.open(1, 1, rv);
                if (st == SnapshotStatus.OK)
                {
                    assertNull(snap.get(b("k")), "rv=" + rv);
                    snap.close();
                }
                else
                {
                    assertEquals(SnapshotStatus.TOO_OLD_READ, st, "rv=" + rv);
                }
            }
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, 1));
            assertEquals("one", s(snap.get(b("k"))));
            assertNull(snap.get(b("e")));
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, Long.MAX_VALUE - 2));
            assertEquals("one", s(snap.get(b("k"))));
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, Long.MAX_VALUE - 1));
            assertEquals("max-1", s(snap.get(b("k"))));
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, Long.MAX_VALUE));
            assertEquals(Long.MAX_VALUE, snap.readVersion());
            assertEquals("max", s(snap.get(b("k"))));
            assertEquals(0, snap.get(b("e")).length, "an empty value is a value");
            final SnapshotIterator it = snap.iterator();
            assertTrue(it.seekToFirst());
            assertEquals("e", s(it.key()));
            assertEquals(Long.MAX_VALUE, it.version());
            assertEquals(0, it.valueLength());
            assertTrue(it.next());
            assertEquals("k", s(it.key()));
            assertEquals(Long.MAX_VALUE, it.version());
            assertTrue(!it.next());
            snap.close();

            // A compaction at the top safe point keeps the newest versions and reads at MAX still see them.
            ok(cache, cache.advanceSafePoint(1, Long.MAX_VALUE - 1), "sp max-1");
            ok(cache, cache.compact(1), "compact");
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(1, 1, Long.MAX_VALUE - 1));
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, Long.MAX_VALUE));
            assertEquals("max", s(snap.get(b("k"))));
            snap.close();
            ok(cache, cache.advanceSafePoint(Long.MAX_VALUE), "engine sp max");
            expect(cache, ResultCode.SKIPPED, cache.advanceSafePoint(1, Long.MAX_VALUE), "region sp equal");
            ok(cache, cache.compact(1), "compact at max");
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(1, 1, Long.MAX_VALUE));
            // The engine is still serving: the region is replaced by another one, at the extreme id and epoch.
            ok(cache, cache.destroy(1), "destroy");
            ok(cache, cache.createRegion(new Region(Long.MAX_VALUE, new byte[0], new byte[0], MAX_EPOCH)), "create 2");
            ok(cache, cache.write(new WriteBatch(Long.MAX_VALUE, MAX_EPOCH, Long.MAX_VALUE).put(b("k"), b("top"))),
                "write 2");
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(Long.MAX_VALUE, MAX_EPOCH, Long.MAX_VALUE),
                "the engine-wide safe point MAX holds for a region created after it");
            snap.dispose();
        }
    }

    @Test
    void safePointsRefusedAndIgnored() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(0, new byte[0], new byte[0], 0)), "create id 0 epoch 0");
            for (final long sp : new long[] {-1, -2, Long.MIN_VALUE})
            {
                expect(cache, ResultCode.INVALID, cache.advanceSafePoint(sp), "engine sp " + sp);
                expect(cache, ResultCode.INVALID, cache.advanceSafePoint(0, sp), "region sp " + sp);
            }
            expect(cache, ResultCode.INVALID, cache.advanceSafePoint(-1, 5), "region -1");
            expect(cache, ResultCode.INVALID, cache.advanceSafePoint(Long.MIN_VALUE, 5), "region min");
            expect(cache, ResultCode.NOT_CACHED, cache.advanceSafePoint(Long.MAX_VALUE, 5), "unknown max id");
            ok(cache, cache.advanceSafePoint(10), "engine 10");
            ok(cache, cache.advanceSafePoint(0), "engine lower: OK, ignored");
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(0, 0, 10));
            assertEquals(SnapshotStatus.OK, snap.open(0, 0, 11));
            snap.close();
            ok(cache, cache.write(new WriteBatch(0, 0, 1).put(b("a"), b("1"))), "write below the safe point");
            ok(cache, cache.write(new WriteBatch(0, 0, Long.MAX_VALUE).put(b("a"), b("2"))), "write at max");
            assertEquals(SnapshotStatus.OK, snap.open(0, 0, 11));
            assertEquals("1", s(snap.get(b("a"))));
            snap.dispose();
        }
    }

    @Test
    void deleteRangeVersions() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)), "create");
            expect(cache, ResultCode.INVALID, cache.deleteRange(new byte[0], new byte[0], -1), "-1");
            expect(cache, ResultCode.INVALID, cache.deleteRange(new byte[0], new byte[0], Long.MIN_VALUE), "min");
            assertEquals(1, cache.region(1).id(), "nothing evicted by the refused ones");
            ok(cache, cache.deleteRange(new byte[0], new byte[0], Long.MAX_VALUE), "max");
            assertNull(cache.region(1));
            expect(cache, ResultCode.NOT_CACHED, cache.deleteRange(new byte[0], new byte[0], 0), "0, nothing cached");
        }
    }
}
