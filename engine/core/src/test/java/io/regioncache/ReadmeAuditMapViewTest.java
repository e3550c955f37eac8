package io.regioncache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Audit of README.md "### guava-testlib: the NavigableMap view": edge cases the existing tests do not pin down
 * (equal bounds, empty ranges, inclusive/exclusive flags on every derived map of every derived map, default flags of
 * the SortedMap overloads, whole-key-space probes such as the empty key and over-long keys, null arguments,
 * refused mutators on empty and nested views, every read of a closed / re-opened / disposed snapshot).
 */
class ReadmeAuditMapViewTest
{
    private static final byte[] START = {0x10};
    private static final byte[] END = {(byte)0xF0};
    private static final long READ = 30;
    /** Probes: present, absent, prefixes, outside the region, the empty key, a key longer than any stored key. */
    private static final byte[][] PROBES;

    static
    {
        final byte[] longKey = new byte[5000];
        Arrays.fill(longKey, (byte)0x7f);
        PROBES = new byte[][] {
            {}, {0x00}, {0x0f, (byte)0xff}, {0x10}, {0x10, 0x00}, {0x20}, {0x20, 0x00}, {0x2f}, {0x30}, {0x7f},
            {0x7f, 0x00}, {0x7f, (byte)0xff}, {(byte)0x80}, {(byte)0x90}, {(byte)0xA0}, {(byte)0xA0, 0x01},
            {(byte)0xB0}, {(byte)0xEF}, {(byte)0xEF, (byte)0xff}, {(byte)0xF0}, {(byte)0xFF}, {(byte)0xFF, (byte)0xFF},
            longKey};
    }

    private RegionCache cache;
    /** Another engine: region 2 there is the whole key space (regions of one engine may not overlap). */
    private RegionCache wide;
    private Snapshot snapshot;
    private TreeMap<byte[], byte[]> model;

    private static byte[] k(final int... b)
    {
        final byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++)
        {
            out[i] = (byte)b[i];
        }
        return out;
    }

    private static byte[] v(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private void ok(final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
            wide.applyCycle();
        }
        assertEquals(ResultCode.OK, f.join().code(), () -> f.join().toString());
    }

    @BeforeEach
    void region()
    {
        cache = RegionCache.create(RegionCacheConfig.builder().threading(RegionCacheConfig.Threading.INVOKER)
            .capacityBytes(16L << 20).segmentSize(1 << 16).build());
        wide = RegionCache.create(RegionCacheConfig.builder().threading(RegionCacheConfig.Threading.INVOKER)
            .capacityBytes(16L << 20).segmentSize(1 << 16).build());
        ok(cache.createRegion(new Region(1, START, END, 1)));
        // Region 2: the whole key space (empty bounds), for probes with the empty key.
        ok(wide.createRegion(new Region(2, new byte[0], new byte[0], 1)));
        model = new TreeMap<>(Arrays::compareUnsigned);
        final WriteBatch w10 = new WriteBatch(1, 1, 10);
        final WriteBatch w20 = new WriteBatch(1, 1, 20);
        final WriteBatch w40 = new WriteBatch(1, 1, 40);
        final byte[][] keys = {k(0x10), k(0x20), k(0x20, 0x00), k(0x7f), k(0x7f, 0x00), k(0x7f, 0xff), k(0x80),
            k(0xA0), k(0xEF, 0xff)};
        int i = 0;
        for (final byte[] key : keys)
        {
            w10.put(key, v("old" + i));
            w20.put(key, v("v" + i));
            w40.put(key, v("future" + i));
            model.put(key, v("v" + i));
            i++;
        }
        // Hidden history: a key deleted below the read version, one written only above it.
        w10.put(k(0x30), v("gone"));
        w20.delete(k(0x30));
        w40.put(k(0xB0), v("future"));
        ok(cache.write(w10));
        ok(cache.write(w20));
        ok(cache.write(w40));
        snapshot = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, snapshot.open(1, 1, READ));
    }

    @AfterEach
    void close()
    {
        if (snapshot != null)
        {
            snapshot.dispose();
        }
        cache.close();
        wide.close();
    }

    // ------------------------------------------------------------------ helpers

    private static String hex(final byte[] b)
    {
        return b == null ? "null" : Bytes.of(b).toString();
    }

    private static String entry(final Map.Entry<byte[], byte[]> e)
    {
        return e == null ? "null" : hex(e.getKey()) + "=" + hex(e.getValue());
    }

    private static List<String> entries(final Map<byte[], byte[]> m)
    {
        final List<String> out = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : m.entrySet())
        {
            out.add(entry(e));
        }
        return out;
    }

    private static List<String> hexAll(final Iterable<byte[]> c)
    {
        final List<String> out = new ArrayList<>();
        for (final byte[] b : c)
        {
            out.add(hex(b));
        }
        return out;
    }

    private static String outcome(final Executable call)
    {
        try
        {
            call.execute();
            return "ok";
        }
        catch (final Throwable t)
        {
            return t.getClass().getSimpleName();
        }
    }

    private static <R> String answer(final Function<NavigableMap<byte[], byte[]>, R> f,
        final NavigableMap<byte[], byte[]> m)
    {
        try
        {
            final R r = f.apply(m);
            if (r instanceof byte[])
            {
                return hex((byte[])r);
            }
            if (r instanceof Map.Entry)
            {
                @SuppressWarnings("unchecked")
                final Map.Entry<byte[], byte[]> e = (Map.Entry<byte[], byte[]>)r;
                return entry(e);
            }
            return String.valueOf(r);
        }
        catch (final RuntimeException ex)
        {
            return ex.getClass().getSimpleName();
        }
    }

    /** Everything a read can ask, compared with the TreeMap: content, both orders, every probe, every end. */
    private static void same(final NavigableMap<byte[], byte[]> want, final NavigableMap<byte[], byte[]> got,
        final String where)
    {
        assertEquals(entries(want), entries(got), where + " entries");
        assertEquals(entries(want.descendingMap()), entries(got.descendingMap()), where + " descending entries");
        assertEquals(want.size(), got.size(), where + " size");
        assertEquals(want.isEmpty(), got.isEmpty(), where + " isEmpty");
        assertEquals(hexAll(want.values()), hexAll(got.values()), where + " values");
        assertEquals(want.values().size(), got.values().size(), where + " values size");
        assertEquals(want.entrySet().size(), got.entrySet().size(), where + " entrySet size");
        assertEquals(want.keySet().isEmpty(), got.keySet().isEmpty(), where + " keySet isEmpty");
        assertEquals(hexAll(want.descendingKeySet()), hexAll(got.descendingKeySet()), where + " descendingKeySet");
        assertEquals(hexAll(() -> want.navigableKeySet().descendingIterator()),
            hexAll(() -> got.navigableKeySet().descendingIterator()), where + " descendingIterator");
        for (final Function<NavigableMap<byte[], byte[]>, Object> f : List.<Function<NavigableMap<byte[], byte[]>, Object>>of(
            NavigableMap::firstKey, NavigableMap::lastKey, NavigableMap::firstEntry, NavigableMap::lastEntry,
            m -> m.navigableKeySet().first(), m -> m.navigableKeySet().last()))
        {
            assertEquals(answer(f, want), answer(f, got), where + " ends");
        }
        for (final byte[] p : PROBES)
        {
            final String at = where + " at " + (p.length > 8 ? "long key" : hex(p));
            assertEquals(answer(m -> m.ceilingKey(p), want), answer(m -> m.ceilingKey(p), got), "ceilingKey" + at);
            assertEquals(answer(m -> m.floorKey(p), want), answer(m -> m.floorKey(p), got), "floorKey" + at);
            assertEquals(answer(m -> m.higherKey(p), want), answer(m -> m.higherKey(p), got), "higherKey" + at);
            assertEquals(answer(m -> m.lowerKey(p), want), answer(m -> m.lowerKey(p), got), "lowerKey" + at);
            assertEquals(answer(m -> m.ceilingEntry(p), want), answer(m -> m.ceilingEntry(p), got), "ceilingEntry" + at);
            assertEquals(answer(m -> m.floorEntry(p), want), answer(m -> m.floorEntry(p), got), "floorEntry" + at);
            assertEquals(answer(m -> m.higherEntry(p), want), answer(m -> m.higherEntry(p), got), "higherEntry" + at);
            assertEquals(answer(m -> m.lowerEntry(p), want), answer(m -> m.lowerEntry(p), got), "lowerEntry" + at);
            assertEquals(answer(m -> m.get(p), want), answer(m -> m.get(p), got), "get" + at);
            assertEquals(answer(m -> m.containsKey(p), want), answer(m -> m.containsKey(p), got), "containsKey" + at);
            assertEquals(answer(m -> m.navigableKeySet().contains(p), want),
                answer(m -> m.navigableKeySet().contains(p), got), "keySet.contains" + at);
            assertEquals(answer(m -> m.navigableKeySet().ceiling(p), want),
                answer(m -> m.navigableKeySet().ceiling(p), got), "keySet.ceiling" + at);
            assertEquals(answer(m -> m.navigableKeySet().lower(p), want),
                answer(m -> m.navigableKeySet().lower(p), got), "keySet.lower" + at);
        }
    }

    // ------------------------------------------------------------------ ordering, bounds, flags

    /** The root view and its descending view against the TreeMap over the edge probes (empty key, long key...). */
    @Test
    void rootAndDescendingAgreeOnEdgeProbes()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        same(model, view, "root");
        same(model.descendingMap(), view.descendingMap(), "descending");
        same(model, view.descendingMap().descendingMap(), "descending of descending");
        // A view's order: unsigned, prefixes first; its comparator says so, reversed on the descending view.
        assertEquals(List.of("0x10", "0x20", "0x2000", "0x7f", "0x7f00", "0x7fff", "0x80", "0xa0", "0xefff"),
            hexAll(view.keySet()));
        assertTrue(view.comparator().compare(k(0x80), k(0x7f)) > 0);
        assertTrue(view.comparator().compare(k(0x7f), k(0x7f, 0x00)) < 0);
        assertTrue(view.descendingMap().comparator().compare(k(0x80), k(0x7f)) < 0);
        assertTrue(view.descendingKeySet().comparator().compare(k(0x80), k(0x7f)) < 0);
        assertNull(snapshot.asBytesMap().comparator(), "Bytes view: natural (unsigned) order, as TreeMap<Bytes, ?>");
        assertTrue(snapshot.asBytesMap().descendingMap().comparator().compare(Bytes.of(k(0x80)), Bytes.of(k(0x7f))) < 0);
    }

    /**
     * Every sub/head/tail map, of the root and of every sub/head/tail/descending map of it, with every flag and
     * every bound from the probe list (equal bounds, bounds outside the region, bounds equal to an exclusive bound of
     * the parent): the view throws exactly when TreeMap throws, and otherwise answers every read as TreeMap does.
     */
    @Test
    void nestedDerivedMapsAgreeWithTreeMapOnEveryFlagAndBound()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final byte[][] bounds = {k(0x10), k(0x20), k(0x30), k(0x7f), k(0x7f, 0x00), k(0x80), k(0xA0), k(0xF0)};
        final List<Function<NavigableMap<byte[], byte[]>, NavigableMap<byte[], byte[]>>> parents = new ArrayList<>();
        final List<String> parentNames = new ArrayList<>();
        parents.add(m -> m);
        parentNames.add("root");
        parents.add(NavigableMap::descendingMap);
        parentNames.add("desc");
        parents.add(m -> m.subMap(k(0x20), false, k(0x80), false));
        parentNames.add("(20,80)");
        parents.add(m -> m.subMap(k(0x20), true, k(0x80), true));
        parentNames.add("[20,80]");
        parents.add(m -> m.descendingMap().subMap(k(0x80), false, k(0x20), false));
        parentNames.add("desc(80,20)");
        parents.add(m -> m.headMap(k(0x7f, 0x00), true).descendingMap());
        parentNames.add("head[7f00].desc");
        parents.add(m -> m.tailMap(k(0x7f), false));
        parentNames.add("tail(7f)");
        for (int p = 0; p < parents.size(); p++)
        {
            final NavigableMap<byte[], byte[]> mp = parents.get(p).apply(model);
            final NavigableMap<byte[], byte[]> vp = parents.get(p).apply(view);
            same(mp, vp, parentNames.get(p));
            for (final byte[] a : bounds)
            {
                for (final boolean ai : new boolean[] {true, false})
                {
                    final String h = parentNames.get(p) + ".headMap(" + hex(a) + "," + ai + ")";
                    derived(() -> mp.headMap(a, ai), () -> vp.headMap(a, ai), h);
                    final String t = parentNames.get(p) + ".tailMap(" + hex(a) + "," + ai + ")";
                    derived(() -> mp.tailMap(a, ai), () -> vp.tailMap(a, ai), t);
                    for (final byte[] b : bounds)
                    {
                        for (final boolean bi : new boolean[] {true, false})
                        {
                            final String s = parentNames.get(p) + ".subMap(" + hex(a) + "," + ai + "," + hex(b) + "," +
                                bi + ")";
                            derived(() -> mp.subMap(a, ai, b, bi), () -> vp.subMap(a, ai, b, bi), s);
                        }
                    }
                }
            }
        }
    }

    private interface MapMaker
    {
        NavigableMap<byte[], byte[]> make();
    }

    private static void derived(final MapMaker model, final MapMaker view, final String what)
    {
        NavigableMap<byte[], byte[]> m = null;
        String modelThrew = null;
        try
        {
            m = model.make();
        }
        catch (final RuntimeException ex)
        {
            modelThrew = ex.getClass().getSimpleName();
        }
        NavigableMap<byte[], byte[]> v = null;
        String viewThrew = null;
        try
        {
            v = view.make();
        }
        catch (final RuntimeException ex)
        {
            viewThrew = ex.getClass().getSimpleName();
        }
        assertEquals(modelThrew, viewThrew, what + ": refused alike");
        if (m != null)
        {
            assertEquals(entries(m), entries(v), what);
            assertEquals(m.size(), v.size(), what + " size");
            assertEquals(answer(NavigableMap::firstEntry, m), answer(NavigableMap::firstEntry, v), what + " first");
            assertEquals(answer(NavigableMap::lastKey, m), answer(NavigableMap::lastKey, v), what + " lastKey");
            assertEquals(entries(m.descendingMap()), entries(v.descendingMap()), what + " descending");
            for (final byte[] p : PROBES)
            {
                final String at = what + " at " + (p.length > 8 ? "long key" : hex(p));
                assertEquals(answer(x -> x.ceilingKey(p), m), answer(x -> x.ceilingKey(p), v), "ceiling " + at);
                assertEquals(answer(x -> x.floorKey(p), m), answer(x -> x.floorKey(p), v), "floor " + at);
                assertEquals(answer(x -> x.higherKey(p), m), answer(x -> x.higherKey(p), v), "higher " + at);
                assertEquals(answer(x -> x.lowerKey(p), m), answer(x -> x.lowerKey(p), v), "lower " + at);
                assertEquals(answer(x -> x.get(p), m), answer(x -> x.get(p), v), "get " + at);
            }
        }
    }

    /** Equal bounds: (k,k), [k,k), (k,k] are empty, [k,k] is k alone (present) or empty (absent); on both orders. */
    @Test
    void equalBoundsAndEmptyRanges()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        for (final byte[] key : new byte[][] {k(0x7f), k(0x30), k(0x00), k(0xFF)})
        {
            for (final boolean fi : new boolean[] {true, false})
            {
                for (final boolean ti : new boolean[] {true, false})
                {
                    final NavigableMap<byte[], byte[]> sub = view.subMap(key, fi, key, ti);
                    final NavigableMap<byte[], byte[]> dsub = view.descendingMap().subMap(key, fi, key, ti);
                    final boolean one = fi && ti && model.containsKey(key);
                    assertEquals(one ? 1 : 0, sub.size(), hex(key) + " " + fi + " " + ti);
                    assertEquals(one ? 1 : 0, dsub.size(), "descending " + hex(key) + " " + fi + " " + ti);
                    if (!one)
                    {
                        emptyMap(sub, "sub " + hex(key) + fi + ti);
                        emptyMap(dsub, "descending sub " + hex(key) + fi + ti);
                    }
                }
            }
        }
        emptyMap(view.headMap(k(0x10), false), "below the first key");
        emptyMap(view.tailMap(k(0xEF, 0xff), false), "above the last key");
        emptyMap(view.subMap(k(0x21), true, k(0x30), true), "a gap");
        emptyMap(view.descendingMap().headMap(k(0xEF, 0xff), false), "descending head above the last key");
        // An empty region.
        final Snapshot empty = wide.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, empty.open(2, 1, READ));
            emptyMap(empty.asNavigableMap(), "empty region");
            emptyMap(empty.asNavigableMap().descendingMap(), "empty region, descending");
            assertEquals(Collections.emptyMap(), empty.asBytesMap());
            assertEquals(0, empty.asBytesMap().hashCode());
        }
        finally
        {
            empty.dispose();
        }
    }

    private static void emptyMap(final NavigableMap<byte[], byte[]> m, final String what)
    {
        assertEquals(0, m.size(), what);
        assertTrue(m.isEmpty(), what);
        assertTrue(m.keySet().isEmpty(), what);
        assertTrue(m.values().isEmpty(), what);
        assertTrue(m.entrySet().isEmpty(), what);
        assertThrows(NoSuchElementException.class, m::firstKey, what);
        assertThrows(NoSuchElementException.class, m::lastKey, what);
        assertThrows(NoSuchElementException.class, () -> m.navigableKeySet().first(), what);
        assertThrows(NoSuchElementException.class, () -> m.descendingKeySet().last(), what);
        assertNull(m.firstEntry(), what);
        assertNull(m.lastEntry(), what);
        assertFalse(m.keySet().iterator().hasNext(), what);
        assertThrows(NoSuchElementException.class, () -> m.entrySet().iterator().next(), what);
        assertThrows(NoSuchElementException.class, () -> m.values().iterator().next(), what);
        assertThrows(NoSuchElementException.class, () -> m.descendingKeySet().iterator().next(), what);
        for (final byte[] p : PROBES)
        {
            assertNull(m.ceilingKey(p), what);
            assertNull(m.floorEntry(p), what);
            assertNull(m.higherEntry(p), what);
            assertNull(m.lowerKey(p), what);
            assertNull(m.get(p), what);
        }
        assertEquals(Collections.emptyMap(), m, what);
        assertEquals(0, m.hashCode(), what);
        assertEquals("{}", m.toString(), what);
    }

    /** The SortedMap/SortedSet overloads: subMap(a, b) is [a, b), headMap(k) excludes k, tailMap(k) includes it. */
    @Test
    void sortedMapOverloadsUseTreeMapsDefaultFlags()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final byte[] a = k(0x20);
        final byte[] b = k(0x80);
        assertEquals(entries(model.subMap(a, b)), entries(view.subMap(a, b)));
        assertEquals(entries(model.headMap(b)), entries(view.headMap(b)));
        assertEquals(entries(model.tailMap(a)), entries(view.tailMap(a)));
        assertEquals(entries(model.descendingMap().subMap(b, a)), entries(view.descendingMap().subMap(b, a)));
        assertEquals(entries(model.descendingMap().headMap(a)), entries(view.descendingMap().headMap(a)));
        assertEquals(entries(model.descendingMap().tailMap(b)), entries(view.descendingMap().tailMap(b)));
        assertEquals(hexAll(model.navigableKeySet().subSet(a, b)), hexAll(view.navigableKeySet().subSet(a, b)));
        assertEquals(hexAll(model.navigableKeySet().headSet(b)), hexAll(view.navigableKeySet().headSet(b)));
        assertEquals(hexAll(model.navigableKeySet().tailSet(a)), hexAll(view.navigableKeySet().tailSet(a)));
        assertEquals(hexAll(model.descendingKeySet().subSet(b, false, a, true)),
            hexAll(view.descendingKeySet().subSet(b, false, a, true)));
        assertEquals(hexAll(model.descendingKeySet().descendingSet()),
            hexAll(view.descendingKeySet().descendingSet()));
        final SortedMap<byte[], byte[]> sorted = view.subMap(a, b);
        assertEquals(hex(model.subMap(a, b).firstKey()), hex(sorted.firstKey()));
        assertEquals(hex(model.subMap(a, b).lastKey()), hex(sorted.lastKey()));
        // Inverted bounds are refused on the overloads too, in the map's own order.
        assertThrows(IllegalArgumentException.class, () -> view.subMap(b, a));
        assertThrows(IllegalArgumentException.class, () -> view.descendingMap().subMap(a, b));
        assertThrows(IllegalArgumentException.class, () -> view.navigableKeySet().subSet(b, a));
    }

    /** Region of the whole key space: the empty key is a valid probe (below every key), and absent. */
    @Test
    void wholeKeySpaceRegionAndTheEmptyKey()
    {
        ok(wide.write(new WriteBatch(2, 1, 5).put(k(0x00), v("zero")).put(k(0xFF, 0xFF), v("top"))));
        final Snapshot s = wide.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, s.open(2, 1, READ));
            final TreeMap<byte[], byte[]> m = new TreeMap<>(Arrays::compareUnsigned);
            m.put(k(0x00), v("zero"));
            m.put(k(0xFF, 0xFF), v("top"));
            final NavigableMap<byte[], byte[]> view = s.asNavigableMap();
            same(m, view, "whole key space");
            same(m.descendingMap(), view.descendingMap(), "whole key space, descending");
            derived(() -> m.headMap(new byte[0], true), () -> view.headMap(new byte[0], true), "headMap(empty]");
            derived(() -> m.tailMap(new byte[0], false), () -> view.tailMap(new byte[0], false), "tailMap(empty)");
            derived(() -> m.subMap(new byte[0], true, new byte[0], true),
                () -> view.subMap(new byte[0], true, new byte[0], true), "subMap[empty, empty]");
        }
        finally
        {
            s.dispose();
        }
    }

    // ------------------------------------------------------------------ collections

    /** key/entry/value collections of sub-maps and descending sub-maps: content, order, contains, equality. */
    @Test
    void collectionsOfDerivedMaps()
    {
        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        final TreeMap<Bytes, Bytes> bmodel = new TreeMap<>();
        model.forEach((key, value) -> bmodel.put(Bytes.of(key), Bytes.of(value)));
        final Bytes lo = Bytes.of(k(0x20));
        final Bytes hi = Bytes.of(k(0xA0));
        final List<Function<NavigableMap<Bytes, Bytes>, NavigableMap<Bytes, Bytes>>> derive = List.of(
            m -> m, NavigableMap::descendingMap, m -> m.subMap(lo, false, hi, true),
            m -> m.subMap(lo, false, hi, true).descendingMap(), m -> m.descendingMap().headMap(lo, true),
            m -> m.headMap(hi, false), m -> m.tailMap(hi, false));
        for (int i = 0; i < derive.size(); i++)
        {
            final NavigableMap<Bytes, Bytes> want = derive.get(i).apply(bmodel);
            final NavigableMap<Bytes, Bytes> got = derive.get(i).apply(bytes);
            final String what = "derived #" + i;
            assertEquals(want, got, what);
            assertEquals(got, want, what);
            assertEquals(want.hashCode(), got.hashCode(), what);
            assertEquals(want.toString(), got.toString(), what);
            assertEquals(want.keySet(), got.keySet(), what);
            assertEquals(got.keySet(), want.keySet(), what);
            assertEquals(want.entrySet(), got.entrySet(), what);
            assertEquals(got.entrySet(), want.entrySet(), what);
            assertEquals(want.keySet().hashCode(), got.keySet().hashCode(), what);
            assertEquals(List.copyOf(want.values()), List.copyOf(got.values()), what);
            assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()), what);
            assertEquals(List.copyOf(want.entrySet()), List.copyOf(got.entrySet()), what);
            assertEquals(List.copyOf(want.descendingKeySet()), List.copyOf(got.descendingKeySet()), what);
            assertEquals(want.keySet().stream().toList(), got.keySet().stream().toList(), what + " stream");
            assertEquals(want.entrySet().stream().toList(), got.entrySet().stream().toList(), what + " stream");
            assertEquals(want.values().stream().toList(), got.values().stream().toList(), what + " stream");
            assertEquals(Arrays.asList(want.keySet().toArray()), Arrays.asList(got.keySet().toArray()), what);
            for (final byte[] p : PROBES)
            {
                final Bytes b = Bytes.of(p);
                assertEquals(want.containsKey(b), got.containsKey(b), what + " containsKey " + b);
                assertEquals(want.keySet().contains(b), got.keySet().contains(b), what);
                final Bytes value = bmodel.get(b);
                if (value != null)
                {
                    assertEquals(want.entrySet().contains(Map.entry(b, value)),
                        got.entrySet().contains(Map.entry(b, value)), what + " entrySet.contains " + b);
                    assertEquals(want.values().contains(value), got.values().contains(value), what + " values " + b);
                    assertEquals(want.containsValue(value), got.containsValue(value), what + " containsValue " + b);
                }
            }
        }
        // Values are fresh copies too.
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        view.firstEntry().getValue()[0] = 'X';
        view.values().iterator().next()[0] = 'X';
        view.get(k(0x10))[0] = 'X';
        assertArrayEquals(v("v0"), view.get(k(0x10)));
    }

    // ------------------------------------------------------------------ nulls

    /** Null keys and bounds throw NullPointerException, as in TreeMap, on every query and derived map. */
    @Test
    void nullKeysAndBoundsThrowNullPointerException()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        final List<Executable> calls = new ArrayList<>();
        for (final NavigableMap<byte[], byte[]> m : List.of(view, view.descendingMap(),
            view.subMap(k(0x20), true, k(0xA0), false)))
        {
            calls.addAll(List.of(() -> m.get(null), () -> m.containsKey(null), () -> m.ceilingKey(null),
                () -> m.floorKey(null), () -> m.higherKey(null), () -> m.lowerKey(null), () -> m.ceilingEntry(null),
                () -> m.floorEntry(null), () -> m.higherEntry(null), () -> m.lowerEntry(null),
                () -> m.headMap(null), () -> m.headMap(null, true), () -> m.tailMap(null), () -> m.tailMap(null, false),
                () -> m.subMap(null, k(0x80)), () -> m.subMap(k(0x80), true, null, true),
                () -> m.subMap(null, true, k(0x80), true), () -> m.navigableKeySet().contains(null),
                () -> m.navigableKeySet().ceiling(null), () -> m.navigableKeySet().headSet(null, true),
                () -> m.navigableKeySet().subSet(null, true, k(0x80), true)));
        }
        calls.addAll(List.of(() -> bytes.get(null), () -> bytes.ceilingKey(null), () -> bytes.subMap(null, null),
            () -> bytes.descendingMap().floorEntry(null)));
        for (int i = 0; i < calls.size(); i++)
        {
            final int n = i;
            final Throwable t = assertThrows(Throwable.class, calls.get(i), () -> "call #" + n);
            assertEquals(NullPointerException.class, t.getClass(), () -> "call #" + n + " threw " + t);
        }
    }

    // ------------------------------------------------------------------ mutators

    /**
     * "Mutators throw UnsupportedOperationException", also where TreeMap would change nothing (an empty map, an
     * absent key, an empty argument), and on the collections of nested views and their iterators and entries.
     */
    @Test
    void mutatorsRefusedOnEmptyAndNestedViews()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final NavigableMap<byte[], byte[]> empty = view.subMap(k(0x21), true, k(0x30), true);
        assertTrue(empty.isEmpty());
        final byte[] absent = k(0x30);
        final List<Executable> calls = new ArrayList<>(List.of(
            empty::clear, empty::pollFirstEntry, empty::pollLastEntry, () -> empty.putAll(Map.of()),
            () -> empty.remove(absent), () -> empty.remove(absent, v("x")), () -> empty.replace(absent, v("x")),
            () -> empty.replace(absent, v("x"), v("y")), () -> empty.replaceAll((a, b) -> b),
            () -> empty.computeIfPresent(absent, (a, b) -> b), () -> empty.navigableKeySet().pollFirst(),
            () -> empty.descendingKeySet().pollLast(), () -> empty.keySet().removeAll(List.of()),
            () -> empty.keySet().retainAll(List.of()), () -> empty.values().removeIf(x -> true),
            () -> empty.values().clear(), () -> empty.entrySet().clear(), () -> empty.keySet().clear(),
            () -> view.remove(absent), () -> view.computeIfPresent(absent, (a, b) -> b),
            () -> view.lastEntry().setValue(v("x")), () -> view.higherEntry(k(0x20)).setValue(v("x")),
            () -> view.floorEntry(k(0x20)).setValue(v("x")), () -> view.lowerEntry(k(0x80)).setValue(v("x")),
            () -> view.entrySet().iterator().next().setValue(v("x")),
            () -> view.descendingMap().entrySet().iterator().next().setValue(v("x")),
            () -> view.descendingMap().firstEntry().setValue(v("x"))));
        final NavigableSet<byte[]> nestedKeys = view.tailMap(k(0x20), false).descendingMap().navigableKeySet()
            .headSet(k(0x7f), true).descendingSet();
        final Collection<byte[]> nestedValues = view.subMap(k(0x20), true, k(0xA0), true).descendingMap().values();
        for (final Collection<byte[]> col : List.of(nestedKeys, nestedValues,
            view.navigableKeySet().subSet(k(0x20), true, k(0xA0), true), view.descendingKeySet().descendingSet(),
            (Collection<byte[]>)view.headMap(k(0x80)).keySet()))
        {
            calls.add(() -> col.add(k(0x55)));
            calls.add(() -> col.remove(k(0x55)));
            calls.add(() -> col.removeIf(x -> false));
            calls.add(() -> col.retainAll(List.of()));
            calls.add(col::clear);
            calls.add(() ->
            {
                final Iterator<byte[]> it = col.iterator();
                it.next();
                it.remove();
            });
        }
        calls.add(() ->
        {
            final Iterator<byte[]> it = nestedKeys.descendingIterator();
            it.next();
            it.remove();
        });
        calls.add(() ->
        {
            final Iterator<byte[]> it = view.navigableKeySet().descendingIterator();
            it.next();
            it.remove();
        });
        for (int i = 0; i < calls.size(); i++)
        {
            final int n = i;
            final Throwable t = assertThrows(Throwable.class, calls.get(i), () -> "mutator #" + n + " did not throw");
            assertEquals(UnsupportedOperationException.class, t.getClass(), () -> "mutator #" + n + " threw " + t);
        }
        same(model, view, "after the refused mutators");
    }

    // ------------------------------------------------------------------ lifetime

    /**
     * "a view whose snapshot was closed or re-opened throws IllegalStateException": every read of every object
     * obtained from the view before the close (derived maps, key sets, entry sets, values, iterators mid-walk of
     * every kind), and new views of a closed or disposed snapshot.
     */
    @Test
    void everyReadOfAnythingDerivedFromAClosedSnapshotThrowsIllegalState()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final NavigableMap<Bytes, Bytes> bytes = snapshot.asBytesMap();
        final NavigableMap<byte[], byte[]> desc = view.descendingMap();
        final NavigableMap<byte[], byte[]> sub = view.subMap(k(0x20), false, k(0xA0), true).descendingMap();
        final NavigableSet<byte[]> keys = view.navigableKeySet();
        final NavigableSet<byte[]> dkeys = view.descendingKeySet();
        final java.util.Set<Map.Entry<byte[], byte[]>> es = view.entrySet();
        final Collection<byte[]> values = sub.values();
        final java.util.Set<Map.Entry<Bytes, Bytes>> bes = bytes.entrySet();
        final Iterator<byte[]> it = dkeys.iterator();
        final Iterator<Map.Entry<byte[], byte[]>> eit = es.iterator();
        final Iterator<byte[]> vit = values.iterator();
        final Iterator<byte[]> dit = keys.descendingIterator();
        it.next();
        eit.next();
        vit.next();
        dit.next();
        final int sizeBefore = view.size(); // a size cached before the close must not answer after it
        assertEquals(model.size(), sizeBefore);
        snapshot.close();
        final List<Executable> reads = List.of(
            view::size, view::firstEntry, view::lastKey, () -> view.higherEntry(k(0x20)), () -> view.lowerEntry(k(0x80)),
            () -> view.ceilingEntry(k(0x20)), () -> view.floorKey(k(0x80)), view::navigableKeySet, view::keySet,
            view::entrySet, view::values, view::descendingKeySet, () -> view.subMap(k(0x20), k(0x80)),
            () -> view.tailMap(k(0x20), true), () -> view.equals(model), () -> view.forEach((a, b) -> { }),
            desc::firstKey, desc::size, () -> desc.headMap(k(0x20)), desc::descendingMap,
            sub::lastEntry, sub::isEmpty, () -> sub.get(k(0x7f)), () -> sub.containsKey(k(0x7f)),
            keys::size, keys::first, keys::last, () -> keys.contains(k(0x20)), () -> keys.ceiling(k(0x21)),
            keys::iterator, keys::descendingIterator, () -> keys.headSet(k(0x80), false), keys::isEmpty,
            dkeys::first, dkeys::iterator, dkeys::size, () -> dkeys.toArray(),
            es::size, es::isEmpty, es::iterator, () -> es.contains(Map.entry(k(0x20), v("v1"))), es::toArray,
            values::size, values::isEmpty, values::iterator, () -> values.stream().count(),
            bes::size, bes::iterator, () -> bytes.firstKey(), () -> bytes.containsKey(Bytes.of(k(0x20))),
            it::next, eit::next, vit::next, dit::next,
            snapshot::asNavigableMap, snapshot::asBytesMap);
        for (int i = 0; i < reads.size(); i++)
        {
            final int n = i;
            final Throwable t = assertThrows(Throwable.class, reads.get(i), () -> "read #" + n + " did not throw");
            assertEquals(IllegalStateException.class, t.getClass(), () -> "read #" + n + " threw " + t);
        }
        // Disposed: the same.
        snapshot.dispose();
        assertThrows(IllegalStateException.class, view::size);
        assertThrows(IllegalStateException.class, snapshot::asNavigableMap);
    }

    /** Re-opened on another region (or the same one): views of the earlier open refuse; the new open's views read. */
    @Test
    void aViewOfASnapshotReopenedElsewhereRefusesAndNeverReadsTheNewRegion()
    {
        final NavigableMap<byte[], byte[]> view = snapshot.asNavigableMap();
        final NavigableMap<byte[], byte[]> tail = view.tailMap(k(0x20), true);
        final Iterator<Map.Entry<byte[], byte[]>> it = tail.entrySet().iterator();
        it.next();
        ok(cache.createRegion(new Region(3, k(0xF0), k(0xFF), 1)));
        ok(cache.write(new WriteBatch(3, 1, 5).put(k(0xF1), v("other"))));
        assertEquals(SnapshotStatus.OK, snapshot.open(3, 1, READ));
        for (final Executable read : List.<Executable>of(view::size, view::firstKey, tail::firstKey, it::next,
            () -> tail.get(k(0xF1)), () -> view.ceilingKey(k(0xEF))))
        {
            final Throwable t = assertThrows(Throwable.class, read);
            assertEquals(IllegalStateException.class, t.getClass(), t::toString);
        }
        assertEquals(List.of("0xf1=0x6f74686572"), entries(snapshot.asNavigableMap()));
        // A failed re-open leaves the handle closed: the earlier views still refuse.
        final NavigableMap<byte[], byte[]> second = snapshot.asNavigableMap();
        assertEquals(SnapshotStatus.NOT_CACHED, snapshot.open(99, 1, READ));
        assertThrows(IllegalStateException.class, second::size);
    }
}
