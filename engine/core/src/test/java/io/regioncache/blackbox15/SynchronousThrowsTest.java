package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.r;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

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

/** "Calls that answer synchronously throw instead, at the call and before anything changes" (README). */
class SynchronousThrowsTest
{
    private static final long MAX_EPOCH = (1L << 32) - 1;

    /**
     * README: "`new WriteBatch(region, epoch, version, initialCapacity)` (`IllegalArgumentException` for a capacity
     * hint above `Integer.MAX_VALUE - 64`, the most a batch may hold encoded; a hint below 16, a negative one too,
     * means 16)".
     */
    @Test
    void writeBatchCapacityHint() throws Exception
    {
        assertThrows(IllegalArgumentException.class, () -> new WriteBatch(1, 1, 1, Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> new WriteBatch(1, 1, 1, Integer.MAX_VALUE - 63));
        for (final int hint : new int[] {Integer.MIN_VALUE, -1, 0, 1, 15, 16})
        {
            final WriteBatch batch = assertDoesNotThrow(() -> new WriteBatch(1, 1, 1, hint));
            batch.put(b("k"), new byte[100]); // grows past the hint
            assertEquals(1, batch.count());
        }
        try (RegionCache cache = RegionCache.create(B.cfg().build()))
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1, -5).put(b("b"), b("1")))).code());
        }
    }

    /**
     * README: "building a `WriteBatch` (`NullPointerException` for a null key or value, `IllegalArgumentException`
     * for an offset or length outside its buffer, negative or overflowing)" ... "The handle stays usable after such a
     * throw."
     */
    @Test
    void writeBatchBuildingThrowsAndChangesNothing()
    {
        final WriteBatch batch = new WriteBatch(1, 1, 1);
        final UnsafeBuffer k = new UnsafeBuffer(b("key"));
        final UnsafeBuffer v = new UnsafeBuffer(b("value"));
        assertThrows(NullPointerException.class, () -> batch.put(null, b("v")));
        assertThrows(NullPointerException.class, () -> batch.put(b("k"), null));
        assertThrows(NullPointerException.class, () -> batch.delete((byte[])null));
        assertThrows(NullPointerException.class, () -> batch.put(null, 0, 1, v, 0, 1));
        assertThrows(NullPointerException.class, () -> batch.put(k, 0, 1, null, 0, 1));
        assertThrows(NullPointerException.class, () -> batch.delete(null, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> batch.put(k, -1, 1, v, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> batch.put(k, 0, 4, v, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> batch.put(k, 0, -1, v, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> batch.put(k, 1, Integer.MAX_VALUE, v, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> batch.put(k, 0, 1, v, 2, Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> batch.put(k, 0, 1, v, 6, 0));
        assertThrows(IllegalArgumentException.class, () -> batch.delete(k, 3, 1));
        assertEquals(0, batch.count(), "nothing was appended");
        assertEquals(0, batch.encodedLength());
        batch.put(k, 0, 3, v, 5, 0).delete(k, 1, 2);
        assertEquals(2, batch.count());
    }

    /**
     * README: "`recordStoreRead` (`IllegalArgumentException` for a negative count or a region a command would refuse:
     * a reserved id, an epoch outside `0..2^32-1`, an empty or inverted range, a null bound or one over
     * `maxKeyLength`; nothing is recorded)".
     */
    @Test
    void recordStoreReadRefusals()
    {
        try (RegionCache cache = RegionCache.create(B.cfg().build()))
        {
            final Region good = new Region(1, b("a"), b("m"), 1);
            assertDoesNotThrow(() -> cache.recordStoreRead(good, 0, 0));
            assertDoesNotThrow(() -> cache.recordStoreRead(new Region(0, new byte[0], new byte[0], MAX_EPOCH), 5, 1));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(good, -1, 0));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(good, 0, -1));
            final byte[] tooLong = new byte[B.MAX_KEY + 1];
            tooLong[0] = 'n';
            for (final Region bad : new Region[] {
                new Region(-1, b("a"), b("m"), 1),
                new Region(1, b("a"), b("m"), -1),
                new Region(1, b("a"), b("m"), MAX_EPOCH + 1),
                new Region(1, b("m"), b("m"), 1),
                new Region(1, b("m"), b("a"), 1),
                new Region(1, null, b("m"), 1),
                new Region(1, b("a"), null, 1),
                new Region(1, b("a"), tooLong, 1),
                new Region(1, tooLong, new byte[0], 1)})
            {
                assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(bad, 1, 1), bad.toString());
            }
        }
    }

    /**
     * README: "a refused `iterator(lower, upper)` (a bound outside the region) leaves the iterator it handed out
     * before as it was" and "An iterator's bounds are any keys inside the region, also keys longer than
     * `maxKeyLength`".
     */
    @Test
    void refusedIteratorLeavesThePreviousOneAsItWas() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.cfg().build()))
        {
            r(cache.createRegion(new Region(1, b("b"), b("m"), 1)));
            final WriteBatch w = new WriteBatch(1, 1, 1);
            for (final String k : new String[] {"b", "c", "d", "e", "f", "l"})
            {
                w.put(b(k), b(k.toUpperCase()));
            }
            assertEquals(ResultCode.OK, r(cache.write(w)).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 5));
            final byte[] longLower = new byte[B.MAX_KEY + 8];
            java.util.Arrays.fill(longLower, (byte)'c');
            final SnapshotIterator it = s.iterator(longLower, b("f"));
            assertTrue(it.seekToFirst());
            assertEquals("d", new String(it.key()), "a bound longer than maxKeyLength falls between keys");
            for (final byte[][] bad : new byte[][][] {
                {b("a"), b("f")}, {b("c"), b("n")}, {b("m"), null}, {null, b("a")}, {new byte[0], null},
                {null, new byte[0]}})
            {
                assertThrows(IllegalArgumentException.class, () -> s.iterator(bad[0], bad[1]));
                assertTrue(it.isValid(), "still positioned");
                assertEquals("d", new String(it.key()));
            }
            final List<String> rest = new ArrayList<>();
            for (boolean ok = it.next(); ok; ok = it.next())
            {
                rest.add(new String(it.key()));
            }
            assertEquals(List.of("e"), rest, "the old bounds [c..., f) still hold");
            s.dispose();
        }
    }

    /**
     * README: "the iterator's `copyKey`/`copyValue`: `NullPointerException` for a null destination,
     * `IllegalArgumentException` when the entry does not fit in it from the offset, nothing copied".
     */
    @Test
    void iteratorCopies() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.cfg().build()))
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("key"), b("value"))));
            try (Snapshot s = cache.snapshot(1, 1, 1))
            {
                final SnapshotIterator it = s.iterator();
                assertThrows(IllegalStateException.class, () -> it.copyKey(new UnsafeBuffer(new byte[8]), 0),
                    "before the first move");
                assertTrue(it.seekToFirst());
                assertThrows(NullPointerException.class, () -> it.copyKey(null, 0));
                assertThrows(NullPointerException.class, () -> it.copyValue(null, 0));
                final byte[] dst = new byte[6];
                final UnsafeBuffer d = new UnsafeBuffer(dst);
                assertThrows(IllegalArgumentException.class, () -> it.copyKey(d, 4));
                assertThrows(IllegalArgumentException.class, () -> it.copyValue(d, 2));
                assertThrows(IllegalArgumentException.class, () -> it.copyValue(d, -1));
                assertThrows(IllegalArgumentException.class, () -> it.copyKey(d, 7));
                assertArrayEquals(new byte[6], dst, "nothing copied");
                assertEquals(3, it.copyKey(d, 3));
                assertEquals("\0\0\0key", new String(dst));
                assertEquals(5, it.copyValue(d, 1));
                assertEquals("\0value", new String(dst));
                final ExpandableArrayBuffer grows = new ExpandableArrayBuffer(1);
                assertEquals(5, it.copyValue(grows, 10));
                assertFalse(it.next());
                assertThrows(IllegalStateException.class, () -> it.copyValue(d, 0), "after a move returned false");
            }
        }
    }

    /**
     * README: "reading a snapshot (`get`, `getView`, `multiGet` (every key's slice, and `dstOffset`), iterator
     * `seek`/`seekForPrev`: the same two, plus `IllegalArgumentException` for a key outside the region and
     * `IllegalStateException` when not open ...). The handle stays usable after such a throw."
     */
    @Test
    void snapshotReadsThrowAndStayUsable() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.cfg().build()))
        {
            r(cache.createRegion(new Region(1, b("b"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("C"))));
            final Snapshot s = cache.newSnapshot();
            final UnsafeBuffer key = new UnsafeBuffer(b("c"));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
            assertThrows(IllegalStateException.class, () -> s.get(key, 0, 1, dst, 0), "not open");
            assertThrows(IllegalStateException.class, () -> s.getView(key, 0, 1, new UnsafeBuffer(0, 0)));
            assertThrows(IllegalStateException.class,
                () -> s.multiGet(key, new int[] {0}, new int[] {1}, 1, dst, 0, new int[1], new int[1]));
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertThrows(NullPointerException.class, () -> s.get(null, 0, 1, dst, 0));
            assertThrows(NullPointerException.class, () -> s.get(key, 0, 1, null, 0));
            assertThrows(IllegalArgumentException.class, () -> s.get(key, 0, 2, dst, 0));
            assertThrows(IllegalArgumentException.class, () -> s.get(key, 0, 1, dst, 9));
            assertThrows(IllegalArgumentException.class, () -> s.get(key, 0, 1, dst, -1));
            assertThrows(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("a")), 0, 1, dst, 0));
            assertThrows(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("m")), 0, 1, dst, 0));
            assertThrows(NullPointerException.class, () -> s.getView(key, 0, 1, null));
            assertThrows(IllegalArgumentException.class, () -> s.getView(b("z").length == 1 ?
                new UnsafeBuffer(b("z")) : null, 0, 1, new UnsafeBuffer(0, 0)));
            final UnsafeBuffer keys = new UnsafeBuffer(b("cxa"));
            assertThrows(IllegalArgumentException.class,
                () -> s.multiGet(keys, new int[] {0, 2}, new int[] {1, 2}, 2, dst, 0, new int[2], new int[2]),
                "a key's slice past its buffer");
            assertThrows(IllegalArgumentException.class,
                () -> s.multiGet(keys, new int[] {0, 2}, new int[] {1, 1}, 2, dst, 0, new int[2], new int[2]),
                "a key outside the region");
            assertThrows(IllegalArgumentException.class,
                () -> s.multiGet(keys, new int[] {0}, new int[] {1}, 1, dst, 9, new int[1], new int[1]), "dstOffset");
            final SnapshotIterator it = s.iterator();
            assertThrows(NullPointerException.class, () -> it.seek((byte[])null));
            assertThrows(NullPointerException.class, () -> it.seekForPrev(null, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> it.seek(key, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> it.seek(b("a")));
            assertThrows(IllegalArgumentException.class, () -> it.seekForPrev(b("m")));
            // still usable
            assertEquals(1, s.get(key, 0, 1, dst, 0));
            final int[] vo = new int[1];
            final int[] vl = new int[1];
            assertEquals(3, s.multiGet(key, new int[] {0}, new int[] {1}, 1, dst, 2, vo, vl));
            assertEquals(2, vo[0]);
            assertEquals(1, vl[0]);
            assertTrue(it.seek(b("b")));
            assertEquals("c", new String(it.key()));
            s.close();
            assertThrows(IllegalStateException.class, () -> it.seek(b("c")), "iterator of a closed snapshot");
            assertThrows(IllegalStateException.class, () -> s.get(b("c")));
            s.dispose();
            assertThrows(IllegalStateException.class, () -> s.open(1, 1, 1), "a disposed snapshot");
        }
    }
}
