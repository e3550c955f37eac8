package io.regioncache.rocksdb;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

import io.regioncache.WriteBatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GC that costs what the garbage costs (issue #13 item 6) drops exactly what a full sweep drops: the same random
 * history (puts, deletes, delete-ranges, safe points moving forward and sometimes back) goes to a store that sweeps
 * only its candidate keys ({@link RocksDbBackingStore#open}) and to one that always sweeps everything
 * ({@link RocksDbBackingStore#wrap}); after every round both report the same number dropped and hold the same
 * entries, byte for byte. Half-way the incremental store is closed and reopened (its first round sweeps all).
 */
class RocksDbGcTest
{
    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void candidateSweepsDropWhatAFullSweepDrops(final long seed) throws Exception
    {
        RocksDB.loadLibrary();
        final Random rnd = new Random(seed);
        final Path incDir = dir.resolve("incremental");
        RocksDbBackingStore inc = RocksDbBackingStore.open(incDir);
        final Options options = new Options().setCreateIfMissing(true);
        final RocksDB fullDb = RocksDB.open(options, dir.resolve("full").toString());
        final RocksDbBackingStore full = RocksDbBackingStore.wrap(fullDb);
        try
        {
            long version = 0;
            long safePoint = 0;
            long dropped = 0;
            final int ops = 1500;
            for (int i = 0; i < ops; i++)
            {
                final int p = rnd.nextInt(100);
                if (p < 80)
                {
                    final WriteBatch a = new WriteBatch(1, 1, ++version);
                    final WriteBatch b = new WriteBatch(1, 1, version);
                    for (int n = 1 + rnd.nextInt(4); n > 0; n--)
                    {
                        final byte[] k = key(rnd.nextInt(200));
                        if (rnd.nextInt(8) == 0)
                        {
                            a.delete(k);
                            b.delete(k);
                        }
                        else
                        {
                            final byte[] v = ("v" + version + "/" + rnd.nextInt(1000)).getBytes();
                            a.put(k, v);
                            b.put(k, v);
                        }
                    }
                    inc.applyBatch(a);
                    full.applyBatch(b);
                }
                else if (p < 83)
                {
                    final int lo = rnd.nextInt(200);
                    final byte[] start = key(lo);
                    final byte[] end = key(lo + 1 + rnd.nextInt(20));
                    ++version;
                    assertEquals(full.deleteRange(start, end, version), inc.deleteRange(start, end, version));
                }
                else if (p < 90)
                {
                    // Mostly forward; sometimes a lower safe point (allowed: nothing more is dropped).
                    safePoint = rnd.nextInt(10) == 0 ? Math.max(0, safePoint - rnd.nextInt(30)) :
                        Math.max(safePoint, version - rnd.nextInt(40));
                    final long d = full.gcBelow(safePoint);
                    assertEquals(d, inc.gcBelow(safePoint), "seed " + seed + " op " + i + ": dropped at " + safePoint);
                    dropped += d;
                    assertSameEntries(full.db(), inc.db(), "seed " + seed + " op " + i);
                }
                else if (i > ops / 2 && rnd.nextInt(20) == 0)
                {
                    inc.close(); // a restart: the reopened store sweeps everything once
                    inc = RocksDbBackingStore.open(incDir);
                }
            }
            assertTrue(dropped > 0, "seed " + seed + ": the history left no garbage to drop");
        }
        finally
        {
            inc.close();
            full.close();
            fullDb.close();
            options.close();
        }
    }

    private static byte[] key(final int i)
    {
        return String.format("k%05d", i).getBytes();
    }

    private static void assertSameEntries(final RocksDB expected, final RocksDB actual, final String what)
    {
        final List<byte[][]> e = entries(expected);
        final List<byte[][]> a = entries(actual);
        assertEquals(e.size(), a.size(), what + ": entry count");
        for (int i = 0; i < e.size(); i++)
        {
            assertArrayEquals(e.get(i)[0], a.get(i)[0], what + ": key of entry " + i);
            assertArrayEquals(e.get(i)[1], a.get(i)[1], what + ": value of entry " + i);
        }
    }

    private static List<byte[][]> entries(final RocksDB db)
    {
        final List<byte[][]> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator())
        {
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                out.add(new byte[][] {it.key(), it.value()});
            }
        }
        return out;
    }
}
