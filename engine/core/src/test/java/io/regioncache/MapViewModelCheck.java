package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A {@code byte[]} map view against {@link TreeMap} with the same comparator, over a region with bounds (so keys
 * below and above it are queried too), MVCC history ({@link MvccHistory}) and random operations on random
 * sub/head/tail/descending views, nested. Any view's maker can be judged: the cache snapshot's
 * ({@link SnapshotMapViewTest}) and the hybrid view's over each store.
 */
public final class MapViewModelCheck
{
    /** Makes a map whose visible contents are exactly the entries inside {@code [start, end)}. */
    @FunctionalInterface
    public interface Opener
    {
        /**
         * @param start   region start.
         * @param end     region end (empty: unbounded).
         * @param entries wanted contents (later duplicates win); those outside the region are left out.
         * @param decoys  keys that must read as absent.
         * @return a new map.
         */
        NavigableMap<byte[], byte[]> open(
            byte[] start, byte[] end, List<Map.Entry<byte[], byte[]>> entries, List<byte[]> decoys);
    }

    private MapViewModelCheck()
    {
    }

    private static byte[] randomKey(final Random rnd)
    {
        final byte[] k = new byte[1 + rnd.nextInt(3)];
        for (int i = 0; i < k.length; i++)
        {
            k[i] = (byte)(rnd.nextInt(8) * 32 + rnd.nextInt(2)); // few distinct bytes: many hits and neighbours
        }
        return k;
    }

    private static String show(final Map.Entry<byte[], byte[]> e)
    {
        return e == null ? "null" : Arrays.toString(e.getKey()) + "=" + Arrays.toString(e.getValue());
    }

    private static void same(final Map.Entry<byte[], byte[]> expected, final Map.Entry<byte[], byte[]> actual,
        final String what)
    {
        assertEquals(show(expected), show(actual), what);
    }

    private static String keys(final Iterable<byte[]> it)
    {
        final StringBuilder sb = new StringBuilder();
        for (final byte[] k : it)
        {
            sb.append(Arrays.toString(k)).append(' ');
        }
        return sb.toString();
    }

    /**
     * @param start  region start.
     * @param end    region end.
     * @param opener makes each map.
     * @param seed   the seed (in every failure message).
     * @param rounds how many maps to make and check.
     */
    public static void run(final byte[] start, final byte[] end, final Opener opener, final long seed, final int rounds)
    {
        final Random rnd = new Random(seed);
        for (int round = 0; round < rounds; round++)
        {
            final List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>();
            final List<byte[]> decoys = new ArrayList<>();
            final TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
            final int n = rnd.nextInt(40);
            for (int i = 0; i < n; i++)
            {
                final byte[] k = randomKey(rnd);
                final byte[] v = ("v" + round + "." + i).getBytes();
                entries.add(Map.entry(k, v));
                if (Arrays.compareUnsigned(k, start) >= 0 && (end.length == 0 || Arrays.compareUnsigned(k, end) < 0))
                {
                    model.put(k, v); // later duplicates win, as the fixture writes them at newer versions
                }
            }
            for (int i = 0; i < 20; i++)
            {
                decoys.add(randomKey(rnd));
            }
            final NavigableMap<byte[], byte[]> view = opener.open(start, end, entries, decoys);
            check(view, model, rnd, 0, "seed " + seed + " round " + round + ": ");
        }
    }

    private static void check(
        final NavigableMap<byte[], byte[]> view, final NavigableMap<byte[], byte[]> model, final Random rnd,
        final int depth, final String where)
    {
        assertEquals(model.size(), view.size(), where + "size");
        assertEquals(keys(model.keySet()), keys(view.keySet()), where + "keys");
        assertEquals(keys(model.descendingKeySet()), keys(view.descendingKeySet()), where + "descending keys");
        same(model.firstEntry(), view.firstEntry(), where + "first");
        same(model.lastEntry(), view.lastEntry(), where + "last");
        for (int q = 0; q < 30; q++)
        {
            final byte[] k = randomKey(rnd);
            final String at = where + Arrays.toString(k);
            same(model.ceilingEntry(k), view.ceilingEntry(k), "ceiling " + at);
            same(model.floorEntry(k), view.floorEntry(k), "floor " + at);
            same(model.higherEntry(k), view.higherEntry(k), "higher " + at);
            same(model.lowerEntry(k), view.lowerEntry(k), "lower " + at);
            final byte[] expected = model.get(k);
            final byte[] actual = view.get(k);
            if (expected == null)
            {
                assertNull(actual, "get " + at);
            }
            else
            {
                assertArrayEquals(expected, actual, "get " + at);
            }
        }
        if (depth == 3)
        {
            return;
        }
        // a derived view, chosen at random, must agree with the model's same view (or both refuse it)
        final byte[] a = randomKey(rnd);
        final byte[] b = randomKey(rnd);
        final boolean ai = rnd.nextBoolean();
        final boolean bi = rnd.nextBoolean();
        final int choice = rnd.nextInt(4);
        final Function<NavigableMap<byte[], byte[]>, NavigableMap<byte[], byte[]>> derive = m ->
        {
            switch (choice)
            {
                case 0:
                    // from <= to in the map's own order, so descending maps are asked the right way round
                    return m.comparator().compare(a, b) <= 0 ? m.subMap(a, ai, b, bi) : m.subMap(b, bi, a, ai);
                case 1:
                    return m.headMap(a, ai);
                case 2:
                    return m.tailMap(a, ai);
                default:
                    return m.descendingMap();
            }
        };
        final NavigableMap<byte[], byte[]> derivedModel;
        try
        {
            derivedModel = derive.apply(model);
        }
        catch (final IllegalArgumentException ex)
        {
            assertThrows(IllegalArgumentException.class, () -> derive.apply(view), where + "refused by TreeMap");
            return;
        }
        check(derive.apply(view), derivedModel, rnd, depth + 1, where + "view " + choice + " > ");
    }
}
