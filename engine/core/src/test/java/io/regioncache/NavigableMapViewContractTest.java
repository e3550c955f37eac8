package io.regioncache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * README.md, "guava-testlib: the NavigableMap view", each sentence that states behaviour, through the public API:
 * {@code Snapshot.asNavigableMap()} is a read-only map over the snapshot's region at its read version, in unsigned
 * order, with sub/head/tail maps (inclusive and exclusive bounds), descending views, ceiling/floor/higher/lower,
 * key/entry/value collections; every Java iterator steps its own cursor; mutators throw
 * {@code UnsupportedOperationException}; a view whose snapshot was closed or re-opened throws
 * {@code IllegalStateException}; {@code asBytesMap()} is the same view keyed and valued by {@code Bytes}.
 * <p>
 * Two failed when written: the value collection answered {@code false} to {@code remove}, {@code removeIf},
 * {@code removeAll} and {@code retainAll} that matched nothing instead of refusing them (it was
 * {@code AbstractMap.values()}); and a view kept reading after its snapshot was closed and re-opened at the same
 * region and read version (the check compared the record and the read version only).
 */
class NavigableMapViewContractTest
{
    /** Region [0x10, 0xF0): keys at 0x7f and 0x80 tell unsigned from signed order. */
    private static final byte[] START = {0x10};
    private static final byte[] END = {(byte)0xF0};
    private static final long READ = 30;
    private static final byte[][] PROBES = {
        {0x00}, {0x10}, {0x20}, {0x20, 0x00}, {0x30}, {0x7f}, {(byte)0x80}, {(byte)0x90}, {(byte)0xA0},
        {(byte)0xB0}, {(byte)0xEF}, {(byte)0xF0}, {(byte)0xFF}};

    private RegionCache cache;
    private Snapshot snapshot;
    /** What the region holds at {@link #READ}, in unsigned order. */
    private TreeMap<byte[], byte[]> model;

    private static byte[] k(final int b)
    {
        return new byte[] {(byte)b};
    }

    private static byte[] v(final String s)
    {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private void ok(final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        assertEquals(ResultCode.OK, f.join().code(), () -> f.join().toString());
    }

    @BeforeEach
    void region()
    {
        cache = RegionCache.create(RegionCacheConfig.builder().threading(RegionCacheConfig.Threading.INVOKER)
            .capacityBytes(16L << 20).segmentSize(1 << 16).build());
        ok(cache.createRegion(new Region(1, START, END, 1)));
        // History the view must hide: a key deleted at 20, a key overwritten at 20, writes above the read version.
        ok(cache.write(new WriteBatch(1, 1, 10).put(k(0x20), v("a")).put(k(0x30), v("gone")).put(k(0x7f), v("b"))
            .put(k(0x80), v("c")).put(k(0xA0), v("d"))));
        ok(cache.write(new WriteBatch(1, 1, 20).delete(k(0x30)).put(k(0x20), v("a2"))));
        ok(cache.write(new WriteBatch(1, 1, 40).put(k(0xB0), v("future")).put(k(0x7f), v("b-future"))
            .delete(k(0x80))));
        model = new TreeMap<>(Arrays::compareUnsigned);
        model.put(k(0x20), v("a2"));
        model.put(k(0x7f), v("b"));
        model.put(k(0x80), v("c"));
        model.put(k(0xA0), v("d"));
        snapshot = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, snapshot.open(1, 1, READ));
    }

    @AfterEach
    void close()
    {
        snapshot.dispose();
        cache.close();
    }

    // ------------------------------------------------------------------ content, order, navigation

    /** "a read-only NavigableMap<byte[], byte[]> over a snapshot's region at its read version, in unsigned order". */
    @Test
    void theRegionAtItsReadVersionInUnsignedOrder()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        assertSame(model, view);
        assertEquals(4, view.size());
        assertTrue(view.comparator().compare(k(0x80), k(0x7f)) > 0, "unsigned: 0x80 after 0x7f");
        assertNull(view.get(k(0x30)), "deleted at 20");
        assertFalse(view.containsKey(k(0xB0)), "written above the read version");
        assertArrayEquals(v("b"), view.get(k(0x7f)), "the value at the read version, not the newer one");
        assertArrayEquals(v("c"), view.get(k(0x80)), "deleted only above the read version");
        assertNull(view.get(k(0x00)), "outside the region: absent");

        // The Bytes view: the same map, compared by content and ordered by Bytes' unsigned compareTo.
        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        final TreeMap<Bytes, Bytes> bytesModel = new TreeMap<>();
        model.forEach((key, value) -> bytesModel.put(Bytes.of(key), Bytes.of(value)));
        assertEquals(bytesModel, bytes);
        assertEquals(bytes, bytesModel);
        assertEquals(bytesModel.hashCode(), bytes.hashCode());
        assertEquals(List.copyOf(bytesModel.keySet()), List.copyOf(bytes.keySet()));
        assertTrue(Bytes.of(k(0x80)).compareTo(Bytes.of(k(0x7f))) > 0);
        assertEquals(Bytes.of(v("c")), bytes.get(Bytes.of(k(0x80))));
    }

    /** ceiling / floor / higher / lower, present and absent probes, inside and outside the region. */
    @Test
    void navigationAgreesWithTreeMap()
    {
        assertSame(model, snapshot.asNavigableMap());
        assertSame(model.descendingMap(), snapshot.asNavigableMap().descendingMap());
    }

    /** "sub/head/tail maps with inclusive and exclusive bounds, descending views". */
    @Test
    void subHeadTailAndDescendingViewsAgreeWithTreeMap()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final byte[][] bounds = {k(0x20), k(0x30), k(0x7f), k(0x80), k(0xA0)};
        for (final byte[] from : bounds)
        {
            for (final byte[] to : bounds)
            {
                for (final boolean fi : new boolean[] {true, false})
                {
                    for (final boolean ti : new boolean[] {true, false})
                    {
                        if (Arrays.compareUnsigned(from, to) <= 0)
                        {
                            assertSame(model.subMap(from, fi, to, ti), view.subMap(from, fi, to, ti));
                            assertSame(model.descendingMap().subMap(to, ti, from, fi),
                                view.descendingMap().subMap(to, ti, from, fi));
                        }
                    }
                }
            }
            for (final boolean inclusive : new boolean[] {true, false})
            {
                assertSame(model.headMap(from, inclusive), view.headMap(from, inclusive));
                assertSame(model.tailMap(from, inclusive), view.tailMap(from, inclusive));
                assertSame(model.descendingMap().headMap(from, inclusive), view.descendingMap().headMap(from, inclusive));
                assertSame(model.tailMap(from, inclusive).descendingMap(),
                    view.tailMap(from, inclusive).descendingMap());
            }
        }
        assertSame((NavigableMap<byte[], byte[]>)model.subMap(k(0x20), k(0x80)),
            (NavigableMap<byte[], byte[]>)view.subMap(k(0x20), k(0x80)));
        // A bound outside a sub-map is refused, as TreeMap refuses it; so is an inverted range.
        final NavigableMap<byte[], byte[]> sub = view.subMap(k(0x30), true, k(0x90), false);
        assertThrows(IllegalArgumentException.class, () -> sub.headMap(k(0xA0), true));
        assertThrows(IllegalArgumentException.class, () -> sub.tailMap(k(0x20), true));
        assertThrows(IllegalArgumentException.class, () -> view.subMap(k(0x80), true, k(0x20), true));
        assertThrows(NoSuchElementException.class, () -> view.subMap(k(0x21), true, k(0x30), true).firstKey());
    }

    /** "key/entry/value collections": navigable key sets (both ways), entries, values in key order. */
    @Test
    void keyEntryAndValueCollections()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final NavigableSet<byte[]> keys = view.navigableKeySet();
        assertEquals(hex(model.navigableKeySet()), hex(keys));
        assertEquals(hex(model.descendingKeySet()), hex(view.descendingKeySet()));
        assertEquals(hex(model.navigableKeySet().subSet(k(0x20), false, k(0xA0), true)),
            hex(keys.subSet(k(0x20), false, k(0xA0), true)));
        assertEquals(hex(List.of(k(0x7f))), hex(List.of(keys.lower(k(0x80)))));
        assertTrue(keys.contains(k(0x7f)));
        assertFalse(keys.contains(k(0x30)));
        assertEquals(hex(model.values()), hex(view.values()));
        assertEquals(4, view.values().size());
        assertEquals(hex(model.descendingMap().values()), hex(view.descendingMap().values()));
        assertEquals(4, view.entrySet().size());
        final Map.Entry<byte[], byte[]> first = view.entrySet().iterator().next();
        assertArrayEquals(k(0x20), first.getKey());
        assertArrayEquals(v("a2"), first.getValue());

        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        assertTrue(bytes.entrySet().contains(Map.entry(Bytes.of(k(0x80)), Bytes.of(v("c")))));
        assertFalse(bytes.entrySet().contains(Map.entry(Bytes.of(k(0x80)), Bytes.of(v("b")))));
        assertTrue(bytes.values().contains(Bytes.of(v("d"))));
        assertFalse(bytes.values().contains(Bytes.of(v("future"))));
    }

    /** "every Java iterator steps its own" cursor: interleaved iterators and lookups do not disturb one another. */
    @Test
    void everyIteratorStepsItsOwnCursor()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final Iterator<byte[]> a = view.keySet().iterator();
        final Iterator<Map.Entry<byte[], byte[]>> b = view.entrySet().iterator();
        final Iterator<byte[]> c = view.descendingKeySet().iterator();
        final List<byte[]> seenA = new ArrayList<>();
        final List<byte[]> seenB = new ArrayList<>();
        final List<byte[]> seenC = new ArrayList<>();
        while (a.hasNext() || b.hasNext() || c.hasNext())
        {
            if (a.hasNext())
            {
                seenA.add(a.next());
            }
            assertArrayEquals(k(0xA0), view.lastKey()); // a lookup between the steps
            if (b.hasNext())
            {
                seenB.add(b.next().getKey());
            }
            assertArrayEquals(k(0x7f), view.higherKey(k(0x20)));
            if (c.hasNext())
            {
                seenC.add(c.next());
            }
        }
        assertEquals(hex(model.keySet()), hex(seenA));
        assertEquals(hex(model.keySet()), hex(seenB));
        assertEquals(hex(model.descendingKeySet()), hex(seenC));
        assertThrows(NoSuchElementException.class, a::next);
    }

    // ------------------------------------------------------------------ mutators

    /**
     * "Mutators throw UnsupportedOperationException": on the map, its derived maps, its key, entry and value
     * collections and their iterators and entries, whether or not the call would change anything.
     * Was: values().remove / removeIf / removeAll / retainAll that matched nothing answered false.
     */
    @Test
    void everyMutatorThrowsUnsupportedOperation()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        mutatorsRefused(view, k(0x7f), v("x"));
        mutatorsRefused(view.descendingMap(), k(0x7f), v("x"));
        mutatorsRefused(view.subMap(k(0x20), true, k(0x80), true), k(0x7f), v("x"));
        mutatorsRefused(view.headMap(k(0x80), false), k(0x7f), v("x"));
        mutatorsRefused(view.tailMap(k(0x20), false).descendingMap(), k(0x7f), v("x"));
        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        mutatorsRefused(bytes, Bytes.of(k(0x7f)), Bytes.of(v("x")));
        mutatorsRefused(bytes.subMap(Bytes.of(k(0x20)), true, Bytes.of(k(0x80)), true), Bytes.of(k(0x7f)),
            Bytes.of(v("x")));
        assertSame(model, view);
    }

    private static <T> void mutatorsRefused(final NavigableMap<T, T> map, final T key, final T value)
    {
        final T absentValue = value;
        final List<Executable> calls = new ArrayList<>(List.of(
            () -> map.put(key, value),
            () -> map.putAll(Map.of(key, value)),
            () -> map.putIfAbsent(key, value),
            () -> map.remove(key),
            () -> map.remove(key, value),
            () -> map.replace(key, value),
            () -> map.replace(key, value, value),
            () -> map.replaceAll((a, b) -> b),
            () -> map.compute(key, (a, b) -> b),
            () -> map.computeIfAbsent(key, a -> value),
            () -> map.computeIfPresent(key, (a, b) -> b),
            () -> map.merge(key, value, (a, b) -> b),
            map::clear,
            map::pollFirstEntry,
            map::pollLastEntry,
            () -> map.firstEntry().setValue(value),
            () -> map.ceilingEntry(key).setValue(value),
            () -> map.navigableKeySet().pollFirst(),
            () -> map.descendingKeySet().pollLast()));
        for (final Collection<?> c : List.of(map.keySet(), map.navigableKeySet(), map.descendingKeySet(),
            map.entrySet(), map.values()))
        {
            @SuppressWarnings("unchecked")
            final Collection<Object> col = (Collection<Object>)c;
            calls.add(() -> col.add(col.iterator().next()));
            calls.add(() -> col.addAll(List.of(col.iterator().next())));
            calls.add(() -> col.remove(col.iterator().next()));
            calls.add(() -> col.remove(absentValue)); // matches nothing: refused all the same
            calls.add(() -> col.removeIf(x -> true));
            calls.add(() -> col.removeIf(x -> false));
            calls.add(() -> col.removeAll(List.of(col.iterator().next())));
            calls.add(() -> col.removeAll(List.of()));
            calls.add(() -> col.retainAll(List.of()));
            calls.add(() -> col.retainAll(List.copyOf(col)));
            calls.add(col::clear);
            calls.add(() ->
            {
                final Iterator<Object> it = col.iterator();
                it.next();
                it.remove();
            });
        }
        calls.add(() -> map.entrySet().iterator().next().setValue(value));
        for (int i = 0; i < calls.size(); i++)
        {
            final int n = i;
            final Throwable t = assertThrows(Throwable.class, calls.get(i), () -> "mutator #" + n + " did not throw");
            assertEquals(UnsupportedOperationException.class, t.getClass(), () -> "mutator #" + n + " threw " + t);
        }
    }

    // ------------------------------------------------------------------ lifetime

    /** "a view whose snapshot was closed ... throws IllegalStateException instead of reading freed memory". */
    @Test
    void aViewOfAClosedSnapshotRefusesReads()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        final NavigableMap<byte[], byte[]> sub = view.subMap(k(0x20), true, k(0xA0), true);
        final Iterator<byte[]> it = view.keySet().iterator();
        final Collection<byte[]> values = view.values();
        it.next();
        snapshot.close();
        readsRefused(view, sub, bytes, it, values);
    }

    /**
     * "... or re-opened": also when the handle was opened again at the same region and read version.
     * Was: the view compared the record and the read version only, so it went on reading under the new open.
     */
    @Test
    void aViewOfAReopenedSnapshotRefusesReads()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        final NavigableMap<byte[], byte[]> sub = view.subMap(k(0x20), true, k(0xA0), true);
        final Iterator<byte[]> it = view.keySet().iterator();
        final Collection<byte[]> values = view.values();
        it.next();
        assertEquals(SnapshotStatus.OK, snapshot.open(1, 1, READ)); // the same region, epoch and read version
        readsRefused(view, sub, bytes, it, values);
        // A view of the new open reads.
        assertSame(model, snapshot.asNavigableMap());
        // Re-opened elsewhere: refused too.
        final NavigableMap<byte[], byte[]> second = snapshot.asNavigableMap();
        assertEquals(SnapshotStatus.OK, snapshot.open(1, 1, READ - 15));
        assertThrows(IllegalStateException.class, second::size);
    }

    private static void readsRefused(
        final NavigableMap<byte[], byte[]> view, final NavigableMap<byte[], byte[]> sub,
        final NavigableMap<Bytes, Bytes> bytes, final Iterator<byte[]> it, final Collection<byte[]> values)
    {
        final List<Executable> reads = List.of(
            view::size, view::isEmpty, view::firstKey, view::lastEntry, () -> view.get(k(0x20)),
            () -> view.containsKey(k(0x20)), () -> view.ceilingKey(k(0x21)), () -> view.floorEntry(k(0x21)),
            () -> view.higherKey(k(0x20)), () -> view.lowerKey(k(0x80)), () -> view.headMap(k(0x80)),
            () -> view.keySet().iterator(), () -> view.entrySet().iterator(), () -> view.values().iterator(),
            view::descendingMap, view::hashCode, view::toString, () -> view.containsValue(v("b")),
            sub::size, sub::firstKey, () -> sub.get(k(0x7f)), bytes::size, () -> bytes.get(Bytes.of(k(0x20))),
            it::next, it::hasNext, values::size, values::iterator, () -> values.contains(v("b")));
        for (int i = 0; i < reads.size(); i++)
        {
            final int n = i;
            final Throwable t = assertThrows(Throwable.class, reads.get(i), () -> "read #" + n + " did not throw");
            assertEquals(IllegalStateException.class, t.getClass(), () -> "read #" + n + " threw " + t);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The view equals the TreeMap: same entries in the same order, same answers to every navigation probe. */
    private static void assertSame(final NavigableMap<byte[], byte[]> want, final NavigableMap<byte[], byte[]> got)
    {
        assertEquals(entries(want), entries(got));
        assertEquals(want.size(), got.size());
        assertEquals(want.isEmpty(), got.isEmpty());
        assertEquals(hexOrNull(want.isEmpty() ? null : want.firstKey()), hexOrNull(got.isEmpty() ? null : got.firstKey()));
        assertEquals(hexOrNull(want.isEmpty() ? null : want.lastKey()), hexOrNull(got.isEmpty() ? null : got.lastKey()));
        if (want.isEmpty())
        {
            assertThrows(NoSuchElementException.class, got::firstKey);
            assertNull(got.firstEntry());
        }
        for (final byte[] p : PROBES)
        {
            final String at = " at " + Bytes.of(p);
            assertEquals(hexOrNull(want.ceilingKey(p)), hexOrNull(got.ceilingKey(p)), "ceilingKey" + at);
            assertEquals(hexOrNull(want.floorKey(p)), hexOrNull(got.floorKey(p)), "floorKey" + at);
            assertEquals(hexOrNull(want.higherKey(p)), hexOrNull(got.higherKey(p)), "higherKey" + at);
            assertEquals(hexOrNull(want.lowerKey(p)), hexOrNull(got.lowerKey(p)), "lowerKey" + at);
            assertEquals(entry(want.ceilingEntry(p)), entry(got.ceilingEntry(p)), "ceilingEntry" + at);
            assertEquals(entry(want.lowerEntry(p)), entry(got.lowerEntry(p)), "lowerEntry" + at);
            assertEquals(hexOrNull(want.get(p)), hexOrNull(got.get(p)), "get" + at);
            assertEquals(want.containsKey(p), got.containsKey(p), "containsKey" + at);
        }
    }

    private static List<String> entries(final Map<byte[], byte[]> m)
    {
        final List<String> out = new ArrayList<>();
        m.forEach((key, value) -> out.add(Bytes.of(key) + "=" + Bytes.of(value)));
        return out;
    }

    private static String entry(final Map.Entry<byte[], byte[]> e)
    {
        return e == null ? null : Bytes.of(e.getKey()) + "=" + Bytes.of(e.getValue());
    }

    private static String hexOrNull(final byte[] b)
    {
        return b == null ? null : Bytes.of(b).toString();
    }

    private static List<String> hex(final Collection<byte[]> c)
    {
        return c.stream().map(Bytes::of).map(Bytes::toString).toList();
    }
}
