package io.regioncache.blackbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.regioncache.Bytes;
import io.regioncache.StoreView;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README "The hybrid reader's view": StoreView is "a public class: any BackingStore range as a read-only map" with the
 * semantics of Snapshot.asNavigableMap(): unsigned order, sub/head/tail/descending views, navigation, mutators
 * refused, a closed view refused.
 */
class StoreViewBlackBoxTest
{
    private static final java.util.Comparator<byte[]> U = Arrays::compareUnsigned;

    private static byte[] rnd(final Random r)
    {
        final byte[] k = new byte[1 + r.nextInt(3)];
        for (int i = 0; i < k.length; i++)
        {
            final int pick = r.nextInt(6);
            k[i] = (byte)(pick == 0 ? 0 : pick == 1 ? 0x7f : pick == 2 ? 0x80 : pick == 3 ? 0xff : r.nextInt(256));
        }
        return k;
    }

    private static String hex(final byte[] b)
    {
        return b == null ? "null" : Bytes.of(b).toString();
    }

    private static void sameKey(final byte[] want, final byte[] got, final String what)
    {
        assertEquals(hex(want), hex(got), what);
    }

    private static void same(final NavigableMap<byte[], byte[]> want, final NavigableMap<byte[], byte[]> got,
        final List<byte[]> probes, final String what)
    {
        assertEquals(want.size(), got.size(), what + " size");
        assertEquals(want.isEmpty(), got.isEmpty(), what + " isEmpty");
        final Iterator<Map.Entry<byte[], byte[]>> a = want.entrySet().iterator();
        final Iterator<Map.Entry<byte[], byte[]>> b = got.entrySet().iterator();
        while (a.hasNext())
        {
            final Map.Entry<byte[], byte[]> x = a.next();
            final Map.Entry<byte[], byte[]> y = b.next();
            sameKey(x.getKey(), y.getKey(), what + " iteration");
            assertArrayEquals(x.getValue(), y.getValue(), what + " value");
        }
        assertEquals(false, b.hasNext(), what + " iterator ends");
        sameKey(want.isEmpty() ? null : want.firstKey(), got.isEmpty() ? null : got.firstKey(), what + " firstKey");
        sameKey(want.isEmpty() ? null : want.lastKey(), got.isEmpty() ? null : got.lastKey(), what + " lastKey");
        for (final byte[] p : probes)
        {
            final String w = what + " probe " + hex(p);
            final byte[] gv = got.get(p);
            final byte[] wv = want.get(p);
            assertEquals(hex(wv), hex(gv), w + " get");
            assertEquals(want.containsKey(p), got.containsKey(p), w + " containsKey");
            sameKey(want.ceilingKey(p), got.ceilingKey(p), w + " ceilingKey");
            sameKey(want.floorKey(p), got.floorKey(p), w + " floorKey");
            sameKey(want.higherKey(p), got.higherKey(p), w + " higherKey");
            sameKey(want.lowerKey(p), got.lowerKey(p), w + " lowerKey");
        }
    }

    @Test
    void aStoreRangeAsAReadOnlyMapAgreesWithTreeMap()
    {
        final Random r = new Random(7);
        for (int round = 0; round < 30; round++)
        {
            final InMemoryBackingStore store = new InMemoryBackingStore();
            final TreeMap<byte[], byte[]>[] byVersion = newModels(40);
            final TreeMap<byte[], byte[]> live = new TreeMap<>(U);
            for (long v = 1; v <= 40; v++)
            {
                for (int i = 0; i < 4; i++)
                {
                    final byte[] k = rnd(r);
                    if (r.nextInt(4) == 0)
                    {
                        store.delete(k, v);
                        live.remove(k);
                    }
                    else
                    {
                        final byte[] val = ("v" + v + "-" + i).getBytes();
                        store.put(k, v, val);
                        live.put(k, val);
                    }
                }
                byVersion[(int)v] = new TreeMap<>(live);
            }
            byte[] start = r.nextInt(3) == 0 ? new byte[0] : rnd(r);
            byte[] end = r.nextInt(3) == 0 ? new byte[0] : rnd(r);
            if (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0)
            {
                final byte[] t = start;
                start = end;
                end = t;
                if (Arrays.compareUnsigned(start, end) >= 0 || end.length == 0 && start.length == 0)
                {
                    end = new byte[0];
                }
            }
            final long rv = 1 + r.nextInt(40);
            final TreeMap<byte[], byte[]> model = new TreeMap<>(U);
            for (final Map.Entry<byte[], byte[]> e : byVersion[(int)rv].entrySet())
            {
                if (Arrays.compareUnsigned(e.getKey(), start) >= 0 &&
                    (end.length == 0 || Arrays.compareUnsigned(e.getKey(), end) < 0))
                {
                    model.put(e.getKey(), e.getValue());
                }
            }
            final List<byte[]> probes = new ArrayList<>();
            for (int i = 0; i < 30; i++)
            {
                probes.add(rnd(r));
            }
            probes.add(new byte[0]);
            probes.add(start);
            if (end.length > 0)
            {
                probes.add(end);
            }
            final byte[] longKey = new byte[5000];
            Arrays.fill(longKey, (byte)0x80);
            probes.add(longKey);
            probes.addAll(model.keySet());
            final String what = "round " + round + " [" + hex(start) + ", " + hex(end) + ") @" + rv;
            try (StoreView view = StoreView.open(store, start, end, rv))
            {
                final NavigableMap<byte[], byte[]> got = view.asNavigableMap();
                same(model, got, probes, what);
                same(model.descendingMap(), got.descendingMap(), probes, what + " desc");
                for (int i = 0; i < 10; i++)
                {
                    byte[] a = probes.get(r.nextInt(probes.size()));
                    byte[] b = probes.get(r.nextInt(probes.size()));
                    if (Arrays.compareUnsigned(a, b) > 0)
                    {
                        final byte[] t = a;
                        a = b;
                        b = t;
                    }
                    final boolean ai = r.nextBoolean();
                    final boolean bi = r.nextBoolean();
                    same(model.subMap(a, ai, b, bi), got.subMap(a, ai, b, bi), probes, what + " sub");
                    same(model.headMap(b, bi), got.headMap(b, bi), probes, what + " head");
                    same(model.tailMap(a, ai), got.tailMap(a, ai), probes, what + " tail");
                    same(model.descendingMap().subMap(b, bi, a, ai), got.descendingMap().subMap(b, bi, a, ai), probes,
                        what + " desc sub");
                }
                assertThrows(UnsupportedOperationException.class, () -> got.put(new byte[] {1}, new byte[] {1}));
                assertThrows(UnsupportedOperationException.class, got::pollFirstEntry);
                assertThrows(UnsupportedOperationException.class, got::clear);
                final NavigableMap<Bytes, Bytes> bytes = view.asBytesMap();
                assertEquals(model.size(), bytes.size());
                for (final Map.Entry<byte[], byte[]> e : model.entrySet())
                {
                    assertEquals(Bytes.of(e.getValue()), bytes.get(Bytes.of(e.getKey())));
                }
                view.close();
                assertThrows(IllegalStateException.class, got::size);
                assertThrows(IllegalStateException.class, () -> got.get(new byte[] {1}));
                assertThrows(IllegalStateException.class, view::asNavigableMap);
                assertEquals(0, view.openCursors());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static TreeMap<byte[], byte[]>[] newModels(final int n)
    {
        final TreeMap<byte[], byte[]>[] m = new TreeMap[n + 1];
        m[0] = new TreeMap<>(U);
        return m;
    }

    @Test
    void iteratorsGiveTheirCursorBackAtTheirEndAndCloseReleasesTheRest()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 10; i++)
        {
            store.put(new byte[] {(byte)i}, 1, new byte[] {(byte)i});
        }
        final StoreView view = StoreView.open(store, new byte[0], new byte[0], 1);
        final NavigableMap<byte[], byte[]> m = view.asNavigableMap();
        final int base = view.openCursors();
        final Iterator<byte[]> it = m.keySet().iterator();
        while (it.hasNext())
        {
            it.next();
        }
        assertEquals(base, view.openCursors(), "an iterator at its end holds no cursor");
        final Iterator<byte[]> half = m.descendingMap().keySet().iterator();
        half.next();
        assertEquals(base + 1, view.openCursors());
        view.close();
        assertEquals(0, view.openCursors());
        assertThrows(IllegalStateException.class, half::next);
        assertNull(null);
    }

    @Test
    void openRefusesAnEmptyOrInvertedRange()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        assertThrows(IllegalArgumentException.class, () -> StoreView.open(store, new byte[] {5}, new byte[] {5}, 1));
        assertThrows(IllegalArgumentException.class, () -> StoreView.open(store, new byte[] {6}, new byte[] {5}, 1));
    }
}
