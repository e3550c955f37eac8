package io.regioncache.internal.table;

import java.util.Random;
import java.util.TreeMap;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The insert's finger search (a sorted insert starts each level at the previous insert's predecessors) against a
 * model: 40 seeded runs of 20,000 puts mixing load-like sorted runs (next key, or the same key one version lower),
 * newer versions of random keys and random versions of random keys, with the hash index deferred and built midway in
 * half of them. The table must stay in (key asc, version desc) order and find every key's newest version.
 */
class MvccTableFingerFuzzTest
{
    @Test
    void sortedAndRandomInsertsKeepOrderAndIndex()
    {
        for (int seed = 0; seed < 40; seed++)
        {
            final SegmentPool pool = new SegmentPool(64 * 1024, Long.MAX_VALUE);
            final MvccTable table = new MvccTable(pool, 64);
            final Random r = new Random(seed);
            final TreeMap<Long, Long> newest = new TreeMap<>();
            final boolean defer = r.nextBoolean();
            if (defer)
            {
                table.deferHashIndex();
            }
            int k = 0;
            long v = 100000;
            for (int n = 0; n < 20000; n++)
            {
                final int mode = r.nextInt(10);
                int key;
                long version;
                if (mode < 6)
                {
                    // sorted-ish: same key lower version, or next key
                    if (r.nextBoolean())
                    {
                        k += 1 + r.nextInt(3);
                        v = 100000;
                    }
                    key = k;
                    version = --v;
                }
                else if (mode < 8)
                {
                    key = r.nextInt(k + 5);
                    version = 200000 + n;
                }
                else
                {
                    key = r.nextInt(k + 5);
                    version = r.nextInt(300000);
                }
                final byte[] kb = String.format("%06d", key).getBytes();
                final int rc = table.put(kb, version, new byte[]{1});
                if (rc == MvccTable.OK)
                {
                    newest.merge((long)key, version, Math::max);
                }
                if (defer && n == 10000)
                {
                    assertTrue(table.buildHashIndex());
                }
            }
            if (defer)
            {
                assertTrue(table.buildHashIndex());
            }
            final RawCursor c = table.newRawCursor();
            c.reset(null, null);
            final UnsafeBuffer kv = new UnsafeBuffer(0, 0);
            String prev = null;
            long prevV = 0;
            int keys = 0;
            for (boolean ok = c.seekToFirst(); ok; ok = c.next())
            {
                c.keyView(kv);
                final String s = kv.getStringWithoutLengthAscii(0, kv.capacity());
                if (prev != null)
                {
                    final int cmp = prev.compareTo(s);
                    assertTrue(cmp < 0 || (cmp == 0 && prevV > c.version()), "seed " + seed + " order " + prev + "@" + prevV + " " + s + "@" + c.version());
                }
                if (prev == null || !prev.equals(s))
                {
                    keys++;
                }
                prev = s;
                prevV = c.version();
            }
            assertEquals(newest.size(), keys, "seed " + seed);
            assertEquals(0, table.backLinkErrors(), "seed " + seed + ": writer back links");
            for (final var e : newest.entrySet())
            {
                final byte[] kb = String.format("%06d", e.getKey()).getBytes();
                assertTrue(table.get(kb, e.getValue()) != null, "seed " + seed + " key " + e.getKey());
            }
            table.free();
            pool.close();
        }
    }
}
