package io.regioncache.rocksdb.blackbox13b;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.StoreCursor;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b, README 1104-1110: gcBelow(safePoint) sweeps the versions shadowed at the safe point, the same on every
 * store; reads at or above the safe point are unchanged by a sweep. Random histories (puts, deletes, delete-ranges,
 * keys at the encoding's group boundaries) on RocksDB and the in-memory store, swept in rounds.
 */
class GcDifferentialTest
{
    private static final byte[][] KEYS = {
        {0}, {0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0}, {1}, {1, (byte)0xff},
        {(byte)0xff}, {(byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff},
        {(byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, 0}, {5, 5, 5}};

    @Test
    void sweepsAgreeWithTheInMemoryStoreAtEveryVersionAboveTheSafePoint(@TempDir final Path dir)
    {
        final long seed = System.nanoTime();
        System.out.println("GcDifferentialTest seed=" + seed);
        final Random rnd = new Random(seed);
        final InMemoryBackingStore mem = new InMemoryBackingStore();
        try (RocksDbBackingStore rocks = RocksDbBackingStore.open(dir))
        {
            long v = 0;
            long sp = -1;
            for (int round = 0; round < 30; round++)
            {
                final int writes = 1 + rnd.nextInt(20);
                for (int i = 0; i < writes; i++)
                {
                    v++;
                    if (rnd.nextInt(12) == 0)
                    {
                        byte[] a = KEYS[rnd.nextInt(KEYS.length)];
                        byte[] c = rnd.nextInt(4) == 0 ? new byte[0] : KEYS[rnd.nextInt(KEYS.length)];
                        if (c.length > 0 && java.util.Arrays.compareUnsigned(a, c) > 0)
                        {
                            final byte[] t = a;
                            a = c;
                            c = t;
                        }
                        if (c.length > 0 && java.util.Arrays.compareUnsigned(a, c) == 0)
                        {
                            continue;
                        }
                        assertEquals(mem.deleteRange(a, c, v), rocks.deleteRange(a, c, v), "seed " + seed);
                        continue;
                    }
                    final WriteBatch w = new WriteBatch(1, 1, v);
                    final boolean[] used = new boolean[KEYS.length];
                    for (int j = 0; j < 1 + rnd.nextInt(3); j++)
                    {
                        final int k = rnd.nextInt(KEYS.length);
                        if (used[k])
                        {
                            continue;
                        }
                        used[k] = true;
                        if (rnd.nextInt(4) == 0)
                        {
                            w.delete(KEYS[k]);
                        }
                        else
                        {
                            w.put(KEYS[k], ("v" + v + "k" + k).getBytes());
                        }
                    }
                    mem.applyBatch(w);
                    rocks.applyBatch(w);
                }
                if (rnd.nextInt(3) == 0)
                {
                    final long next = Math.max(sp, v - rnd.nextInt(8));
                    mem.gcBelow(next);
                    rocks.gcBelow(next);
                    sp = next;
                    assertEquals(mem.gcSafePoint(), rocks.gcSafePoint());
                }
                for (long rv = Math.max(0, sp); rv <= v; rv++)
                {
                    assertEquals(dump(mem, rv), dump(rocks, rv), "seed " + seed + " round " + round + " rv " + rv + " sp " + sp);
                    for (final byte[] k : KEYS)
                    {
                        assertEquals(get(mem, k, rv), get(rocks, k, rv), "seed " + seed + " rv " + rv);
                    }
                }
            }
        }
    }

    private static List<String> dump(final WritableStore s, final long rv)
    {
        final List<String> out = new ArrayList<>();
        try (StoreCursor c = s.newCursor(new byte[0], new byte[0], rv))
        {
            while (c.next())
            {
                final byte[] k = new byte[c.keyLength()];
                c.key().getBytes(0, k);
                final byte[] val = new byte[c.valueLength()];
                c.value().getBytes(0, val);
                out.add(java.util.Arrays.toString(k) + "=" + new String(val));
            }
        }
        return out;
    }

    private static String get(final WritableStore s, final byte[] k, final long rv)
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(256);
        final int n = s.get(new UnsafeBuffer(k), 0, k.length, rv, dst, 0);
        return n < 0 ? "absent(" + n + ")" : new String(dst.byteArray(), 0, n);
    }
}
