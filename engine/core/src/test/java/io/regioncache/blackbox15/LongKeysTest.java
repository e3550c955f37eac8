package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.WriteBatch;

/**
 * README: "An iterator's bounds are any keys inside the region, also keys longer than `maxKeyLength` (no stored key
 * is, but a bound only has to fall between keys)", and the reads' argument rules, which refuse a key only when it is
 * null, a bad slice, or outside the region: a key inside the region longer than any stored key is simply absent.
 */
class LongKeysTest
{
    private static byte[] longKey(final char c, final int length)
    {
        final byte[] k = new byte[length];
        Arrays.fill(k, (byte)c);
        return k;
    }

    @Test
    void readsOfKeysLongerThanMaxKeyLengthInsideTheRegion() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.cfg().build()))
        {
            r(cache.createRegion(new Region(1, b("b"), b("m"), 1)));
            final WriteBatch w = new WriteBatch(1, 1, 1);
            for (final String k : new String[] {"c", "cc", "d", "e", "f"})
            {
                w.put(b(k), b(k.toUpperCase()));
            }
            assertEquals(ResultCode.OK, r(cache.write(w)).code());
            try (Snapshot s = cache.snapshot(1, 1, 1))
            {
                for (final int length : new int[] {B.MAX_KEY + 1, 100, 5_000, 70_000})
                {
                    final byte[] k = longKey('c', length);
                    assertNull(s.get(k), "length " + length);
                    assertEquals(-1, s.get(new UnsafeBuffer(k), 0, length, new UnsafeBuffer(new byte[8]), 0));
                    assertFalse(s.getView(new UnsafeBuffer(k), 0, length, new UnsafeBuffer(0, 0)));
                    final int[] vo = new int[2];
                    final int[] vl = new int[2];
                    final byte[] both = Arrays.copyOf(k, length + 1);
                    both[length] = 'd';
                    assertEquals(1, s.multiGet(new UnsafeBuffer(both), new int[] {0, length}, new int[] {length, 1}, 2,
                        new UnsafeBuffer(new byte[8]), 0, vo, vl));
                    assertEquals(-1, vl[0]);
                    assertEquals(1, vl[1]);
                    final SnapshotIterator it = s.iterator(null, longKey('e', length));
                    assertTrue(it.seek(k));
                    assertEquals("d", new String(it.key()), "seek past every 'c...' key");
                    assertTrue(it.seekForPrev(k));
                    assertEquals("cc", new String(it.key()));
                    assertTrue(it.seekToLast());
                    assertEquals("e", new String(it.key()), "an upper bound longer than maxKeyLength");
                }
            }
        }
    }
}
