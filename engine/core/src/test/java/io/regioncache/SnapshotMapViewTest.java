package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.function.Function;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code byte[]} view ({@link Snapshot#asNavigableMap()}) against {@link TreeMap} with the same comparator, over
 * a region with bounds (so keys below and above it are queried too), MVCC history and random operations on random
 * sub/head/tail/descending views. guava-testlib cannot judge a {@code byte[]} map (it compares with
 * {@code equals}); it judges the {@link Bytes} view of the same class in {@link SnapshotMapViewGuavaTest}.
 */
class SnapshotMapViewTest
{
    private static final byte[] START = {0x20};
    private static final byte[] END = {(byte)0xC0};
    private static MvccRegionFixture fixture;

    @BeforeAll
    static void start()
    {
        fixture = new MvccRegionFixture();
    }

    @AfterAll
    static void stop()
    {
        fixture.close();
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

    @Test
    void agreesWithTreeMapOnRandomViews()
    {
        final Random rnd = new Random(12);
        for (int round = 0; round < 40; round++)
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
                if (Arrays.compareUnsigned(k, START) >= 0 && Arrays.compareUnsigned(k, END) < 0)
                {
                    model.put(k, v); // later duplicates win, as the fixture writes them at newer versions
                }
            }
            for (int i = 0; i < 20; i++)
            {
                decoys.add(randomKey(rnd));
            }
            final Snapshot s = fixture.open(START, END, entries, decoys);
            final NavigableMap<byte[], byte[]> view = s.asNavigableMap();
            check(view, model, rnd, 0);
        }
    }

    private void check(
        final NavigableMap<byte[], byte[]> view, final NavigableMap<byte[], byte[]> model, final Random rnd,
        final int depth)
    {
        assertEquals(model.size(), view.size());
        assertEquals(keys(model.keySet()), keys(view.keySet()));
        assertEquals(keys(model.descendingKeySet()), keys(view.descendingKeySet()));
        same(model.firstEntry(), view.firstEntry(), "first");
        same(model.lastEntry(), view.lastEntry(), "last");
        for (int q = 0; q < 30; q++)
        {
            final byte[] k = randomKey(rnd);
            final String at = Arrays.toString(k);
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
            assertThrows(IllegalArgumentException.class, () -> derive.apply(view), "refused by TreeMap");
            return;
        }
        check(derive.apply(view), derivedModel, rnd, depth + 1);
    }

    @Test
    void readOnlyAndBoundToItsSnapshot()
    {
        final Snapshot s = fixture.open(new byte[0], new byte[0],
            List.of(Map.entry(new byte[] {1}, new byte[] {10}), Map.entry(new byte[] {2}, new byte[] {20})),
            List.of(new byte[] {3}));
        final NavigableMap<byte[], byte[]> view = s.asNavigableMap();
        final NavigableMap<Bytes, Bytes> bytes = s.asBytesMap();
        assertThrows(UnsupportedOperationException.class, () -> view.put(new byte[] {5}, new byte[] {5}));
        assertThrows(UnsupportedOperationException.class, () -> view.remove(new byte[] {1}));
        assertThrows(UnsupportedOperationException.class, view::pollFirstEntry);
        assertThrows(UnsupportedOperationException.class, () -> view.navigableKeySet().pollLast());
        assertThrows(UnsupportedOperationException.class, () -> view.entrySet().clear());
        final Iterator<byte[]> it = view.keySet().iterator();
        it.next();
        assertThrows(UnsupportedOperationException.class, it::remove);
        assertThrows(NullPointerException.class, () -> view.get(null));
        assertThrows(NullPointerException.class, () -> view.ceilingKey(null));
        assertNull(view.get("wrong type"));
        // keys and values are copies: changing one does not change the snapshot
        view.firstKey()[0] = 99;
        assertArrayEquals(new byte[] {1}, view.firstKey());
        assertEquals(Map.of(Bytes.of(new byte[] {1}), Bytes.of(new byte[] {10}),
            Bytes.of(new byte[] {2}), Bytes.of(new byte[] {20})), bytes);
        assertTrue(bytes.containsKey(Bytes.of(new byte[] {2})));

        s.close();
        assertThrows(IllegalStateException.class, view::size);
        assertThrows(IllegalStateException.class, () -> bytes.get(Bytes.of(new byte[] {1})));
        assertThrows(IllegalStateException.class, () -> it.next());
    }
}
