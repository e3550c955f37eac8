package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The README's "The engine alone" example, call for call, with every result checked: the calls a newcomer copies
 * first must do what the README says they do. The README does not wait for the futures (the apply thread runs the
 * commands in order, and a snapshot opened before they ran answers a status, not a wrong value); this test joins them
 * so that it can check each one.
 */
class ReadmeEmbeddingExampleTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    @Test
    void theEmbeddingExampleDoesWhatTheReadmeSays()
    {
        final byte[] key = b("c");
        final byte[] value = b("value-of-c");
        final byte[] other = b("d");
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(4L << 30)
            .build()))
        {
            assertTrue(cache.createRegion(new Region(1, "a".getBytes(), "m".getBytes(), /*epoch*/ 1)).join().isOk());
            assertTrue(cache.write(new WriteBatch(1, 1, 90).put(other, b("old"))).join().isOk());
            assertTrue(cache.write(new WriteBatch(1, /*epoch*/ 1, /*version*/ 100).put(key, value).delete(other))
                .join().isOk());
            final CommandResult split = cache.split(1, 1, new byte[][] {"g".getBytes()}, new long[] {2}, 2).join();
            assertTrue(split.isOk(), split::toString);

            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(2, /*epoch*/ 2, /*readVersion*/ 150));
            try
            {
                final UnsafeBuffer keyBuf = new UnsafeBuffer(key);
                final UnsafeBuffer valueBuf = new UnsafeBuffer(new byte[64]);
                final int len = snap.get(keyBuf, 0, key.length, valueBuf, 0);
                assertEquals(value.length, len);
                final byte[] got = new byte[len];
                valueBuf.getBytes(0, got);
                assertArrayEquals(value, got);
                assertEquals(-1, snap.get(new UnsafeBuffer(other), 0, other.length, valueBuf, 0), "deleted");
                assertEquals(-1, snap.get(new UnsafeBuffer(b("b")), 0, 1, valueBuf, 0), "absent");

                // Many keys at once: the values packed into valueBuf, -1 for a deleted or absent key.
                final UnsafeBuffer keys = new UnsafeBuffer(b("bcd"));
                final int[] keyOffsets = {0, 1, 2};
                final int[] keyLengths = {1, 1, 1};
                final int[] valueOffsets = new int[3];
                final int[] valueLengths = new int[3];
                final int end = snap.multiGet(keys, keyOffsets, keyLengths, 3, valueBuf, 0, valueOffsets,
                    valueLengths);
                assertEquals(value.length, end);
                assertArrayEquals(new int[] {-1, value.length, -1}, valueLengths);
                assertEquals(0, valueOffsets[1]);

                final List<String> seen = new ArrayList<>();
                final byte[] lower = b("a");
                final byte[] upper = b("g");
                final SnapshotIterator it = snap.iterator(lower, upper); // [lower, upper) inside the region
                final UnsafeBuffer k = new UnsafeBuffer(0, 0);
                final UnsafeBuffer v = new UnsafeBuffer(0, 0);
                for (boolean ok = it.seek(lower); ok; ok = it.next())
                {
                    it.keyView(k);
                    it.valueView(v);
                    seen.add(k.getStringWithoutLengthAscii(0, k.capacity()) + "=" +
                        v.getStringWithoutLengthAscii(0, v.capacity()));
                }
                assertEquals(List.of("c=value-of-c"), seen);
            }
            finally
            {
                snap.close();
            }

            // The right-hand piece keeps the source's id, at the new epoch; the old epoch is refused, not served.
            assertEquals(SnapshotStatus.OK, snap.open(1, 2, 150));
            snap.close();
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, snap.open(2, 1, 150));
        }
    }
}
