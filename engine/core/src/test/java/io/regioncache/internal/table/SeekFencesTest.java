package io.regioncache.internal.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.regioncache.internal.memory.SegmentPool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link SeekFences}: every search for a key the index does not hold, started from the fences, lands where the
 * reference model says, for keys below, between, equal to (at every version) and above the table's, with keys
 * sharing a long common prefix, of mixed lengths, written in random order (the write path, fences rebuilt as the keys
 * double) or in key order through a deferred index (a load), with keys written after the fences were built, and with
 * thousands written into one gap between two fences (searches there start again from the head).
 * The seed is printed on failure ({@code -Dregioncache.seed=...}).
 */
class SeekFencesTest
{
    /** (key, version), versions descending within a key: the table's order. */
    private record Entry(byte[] key, long version)
    {
    }

    private static final Comparator<Entry> ORDER = (a, b) ->
    {
        final int c = Arrays.compareUnsigned(a.key, b.key);
        return c != 0 ? c : Long.compare(b.version, a.version);
    };

    @ParameterizedTest
    @CsvSource({"0, false, 1", "3, false, 2", "11, false, 3", "0, true, 4", "11, true, 5", "20, true, 6"})
    void everySearchLandsWhereTheModelSays(final int commonPrefix, final boolean load, final long defaultSeed)
    {
        final String forced = System.getProperty("regioncache.seed");
        final long seed = null == forced ? defaultSeed : Long.parseLong(forced);
        try
        {
            run(commonPrefix, load, new Random(seed));
        }
        catch (final Throwable ex)
        {
            throw new AssertionError("FAILED with seed " + seed + " (rerun with -Dregioncache.seed=" + seed + ")", ex);
        }
    }

    private static byte[] key(final Random random, final byte[] common)
    {
        // mixed lengths after the shared prefix, bytes from a small alphabet so that prefixes often tie
        final byte[] k = Arrays.copyOf(common, common.length + random.nextInt(13));
        for (int i = common.length; i < k.length; i++)
        {
            k[i] = (byte)(random.nextInt(4) * 60);
        }
        return k;
    }

    private static void run(final int commonPrefix, final boolean load, final Random random)
    {
        final byte[] common = new byte[commonPrefix];
        random.nextBytes(common);
        final TreeMap<Entry, Long> model = new TreeMap<>(ORDER); // entry -> its value's first byte
        final List<Entry> entries = new ArrayList<>();
        while (entries.size() < 30_000)
        {
            final byte[] k = key(random, common);
            final int versions = 1 + random.nextInt(3);
            for (int v = 0; v < versions; v++)
            {
                final Entry e = new Entry(k, 1 + random.nextInt(1_000));
                if (null == model.putIfAbsent(e, 0L))
                {
                    entries.add(e);
                }
            }
        }
        final SegmentPool pool = new SegmentPool(64 * 1024, Long.MAX_VALUE);
        final MvccTable table = new MvccTable(pool, 64);
        final byte[] value = {1, 2, 3};
        if (load)
        {
            table.deferHashIndex();
            for (final Entry e : model.keySet())
            {
                assertEquals(MvccTable.OK, table.put(e.key, e.version, value));
            }
            assertTrue(table.buildHashIndex());
        }
        else
        {
            java.util.Collections.shuffle(entries, random);
            for (final Entry e : entries)
            {
                assertEquals(MvccTable.OK, table.put(e.key, e.version, value));
            }
        }
        assertTrue(table.seekFenceCount() > 0, "a table of " + table.keyCount() + " keys has fences");
        if (load)
        {
            // filled in key order: built once at SeekFences.MIN_KEYS keys, then every tall node appended
            assertEquals(tallNodes(table), table.seekFenceCount(), "fences of a table filled in key order");
        }
        check(table, model, random, common);
        // keys written after the fences were last built: found by the search from them like any other
        final long before = table.keyCount();
        for (int i = 0; i < 2_000; i++)
        {
            final Entry e = new Entry(key(random, common), 2_000 + random.nextInt(1_000));
            if (null == model.putIfAbsent(e, 0L))
            {
                assertEquals(MvccTable.OK, table.put(e.key, e.version, value));
            }
        }
        assertTrue(table.keyCount() > before);
        check(table, model, random, common);
        // many keys into one gap between two fences, too few to double the table: searches into it walk past
        // SeekFences.MAX_STEPS along the fences' level and start again from the head
        final byte[] gap = model.keySet().stream().skip(model.size() / 2).findFirst().orElseThrow().key;
        for (int i = 0; i < 3_000; i++)
        {
            final byte[] k = Arrays.copyOf(gap, gap.length + 3);
            k[gap.length] = (byte)(1 + random.nextInt(250));
            k[gap.length + 1] = (byte)random.nextInt(256);
            k[gap.length + 2] = (byte)random.nextInt(256);
            final Entry e = new Entry(k, 5_000);
            if (null == model.putIfAbsent(e, 0L))
            {
                assertEquals(MvccTable.OK, table.put(e.key, e.version, value));
            }
        }
        check(table, model, random, common);
        table.free();
        assertEquals(0, table.seekFenceCount(), "a freed table keeps no fences");
    }

    /** @return the nodes of the fences' level list, walked from the head. */
    private static int tallNodes(final MvccTable table)
    {
        int n = 0;
        for (long x = table.nextPlain(MvccTable.HEAD, SeekFences.LEVEL); NodeLayout.NULL != x;
            x = table.nextPlain(x, SeekFences.LEVEL))
        {
            n++;
        }
        return n;
    }

    private static void check(final MvccTable table, final TreeMap<Entry, Long> model, final Random random,
        final byte[] common)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
        final List<Entry> present = new ArrayList<>(model.keySet());
        for (int i = 0; i < 20_000; i++)
        {
            final Entry sought;
            switch (random.nextInt(6))
            {
                case 0: // a present key at its own version, a newer one or an older one
                {
                    final Entry e = present.get(random.nextInt(present.size()));
                    sought = new Entry(e.key, e.version + random.nextInt(3) - 1);
                    break;
                }
                case 1: // any key from the same alphabet: mostly absent
                    sought = new Entry(key(random, common), random.nextInt(3_000));
                    break;
                case 2: // a present key and one more byte, or one byte fewer
                {
                    final byte[] k = present.get(random.nextInt(present.size())).key;
                    sought = new Entry(random.nextBoolean() ? Arrays.copyOf(k, k.length + 1) :
                        Arrays.copyOf(k, Math.max(0, k.length - 1)), Long.MAX_VALUE);
                    break;
                }
                case 3: // a prefix of the shared prefix, or the shared prefix with its last byte changed
                {
                    final byte[] k = Arrays.copyOf(common, random.nextInt(common.length + 1));
                    if (k.length > 0 && random.nextBoolean())
                    {
                        k[k.length - 1] += (byte)(random.nextBoolean() ? 1 : -1);
                    }
                    sought = new Entry(k, Long.MAX_VALUE);
                    break;
                }
                case 4: // below or above everything
                    sought = new Entry(random.nextBoolean() ? new byte[0] : new byte[] {(byte)0xFF, (byte)0xFF},
                        Long.MAX_VALUE);
                    break;
                default: // past all versions of a present key
                    sought = new Entry(present.get(random.nextInt(present.size())).key, MvccTable.PAST_ALL_VERSIONS);
                    break;
            }
            buffer.wrap(sought.key);
            final long node = table.findGreaterOrEqual(buffer, 0, sought.key.length, sought.version);
            final Map.Entry<Entry, Long> want = model.ceilingEntry(sought);
            final String what = "search for " + Arrays.toString(sought.key) + " @" + sought.version;
            if (null == want)
            {
                assertEquals(NodeLayout.NULL, node, what);
                continue;
            }
            assertTrue(NodeLayout.NULL != node, what + ": found nothing, want " + Arrays.toString(want.getKey().key));
            assertEquals(Arrays.toString(want.getKey().key), Arrays.toString(table.keyOf(node)), what);
            assertEquals(want.getKey().version, table.version(node), what);
        }
    }
}
