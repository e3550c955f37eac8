package io.regioncache.internal.table;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A load-like sorted copy with long histories (deferred index), then writes above every loaded version. */
class MvccTableFingerTest
{
    private final SegmentPool pool = new SegmentPool(64 * 1024, Long.MAX_VALUE);
    private final MvccTable table = new MvccTable(pool, 64);

    @AfterEach
    void tearDown()
    {
        table.free();
        pool.close();
    }

    private static byte[] k(final int i)
    {
        return String.format("k%05d", i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesAfterASortedDeferredLoadKeepOrderAndIndex()
    {
        final int keys = 300;
        final int versions = 40;
        table.deferHashIndex();
        for (int i = 0; i < keys; i++)
        {
            for (int v = versions; v >= 1; v--)
            {
                assertEquals(MvccTable.OK, table.put(k(i), v * 10L, ("v" + v).getBytes(StandardCharsets.UTF_8)));
            }
        }
        assertTrue(table.buildHashIndex());
        final Random random = new Random(13);
        long version = versions * 10L + 4096;
        for (int n = 0; n < 5_000; n++)
        {
            final int i = random.nextInt(keys);
            final byte[] value = ("w" + n).getBytes(StandardCharsets.UTF_8);
            assertEquals(MvccTable.OK, table.put(k(i), ++version, value));
            assertArrayEquals(value, table.get(k(i), version));
        }
        final RawCursor c = table.newRawCursor();
        c.reset(null, null);
        final UnsafeBuffer key = new UnsafeBuffer(0, 0);
        String previous = null;
        long previousVersion = Long.MAX_VALUE;
        for (boolean ok = c.seekToFirst(); ok; ok = c.next())
        {
            c.keyView(key);
            final String s = key.getStringWithoutLengthUtf8(0, key.capacity());
            if (previous != null)
            {
                final int cmp = previous.compareTo(s);
                assertTrue(cmp < 0 || (cmp == 0 && previousVersion > c.version()),
                    "out of order: " + previous + "@" + previousVersion + " then " + s + "@" + c.version());
            }
            previous = s;
            previousVersion = c.version();
        }
    }
}
