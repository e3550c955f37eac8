package io.regioncache.blackbox11a;

import static io.regioncache.blackbox11a.B11.b;
import static io.regioncache.blackbox11a.B11.invoker;
import static io.regioncache.blackbox11a.B11.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * Offsets and lengths whose sum overflows an int, negatives, {@code Integer.MIN/MAX_VALUE}, and {@code multiGet}
 * counts of 0, negative and past the arrays: each an {@code IllegalArgumentException} at the call, nothing changed,
 * the handle still usable; the valid extremes (a slice ending exactly at the capacity, a destination offset equal
 * to it, count 0) work.
 */
class BufferBoundariesTest
{
    private static final int[][] BAD = {
        {Integer.MAX_VALUE, 1}, {1, Integer.MAX_VALUE}, {Integer.MAX_VALUE, Integer.MAX_VALUE}, {-1, 1}, {0, -1},
        {Integer.MIN_VALUE, 1}, {1, Integer.MIN_VALUE}, {4, 1}, {0, 5}, {5, 0}, {Integer.MIN_VALUE, Integer.MIN_VALUE},
    };

    private static void iae(final String what, final Executable call)
    {
        assertThrows(IllegalArgumentException.class, call, what);
    }

    @Test
    void writeBatchSlices()
    {
        final UnsafeBuffer four = new UnsafeBuffer(b("abcd"));
        for (final int[] s : BAD)
        {
            final String at = s[0] + "/" + s[1];
            final WriteBatch w = new WriteBatch(1, 1, 1);
            iae("put key " + at, () -> w.put(four, s[0], s[1], four, 0, 1));
            iae("put value " + at, () -> w.put(four, 0, 1, four, s[0], s[1]));
            iae("delete " + at, () -> w.delete(four, s[0], s[1]));
            assertEquals(0, w.count(), at);
        }
        final WriteBatch w = new WriteBatch(1, 1, 1).put(four, 0, 4, four, 4, 0).put(four, 3, 1, four, 0, 4)
            .delete(four, 4, 0);
        assertEquals(3, w.count(), "slices ending exactly at the capacity");
    }

    @Test
    void writeBatchInitialCapacity()
    {
        // A hint for the encoded size: past what a batch may ever hold (2 GiB less 64 bytes) is bad input, never an
        // OutOfMemoryError from the array allocation (which ended the test JVM); below 16, negatives too, means 16.
        for (final int c : new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 63})
        {
            iae("initialCapacity " + c, () -> new WriteBatch(1, 1, 1, c));
        }
        for (final int c : new int[] {Integer.MIN_VALUE, -1, 0, 1, 16})
        {
            assertEquals(1, new WriteBatch(1, 1, 1, c).put(b("k"), b("v")).count());
        }
    }

    @Test
    void snapshotSlicesAndCounts() throws Exception
    {
        try (RegionCache cache = RegionCache.create(invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)), "create");
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("abcd"), b("v4")).put(b("d"), b("v1"))), "write");
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, 1));
            final UnsafeBuffer keys = new UnsafeBuffer(b("abcd"));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
            for (final int[] s : BAD)
            {
                final String at = s[0] + "/" + s[1];
                iae("get " + at, () -> snap.get(keys, s[0], s[1], dst, 0));
                iae("getView " + at, () -> snap.getView(keys, s[0], s[1], new UnsafeBuffer(0, 0)));
                iae("multiGet " + at, () -> snap.multiGet(keys, new int[] {0, s[0]}, new int[] {4, s[1]}, 2, dst, 0,
                    new int[2], new int[2]));
                final SnapshotIterator it = snap.iterator();
                iae("seek " + at, () -> it.seek(keys, s[0], s[1]));
                iae("seekForPrev " + at, () -> it.seekForPrev(keys, s[0], s[1]));
            }
            for (final int off : new int[] {-1, 9, Integer.MAX_VALUE, Integer.MIN_VALUE})
            {
                iae("dstOffset " + off, () -> snap.get(keys, 0, 4, dst, off));
                iae("multiGet dstOffset " + off, () -> snap.multiGet(keys, new int[] {0}, new int[] {4}, 1, dst, off,
                    new int[1], new int[1]));
                final SnapshotIterator it = snap.iterator();
                assertTrue(it.seekToFirst());
                iae("copyKey " + off, () -> it.copyKey(dst, off));
                iae("copyValue " + off, () -> it.copyValue(dst, off));
            }
            for (final int count : new int[] {-1, 3, Integer.MAX_VALUE, Integer.MIN_VALUE})
            {
                iae("count " + count, () -> snap.multiGet(keys, new int[2], new int[2], count, dst, 0, new int[2],
                    new int[2]));
            }
            iae("a result array shorter than count", () -> snap.multiGet(keys, new int[2], new int[] {1, 1}, 2, dst,
                0, new int[2], new int[1]));
            // The valid extremes.
            final int[] offs = new int[] {0, 3};
            final int[] lens = new int[] {4, 1};
            final int[] vo = new int[2];
            final int[] vl = new int[2];
            assertEquals(8, snap.multiGet(keys, offs, lens, 0, dst, 8, vo, vl), "count 0 at dst's end: dstOffset");
            assertEquals(8, snap.multiGet(keys, offs, lens, 2, dst, 8, vo, vl), "nothing fits at dst's end");
            assertEquals(-2 - 2, vl[0], "did not fit at dst's end");
            assertEquals(8, snap.multiGet(keys, offs, lens, 2, dst, 4, vo, vl), "two values filling dst exactly");
            assertEquals(2, vl[0]);
            assertEquals(6, vo[1]);
            assertEquals(2, vl[1]);
            assertEquals(7, snap.multiGet(keys, offs, lens, 2, dst, 5, vo, vl));
            assertEquals(-2 - 2, vl[1], "the second no longer fits");
            assertEquals(2, snap.get(keys, 3, 1, dst, 6), "a key slice ending at the capacity, dst filled exactly");
            // The handle is still usable after every throw.
            assertEquals("v4", B11.s(snap.get(b("abcd"))));
            snap.dispose();
        }
    }
}
