package io.regioncache.internal.table;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MvccTableTest
{
    private static final int SEG = 64 * 1024;

    private final SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE);
    private final MvccTable table = new MvccTable(pool, 256);

    @AfterEach
    void tearDown()
    {
        table.free();
        assertEquals(0, pool.bytesInUse(), "everything returned to the pool");
        pool.close();
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void deferredHashIndexIsBuiltFromTheKeysInOrder()
    {
        table.deferHashIndex();
        // sorted input (as a load delivers it) with several versions and a tombstone, then unsorted stragglers
        for (int i = 0; i < 5_000; i++)
        {
            final byte[] k = b(String.format("k%05d", i));
            assertEquals(MvccTable.OK, table.put(k, 20, b("new" + i)));
            assertEquals(MvccTable.OK, table.put(k, 10, b("old" + i)));
        }
        assertEquals(MvccTable.OK, table.delete(b("k00007"), 30));
        assertEquals(MvccTable.OK, table.put(b("a-first"), 5, b("a")));
        assertEquals(MvccTable.DUPLICATE, table.put(b("k00003"), 20, b("dup")));
        assertNull(table.get(b("k00001"), 25), "no index yet: gets find nothing");
        assertTrue(table.buildHashIndex());
        assertEquals(5_001, table.keyCount());
        assertArrayEquals(b("new1"), table.get(b("k00001"), 25));
        assertArrayEquals(b("old1"), table.get(b("k00001"), 15));
        assertNull(table.get(b("k00007"), 35), "tombstone is the newest version");
        assertArrayEquals(b("new7"), table.get(b("k00007"), 25));
        assertArrayEquals(b("a"), table.get(b("a-first"), 5));
        assertArrayEquals(b("new4999"), table.get(b("k04999"), 100));
        // maintained normally from now on
        assertEquals(MvccTable.OK, table.put(b("k00001"), 40, b("newest")));
        assertArrayEquals(b("newest"), table.get(b("k00001"), 45));
        assertEquals(MvccTable.OK, table.put(b("zz"), 1, b("z")));
        assertArrayEquals(b("z"), table.get(b("zz"), 1));
    }

    @Test
    void emptyTable()
    {
        assertNull(table.get(b("a"), Long.MAX_VALUE));
        final TableCursor cursor = table.newCursor();
        cursor.reset(Long.MAX_VALUE, (byte[])null, null);
        assertFalse(cursor.seekToFirst());
        assertFalse(cursor.seekToLast());
        assertFalse(cursor.seek(b("a")));
        assertEquals(0, table.memoryBytes());
        assertEquals(0, pool.bytesInUse());
    }

    @Test
    void versionsAndTombstones()
    {
        assertEquals(MvccTable.OK, table.put(b("k"), 10, b("v10")));
        assertEquals(MvccTable.OK, table.put(b("k"), 20, b("v20")));
        assertEquals(MvccTable.OK, table.delete(b("k"), 30));
        assertEquals(MvccTable.OK, table.put(b("k"), 40, b("v40")));
        assertEquals(MvccTable.OK, table.put(b("k"), 5, b("v5")), "older version inserted late");

        assertNull(table.get(b("k"), 4));
        assertArrayEquals(b("v5"), table.get(b("k"), 5));
        assertArrayEquals(b("v5"), table.get(b("k"), 9));
        assertArrayEquals(b("v10"), table.get(b("k"), 10));
        assertArrayEquals(b("v20"), table.get(b("k"), 29));
        assertNull(table.get(b("k"), 30));
        assertNull(table.get(b("k"), 39));
        assertArrayEquals(b("v40"), table.get(b("k"), Long.MAX_VALUE));
        assertNull(table.get(b("other"), Long.MAX_VALUE));
        assertNull(table.get(b("j"), Long.MAX_VALUE));
        assertEquals(5, table.nodeCount());
        assertEquals(1, table.keyCount());
    }

    @Test
    void duplicatesWriteNothing()
    {
        assertEquals(MvccTable.OK, table.put(b("k"), 10, b("a")));
        assertEquals(MvccTable.DUPLICATE, table.put(b("k"), 10, b("b")));
        assertEquals(MvccTable.DUPLICATE, table.delete(b("k"), 10));
        assertEquals(MvccTable.OK, table.put(b("k"), 11, b("c")));
        assertEquals(MvccTable.DUPLICATE, table.put(b("k"), 11, b("d")));
        assertArrayEquals(b("a"), table.get(b("k"), 10));
        assertArrayEquals(b("c"), table.get(b("k"), 11));
        assertEquals(2, table.nodeCount());
    }

    @Test
    void emptyKeyAndEmptyValue()
    {
        assertEquals(MvccTable.OK, table.put(new byte[0], 1, b("empty-key")));
        assertEquals(MvccTable.OK, table.put(b("x"), 1, new byte[0]));
        assertArrayEquals(b("empty-key"), table.get(new byte[0], 1));
        assertArrayEquals(new byte[0], table.get(b("x"), 1));
    }

    @Test
    void unsignedKeyOrder()
    {
        final byte[][] keys = {
            {(byte)0xFF}, {0x00}, {0x7F}, {(byte)0x80}, {}, {0x00, 0x00},
            {1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8, 0}, {1, 2, 3, 4, 5, 6, 7, (byte)0x90},
        };
        for (final byte[] key : keys)
        {
            assertEquals(MvccTable.OK, table.put(key, 1, key));
        }
        final byte[][] expected = {
            {}, {0x00}, {0x00, 0x00}, {1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8, 0},
            {1, 2, 3, 4, 5, 6, 7, (byte)0x90}, {0x7F}, {(byte)0x80}, {(byte)0xFF},
        };
        final TableCursor cursor = table.newCursor();
        cursor.reset(1, (byte[])null, null);
        int i = 0;
        for (boolean ok = cursor.seekToFirst(); ok; ok = cursor.next())
        {
            assertArrayEquals(expected[i++], cursor.key());
        }
        assertEquals(expected.length, i);
        for (boolean ok = cursor.seekToLast(); ok; ok = cursor.prev())
        {
            assertArrayEquals(expected[--i], cursor.key());
        }
        assertEquals(0, i);
    }

    @Test
    void getIntoBufferAndViews()
    {
        table.put(b("key"), 7, b("hello world"));
        final UnsafeBuffer key = new UnsafeBuffer(b("key"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[32]);
        assertEquals(11, table.get(key, 0, 3, 7, dst, 4));
        assertEquals("hello world", dst.getStringWithoutLengthAscii(4, 11));

        final UnsafeBuffer small = new UnsafeBuffer(new byte[10]);
        assertEquals(-2 - 11, table.get(key, 0, 3, 7, small, 0), "too small: -2 - required");
        assertEquals(0, small.getByte(0), "nothing copied");
        assertEquals(MvccTable.NOT_FOUND, table.get(key, 0, 3, 6, dst, 0));

        final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        assertTrue(table.getView(key, 0, 3, 100, view));
        assertEquals("hello world", view.getStringWithoutLengthAscii(0, view.capacity()));
        assertFalse(table.getView(key, 0, 3, 1, view));
    }

    @Test
    void cursorSkipsShadowedAndDeleted()
    {
        table.put(b("a"), 1, b("a1"));
        table.put(b("a"), 3, b("a3"));
        table.put(b("b"), 2, b("b2"));
        table.delete(b("b"), 4);
        table.put(b("c"), 5, b("c5"));
        table.delete(b("d"), 1);
        table.put(b("e"), 1, b("e1"));

        final TableCursor cursor = table.newCursor();
        cursor.reset(4, (byte[])null, null);
        assertEquals(List.of("a=a3@3", "e=e1@1"), forward(cursor));
        cursor.reset(2, (byte[])null, null);
        assertEquals(List.of("a=a1@1", "b=b2@2", "e=e1@1"), forward(cursor));
        cursor.reset(10, (byte[])null, null);
        assertEquals(List.of("a=a3@3", "c=c5@5", "e=e1@1"), forward(cursor));
        assertEquals(List.of("e=e1@1", "c=c5@5", "a=a3@3"), backward(cursor));

        cursor.reset(10, b("b"), b("e"));
        assertEquals(List.of("c=c5@5"), forward(cursor));
        assertEquals(List.of("c=c5@5"), backward(cursor));
        assertTrue(cursor.seek(b("a")));
        assertEquals("c", new String(cursor.key(), StandardCharsets.UTF_8));
        assertTrue(cursor.seekForPrev(b("z")));
        assertEquals("c", new String(cursor.key(), StandardCharsets.UTF_8));
        assertFalse(cursor.seekForPrev(b("bz")));
        assertFalse(cursor.seek(b("ca")));
        assertFalse(cursor.next());
        assertThrows(IllegalStateException.class, cursor::key);
    }

    @Test
    void rawCursorSeesEveryNode()
    {
        table.put(b("a"), 1, b("a1"));
        table.put(b("a"), 3, b("a3"));
        table.delete(b("b"), 4);
        table.put(b("b"), 2, b("b2"));
        table.put(b("c"), 5, b("c5"));

        final RawCursor raw = table.newRawCursor();
        raw.reset((byte[])null, null);
        final List<String> seen = new ArrayList<>();
        final UnsafeBuffer k = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer v = new UnsafeBuffer(new byte[0]);
        for (boolean ok = raw.seekToFirst(); ok; ok = raw.next())
        {
            raw.keyView(k);
            raw.valueView(v);
            seen.add(k.getStringWithoutLengthAscii(0, k.capacity()) + "@" + raw.version() +
                (raw.isTombstone() ? "X" : "=" + v.getStringWithoutLengthAscii(0, v.capacity())));
        }
        assertEquals(List.of("a@3=a3", "a@1=a1", "b@4X", "b@2=b2", "c@5=c5"), seen);

        raw.reset(b("b"), b("c"));
        seen.clear();
        for (boolean ok = raw.seekToFirst(); ok; ok = raw.next())
        {
            seen.add(raw.version() + (raw.isTombstone() ? "X" : ""));
        }
        assertEquals(List.of("4X", "2"), seen);
    }

    @Test
    void largeValuesLiveInDedicatedBuffers()
    {
        final byte[] big = new byte[3 * SEG + 17];
        for (int i = 0; i < big.length; i++)
        {
            big[i] = (byte)(i * 31);
        }
        final byte[] big2 = big.clone();
        big2[0] = 1;
        table.put(b("small"), 1, b("s"));
        assertEquals(MvccTable.OK, table.put(b("big"), 1, big));
        assertEquals(MvccTable.OK, table.put(b("big"), 2, big2));
        assertEquals(MvccTable.OK, table.put(b("small2"), 1, b("s2")));
        assertArrayEquals(big, table.get(b("big"), 1));
        assertArrayEquals(big2, table.get(b("big"), 2));
        assertArrayEquals(b("s2"), table.get(b("small2"), 3));

        final TableCursor cursor = table.newCursor();
        cursor.reset(1, (byte[])null, null);
        assertTrue(cursor.seek(b("big")));
        assertArrayEquals(big, cursor.value());
        assertTrue(table.memoryBytes() > 2L * big.length);
        assertEquals(table.memoryBytes(), pool.bytesInUse());
    }

    @Test
    void hashIndexGrows()
    {
        final int n = 20_000;
        for (int i = 0; i < n; i++)
        {
            assertEquals(MvccTable.OK, table.put(b("key-" + i), 1, b("v" + i)));
        }
        for (int i = 0; i < n; i += 2)
        {
            assertEquals(MvccTable.OK, table.put(b("key-" + i), 2, b("w" + i)));
        }
        assertEquals(n, table.keyCount());
        assertEquals(n + n / 2, table.nodeCount());
        for (int i = 0; i < n; i++)
        {
            assertArrayEquals(b("v" + i), table.get(b("key-" + i), 1));
            assertArrayEquals(b((i % 2 == 0 ? "w" : "v") + i), table.get(b("key-" + i), 2));
        }
        assertEquals(table.memoryBytes(), pool.bytesInUse());
    }

    @Test
    void noMemoryLeavesTableConsistent()
    {
        final SegmentPool tiny = new SegmentPool(4096, 6 * 4096);
        final MvccTable small = new MvccTable(tiny, 64);
        int ok = 0;
        int i = 0;
        int result;
        while ((result = small.put(b("key-" + i), 1, new byte[100])) == MvccTable.OK)
        {
            ok++;
            i++;
        }
        assertEquals(MvccTable.NO_MEMORY, result);
        assertTrue(ok > 10);
        assertEquals(ok, small.nodeCount());
        assertEquals(ok, small.keyCount());
        assertNull(small.get(b("key-" + ok), Long.MAX_VALUE), "failed write is not visible");
        assertEquals(MvccTable.NO_MEMORY, small.put(b("huge"), 1, new byte[5 * 4096]));
        assertTrue(small.memoryBytes() <= tiny.capacity());

        // Raising the cap lets writes proceed; everything written before is intact.
        tiny.setCapacity(Long.MAX_VALUE);
        assertEquals(MvccTable.OK, small.put(b("key-" + ok), 1, new byte[100]));
        assertEquals(MvccTable.OK, small.put(b("huge"), 1, new byte[5 * 4096]));
        final TableCursor cursor = small.newCursor();
        cursor.reset(1, (byte[])null, null);
        int count = 0;
        for (boolean valid = cursor.seekToFirst(); valid; valid = cursor.next())
        {
            count++;
        }
        assertEquals(ok + 2, count);
        small.free();
        assertEquals(0, tiny.bytesInUse());
        assertEquals(0, tiny.segmentsInUse());
    }

    @Test
    void freeReturnsEverythingAndTableIsReusable()
    {
        for (int i = 0; i < 5000; i++)
        {
            table.put(b("k" + i), i, new byte[i % 300]);
        }
        table.put(b("big"), 1, new byte[SEG * 2]);
        assertTrue(pool.bytesInUse() > 0);
        assertEquals(table.memoryBytes(), pool.bytesInUse());
        table.free();
        assertEquals(0, pool.bytesInUse());
        assertEquals(0, table.memoryBytes());
        assertEquals(0, table.nodeCount());
        assertNull(table.get(b("k1"), Long.MAX_VALUE));
        assertEquals(MvccTable.OK, table.put(b("k1"), 1, b("again")));
        assertArrayEquals(b("again"), table.get(b("k1"), 1));
    }

    @Test
    void rejectsBadArguments()
    {
        assertThrows(IllegalArgumentException.class, () -> table.put(new byte[257], 1, b("v")));
        assertThrows(IllegalArgumentException.class, () -> table.put(b("k"), -1, b("v")));
        assertThrows(IllegalArgumentException.class, () -> new MvccTable(pool, 0));
    }

    private static List<String> forward(final TableCursor cursor)
    {
        final List<String> out = new ArrayList<>();
        for (boolean ok = cursor.seekToFirst(); ok; ok = cursor.next())
        {
            out.add(describe(cursor));
        }
        return out;
    }

    private static List<String> backward(final TableCursor cursor)
    {
        final List<String> out = new ArrayList<>();
        for (boolean ok = cursor.seekToLast(); ok; ok = cursor.prev())
        {
            out.add(describe(cursor));
        }
        return out;
    }

    private static String describe(final TableCursor cursor)
    {
        return new String(cursor.key(), StandardCharsets.UTF_8) + "=" +
            new String(cursor.value(), StandardCharsets.UTF_8) + "@" + cursor.version();
    }
}
