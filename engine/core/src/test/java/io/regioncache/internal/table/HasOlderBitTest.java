package io.regioncache.internal.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeLayout#HAS_OLDER}: a scan's step leaves a node whose bit is clear without comparing keys, so every way a
 * version can be linked next to another of its key must set it. Each test links versions one way, then checks the
 * writer words ({@link MvccTable#backLinkErrors}) and that a cursor returns each key once, at its visible version.
 */
class HasOlderBitTest
{
    private final SegmentPool pool = new SegmentPool(1 << 16, Long.MAX_VALUE);
    private final MvccTable table = new MvccTable(pool, 64);

    @AfterEach
    void tearDown()
    {
        table.free();
        pool.close();
    }

    @Test
    void newerVersionLinkedInFrontOfTheNewest()
    {
        put("a", 1, "a1");
        put("k", 1, "k1");
        put("z", 1, "z1");
        put("k", 2, "k2"); // linked in front of k@1 (no search)
        put("k", 3, "k3");
        assertTrue(table.insertsLinkedInFront() > 0, "the in-front path was taken");
        assertScan(Long.MAX_VALUE, "a", "a1", "k", "k3", "z", "z1");
        assertScan(2, "a", "a1", "k", "k2", "z", "z1");
    }

    @Test
    void olderVersionLinkedAfterTheOldest()
    {
        put("a", 1, "a1");
        put("k", 5, "k5");
        put("z", 1, "z1");
        // An older version after k@5, as a loader inserts below a newer write: k@5, whose successor was z, gets the bit.
        put("k", 3, "k3");
        put("k", 1, "k1");
        assertScan(Long.MAX_VALUE, "a", "a1", "k", "k5", "z", "z1");
        assertScan(4, "a", "a1", "k", "k3", "z", "z1");
        assertScan(1, "a", "a1", "k", "k1", "z", "z1");
    }

    @Test
    void versionLinkedBetweenTwoOfItsKey()
    {
        put("k", 9, "k9");
        put("k", 1, "k1");
        put("m", 1, "m1");
        put("k", 5, "k5");
        assertScan(Long.MAX_VALUE, "k", "k9", "m", "m1");
        assertScan(6, "k", "k5", "m", "m1");
    }

    @Test
    void tombstoneWithOlderVersionsIsSkippedWhole()
    {
        put("a", 1, "a1");
        put("k", 1, "k1");
        put("k", 2, "k2");
        assertEquals(MvccTable.OK, table.delete(bytes("k"), 3));
        put("z", 1, "z1");
        assertScan(Long.MAX_VALUE, "a", "a1", "z", "z1");
        assertScan(2, "a", "a1", "k", "k2", "z", "z1");
    }

    @Test
    void keysOfOneVersionLeaveTheBitClear()
    {
        put("a", 1, "a1");
        put("b", 1, "b1");
        put("c", 1, "c1");
        final TableCursor cursor = table.newCursor();
        cursor.reset(Long.MAX_VALUE, (byte[])null, null);
        assertTrue(cursor.seekToFirst());
        int keys = 0;
        do
        {
            keys++;
        }
        while (cursor.next());
        assertEquals(3, keys);
        // no node has a successor of its own key, so none may carry the bit
        final long first = table.first();
        for (long n = first; NodeLayout.NULL != n; n = table.nextAcquire(n, 0))
        {
            final UnsafeBuffer s = table.arena().segment(n);
            assertFalse(NodeLayout.hasOlder(s.byteArray(), s.addressOffset() + NodeLayout.offset(n)));
        }
    }

    private void assertScan(final long readVersion, final String... keysAndValues)
    {
        assertEquals(0, table.backLinkErrors(), "writer words");
        final TableCursor cursor = table.newCursor();
        cursor.reset(readVersion, (byte[])null, null);
        boolean valid = cursor.seekToFirst();
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            assertTrue(valid, "key " + keysAndValues[i] + " at read version " + readVersion);
            assertArrayEquals(bytes(keysAndValues[i]), cursor.key(), "key at read version " + readVersion);
            assertArrayEquals(bytes(keysAndValues[i + 1]), cursor.value(), "value at read version " + readVersion);
            valid = cursor.next();
        }
        assertFalse(valid, "no key after the last at read version " + readVersion);
    }

    private void put(final String key, final long version, final String value)
    {
        assertEquals(MvccTable.OK, table.put(bytes(key), version, bytes(value)));
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
