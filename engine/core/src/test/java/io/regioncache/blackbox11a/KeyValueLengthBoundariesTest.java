package io.regioncache.blackbox11a;

import static io.regioncache.blackbox11a.B11.b;
import static io.regioncache.blackbox11a.B11.expect;
import static io.regioncache.blackbox11a.B11.invoker;
import static io.regioncache.blackbox11a.B11.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * Keys and values of length 0, 1, exactly at the configured limit and one over it (also at the builder's extremes:
 * 65,535-byte keys, values larger than a segment), and region bounds at those lengths.
 */
class KeyValueLengthBoundariesTest
{
    private static final byte[] E = new byte[0];

    private static byte[] filled(final int n, final long seed)
    {
        final byte[] a = new byte[n];
        new Random(seed).nextBytes(a);
        return a;
    }

    @Test
    void atAndOverTheConfiguredLimits() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().maxKeyLength(16).maxValueLength(32).build()))
        {
            ok(cache, cache.createRegion(new Region(1, E, E, 1)), "create");
            final byte[] key16 = filled(16, 1);
            final byte[] val32 = filled(32, 2);
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 1).put(E, b("v"))), "empty key");
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 1).delete(E)), "empty key delete");
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 1).put(filled(17, 3), b("v"))), "17");
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 1).put(b("k"), filled(33, 4))), "33");
            expect(cache, ResultCode.INVALID,
                cache.write(new WriteBatch(1, 1, 1).put(b("k"), b("v")).delete(filled(17, 3))), "17 among good");
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(key16, val32).put(b("z"), E).put(new byte[] {0}, E)),
                "at the limits, an empty value, a 0x00 key");
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, 1));
            assertArrayEquals(val32, snap.get(key16));
            assertArrayEquals(E, snap.get(b("z")));
            assertArrayEquals(E, snap.get(new byte[] {0}));
            // A read of a key over the limit is "absent" (no stored key is), not an error; an empty key too.
            assertEquals(null, snap.get(filled(17, 3)));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[32]);
            assertEquals(-1, snap.get(new UnsafeBuffer(E), 0, 0, dst, 0), "empty key");
            assertEquals(0, snap.get(new UnsafeBuffer(b("z")), 0, 1, dst, 32), "empty value at the end of dst");
            assertEquals(32, snap.get(new UnsafeBuffer(key16), 0, 16, dst, 0));
            assertEquals(-2 - 32, snap.get(new UnsafeBuffer(key16), 0, 16, dst, 1), "one byte short");
            final SnapshotIterator it = snap.iterator();
            assertTrue(it.seekToFirst());
            assertArrayEquals(new byte[] {0}, it.key());
            assertEquals(0, it.valueLength());
            assertEquals(0, it.copyValue(new UnsafeBuffer(E), 0), "an empty value fits an empty buffer");
            snap.dispose();
            // A region bound of the key limit is a region; one over is refused.
            ok(cache, cache.destroy(1), "destroy");
            ok(cache, cache.createRegion(new Region(2, E, key16, 1)), "end at the limit");
            expect(cache, ResultCode.INVALID, cache.createRegion(new Region(3, key16, filled(17, 9), 1)), "17 end");
        }
    }

    @Test
    void emptyAndInvertedRanges() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            expect(cache, ResultCode.INVALID, cache.createRegion(new Region(1, b("m"), b("m"), 1)), "start == end");
            expect(cache, ResultCode.INVALID, cache.createRegion(new Region(1, b("n"), b("m"), 1)), "start > end");
            ok(cache, cache.createRegion(new Region(1, b("m"), b("m\0"), 1)), "a one-key range is a range");
        }
    }

    @Test
    void builderExtremes() throws Exception
    {
        // The largest key the builder allows, and a value 64 times the smallest segment.
        try (RegionCache cache = RegionCache.create(invoker().segmentSize(4096).maxKeyLength(65_535)
            .maxValueLength(1 << 18).build()))
        {
            ok(cache, cache.createRegion(new Region(1, E, E, 1)), "create");
            final byte[] bigKey = filled(65_535, 5);
            final byte[] bigValue = filled(1 << 18, 6);
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(bigKey, bigValue)), "max key + big value");
            final byte[] bigKey2 = bigKey.clone();
            bigKey2[65_534]++;
            ok(cache, cache.write(new WriteBatch(1, 1, 2).put(bigKey2, E).put(b("a"), b("b"))), "2");
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 3).put(filled(65_536, 7), E)), "65536");
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, 2));
            assertArrayEquals(bigValue, snap.get(bigKey));
            assertArrayEquals(E, snap.get(bigKey2));
            final SnapshotIterator it = snap.iterator();
            int n = 0;
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                n++;
            }
            assertEquals(3, n);
            assertTrue(it.seekForPrev(bigKey2));
            assertArrayEquals(bigKey2, it.key());
            assertTrue(it.prev());
            assertArrayEquals(bigKey, it.key());
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(16);
            // dst's capacity counts, not how far it could grow: "did not fit", nothing copied.
            assertEquals(-2 - (1 << 18), snap.get(new UnsafeBuffer(bigKey), 0, bigKey.length, dst, 0));
            final ExpandableArrayBuffer big = new ExpandableArrayBuffer(1 << 18);
            assertEquals(1 << 18, snap.get(new UnsafeBuffer(bigKey), 0, bigKey.length, big, 0));
            assertArrayEquals(bigValue, Arrays.copyOf(big.byteArray(), 1 << 18));
            snap.close();
            ok(cache, cache.split(1, 1, new byte[][] {bigKey2}, new long[] {2}, 2), "split at a 65,535-byte key");
            ok(cache, cache.advanceSafePoint(1, 5), "sp");
            ok(cache, cache.compact(1), "compact");
            assertEquals(SnapshotStatus.OK, snap.open(2, 2, 6));
            assertArrayEquals(bigValue, snap.get(bigKey));
            assertFalse(Arrays.equals(E, snap.get(b("a"))));
            snap.dispose();
        }
        assertThrows(IllegalArgumentException.class, () -> invoker().maxKeyLength(65_536).build());
        assertThrows(IllegalArgumentException.class, () -> invoker().maxKeyLength(0).build());
        assertThrows(IllegalArgumentException.class, () -> invoker().maxValueLength(-1).build());
        assertThrows(IllegalArgumentException.class, () -> invoker().maxValueLength((1 << 30) + 1).build());
    }

    @Test
    void maxValueLengthZeroKeepsOnlyEmptyValues() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().maxKeyLength(1).maxValueLength(0).build()))
        {
            ok(cache, cache.createRegion(new Region(1, E, E, 1)), "create");
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("k"), E).delete(b("d"))), "empty value");
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 2).put(b("k"), b("v"))), "1 byte");
            expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 2).put(b("kk"), E)), "2-byte key");
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, 1));
            assertArrayEquals(E, snap.get(b("k")));
            assertEquals(null, snap.get(b("d")));
            snap.dispose();
        }
    }
}
