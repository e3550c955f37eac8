package io.regioncache.blackbox25;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

import io.regioncache.Bytes;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

import org.junit.jupiter.api.Test;

import static io.regioncache.blackbox25.Kit.b;
import static io.regioncache.blackbox25.Kit.k;
import static io.regioncache.blackbox25.Kit.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * README "guava-testlib: the NavigableMap view", sentence by sentence: read-only (mutators throw
 * {@code UnsupportedOperationException} on every derived map, collection, iterator and entry), a view whose
 * snapshot was closed or re-opened (even at the same region and version) throws {@code IllegalStateException}, and
 * {@code Bytes}: content equality, unsigned {@code compareTo}.
 */
class ViewContractTest
{
    static final byte[][] KEYS = {k(0x01), k(0x61), k(0x61, 0x00), k(0x62), k(0x7f), k(0x80), k(0x80, 0x01),
        k(0xfe), k(0xff), k(0xff, 0xff)};

    /** Region 1, [0x01, +inf): KEYS at version 5, plus history the view must hide. */
    private static RegionCache cacheWithData() throws Exception
    {
        final RegionCache cache = RegionCache.create(Kit.invoker().build());
        ok(cache, cache.createRegion(new Region(1, k(0x01), new byte[0], 1)));
        final WriteBatch old = new WriteBatch(1, 1, 2);
        for (final byte[] key : KEYS)
        {
            old.put(key, b("old"));
        }
        old.put(k(0x63), b("deleted later"));
        ok(cache, cache.write(old));
        ok(cache, cache.write(new WriteBatch(1, 1, 3).delete(k(0x63)).delete(k(0x01))));
        final WriteBatch now = new WriteBatch(1, 1, 5);
        for (final byte[] key : KEYS)
        {
            now.put(key, value(key));
        }
        ok(cache, cache.write(now));
        ok(cache, cache.write(new WriteBatch(1, 1, 9).put(k(0x64), b("newer")).put(k(0x61), b("newer"))));
        return cache;
    }

    private static byte[] value(final byte[] key)
    {
        final byte[] v = Arrays.copyOf(key, key.length + 1);
        v[key.length] = 'v';
        return v;
    }

    /** Every object a view hands out that has mutators, by a path name. */
    private static <K> Map<String, Object> derived(final NavigableMap<K, K> root, final K lo, final K hi)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        final Map<String, NavigableMap<K, K>> maps = new LinkedHashMap<>();
        maps.put("map", root);
        maps.put("descendingMap", root.descendingMap());
        maps.put("subMap", root.subMap(lo, true, hi, false));
        maps.put("subMap2", (NavigableMap<K, K>)root.subMap(lo, hi));
        maps.put("headMap", root.headMap(hi, true));
        maps.put("headMap1", (NavigableMap<K, K>)root.headMap(hi));
        maps.put("tailMap", root.tailMap(lo, false));
        maps.put("tailMap1", (NavigableMap<K, K>)root.tailMap(lo));
        maps.put("descending.subMap", root.descendingMap().subMap(hi, true, lo, true));
        maps.put("subMap.descending.headMap", root.subMap(lo, true, hi, true).descendingMap().headMap(lo, false));
        maps.put("tailMap.tailMap.descending", root.tailMap(lo, true).tailMap(lo, false).descendingMap());
        for (final Map.Entry<String, NavigableMap<K, K>> e : maps.entrySet())
        {
            final String p = e.getKey();
            final NavigableMap<K, K> m = e.getValue();
            out.put(p, m);
            out.put(p + ".keySet", m.keySet());
            out.put(p + ".navigableKeySet", m.navigableKeySet());
            out.put(p + ".descendingKeySet", m.descendingKeySet());
            out.put(p + ".navigableKeySet.subSet", m.navigableKeySet().subSet(m.firstKey(), true, m.lastKey(), true));
            out.put(p + ".navigableKeySet.headSet", m.navigableKeySet().headSet(m.lastKey(), true));
            out.put(p + ".navigableKeySet.tailSet", m.navigableKeySet().tailSet(m.firstKey(), true));
            out.put(p + ".descendingKeySet.descendingSet", m.descendingKeySet().descendingSet());
            out.put(p + ".entrySet", m.entrySet());
            out.put(p + ".values", m.values());
            out.put(p + ".keySet.iterator", m.keySet().iterator());
            out.put(p + ".entrySet.iterator", m.entrySet().iterator());
            out.put(p + ".values.iterator", m.values().iterator());
            out.put(p + ".descendingKeySet.iterator", m.descendingKeySet().iterator());
            out.put(p + ".navigableKeySet.descendingIterator", m.navigableKeySet().descendingIterator());
            final Map<String, Map.Entry<K, K>> entries = new LinkedHashMap<>();
            entries.put(".firstEntry", m.firstEntry());
            entries.put(".lastEntry", m.lastEntry());
            entries.put(".ceilingEntry", m.ceilingEntry(m.firstKey()));
            entries.put(".floorEntry", m.floorEntry(m.lastKey()));
            entries.put(".higherEntry", m.higherEntry(m.firstKey()));
            entries.put(".lowerEntry", m.lowerEntry(m.lastKey()));
            entries.put(".entrySet.iterator.next", m.entrySet().iterator().next());
            entries.forEach((name, entry) ->
            {
                if (entry != null)
                {
                    out.put(p + name, entry);
                }
            });
        }
        return out;
    }

    /** Every mutator of {@code o} (by its type), each with arguments that match and that match nothing. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<String> mutatorsNotRefused(final String path, final Object o, final Object someKey,
        final Object someValue)
    {
        final List<String> bad = new ArrayList<>();
        final Map<String, Runnable> calls = new LinkedHashMap<>();
        if (o instanceof NavigableMap)
        {
            final NavigableMap m = (NavigableMap)o;
            calls.put("put", () -> m.put(someKey, someValue));
            calls.put("putAll", () -> m.putAll(Map.of(someKey, someValue)));
            calls.put("putAll(empty)", () -> m.putAll(Collections.emptyMap()));
            calls.put("remove", () -> m.remove(someKey));
            calls.put("remove(absent)", () -> m.remove(someValue));
            calls.put("remove(k,v)", () -> m.remove(someKey, someValue));
            calls.put("clear", m::clear);
            calls.put("pollFirstEntry", m::pollFirstEntry);
            calls.put("pollLastEntry", m::pollLastEntry);
            calls.put("putIfAbsent", () -> m.putIfAbsent(someKey, someValue));
            calls.put("replace(k,v)", () -> m.replace(someKey, someValue));
            calls.put("replace(k,o,n)", () -> m.replace(someKey, someValue, someValue));
            calls.put("replaceAll", () -> m.replaceAll((a, c) -> c));
            calls.put("computeIfAbsent", () -> m.computeIfAbsent(someKey, a -> someValue));
            calls.put("computeIfPresent", () -> m.computeIfPresent(someKey, (a, c) -> c));
            calls.put("compute", () -> m.compute(someKey, (a, c) -> someValue));
            calls.put("merge", () -> m.merge(someKey, someValue, (a, c) -> c));
        }
        else if (o instanceof Collection)
        {
            final Collection c = (Collection)o;
            final Object element = c.isEmpty() ? someKey : c.iterator().next();
            calls.put("add", () -> c.add(element));
            calls.put("addAll", () -> c.addAll(List.of(element)));
            calls.put("addAll(empty)", () -> c.addAll(List.of()));
            calls.put("remove", () -> c.remove(element));
            calls.put("remove(absent)", () -> c.remove(new Object()));
            calls.put("removeAll", () -> c.removeAll(List.of(element)));
            calls.put("removeAll(empty)", () -> c.removeAll(List.of()));
            calls.put("retainAll", () -> c.retainAll(List.of()));
            calls.put("retainAll(all)", () -> c.retainAll(new ArrayList<>(c)));
            calls.put("removeIf", () -> c.removeIf(x -> true));
            calls.put("removeIf(none)", () -> c.removeIf(x -> false));
            calls.put("clear", c::clear);
            if (o instanceof NavigableSet)
            {
                final NavigableSet s = (NavigableSet)o;
                calls.put("pollFirst", s::pollFirst);
                calls.put("pollLast", s::pollLast);
            }
            calls.put("iterator.remove after next", () ->
            {
                final Iterator it = c.iterator();
                it.next();
                it.remove();
            });
        }
        else if (o instanceof Iterator)
        {
            final Iterator it = (Iterator)o;
            calls.put("remove after next", () ->
            {
                it.next();
                it.remove();
            });
        }
        else if (o instanceof Map.Entry)
        {
            final Map.Entry e = (Map.Entry)o;
            calls.put("setValue", () -> e.setValue(someValue));
        }
        else
        {
            bad.add(path + ": unexpected type " + o);
        }
        for (final Map.Entry<String, Runnable> call : calls.entrySet())
        {
            try
            {
                call.getValue().run();
                bad.add(path + "." + call.getKey() + " returned normally");
            }
            catch (final UnsupportedOperationException expected)
            {
                // refused
            }
            catch (final RuntimeException other)
            {
                bad.add(path + "." + call.getKey() + " threw " + other);
            }
        }
        return bad;
    }

    static <K> void assertAllRefused(final NavigableMap<K, K> view, final Function<byte[], K> mk,
        final String label)
    {
        final K lo = mk.apply(k(0x61));
        final K hi = mk.apply(k(0xfe));
        final List<String> bad = new ArrayList<>();
        int objects = 0;
        for (final Map.Entry<String, Object> e : derived(view, lo, hi).entrySet())
        {
            objects++;
            bad.addAll(mutatorsNotRefused(label + " " + e.getKey(), e.getValue(), mk.apply(k(0x62)),
                mk.apply(b("x"))));
        }
        assertTrue(objects > 200, label);
        assertTrue(bad.isEmpty(), () -> "mutators not refused with UnsupportedOperationException:\n  " +
            String.join("\n  ", bad));
    }

    /** README: "Mutators throw UnsupportedOperationException" ... "on every derived map, collection, iterator and entry". */
    @Test
    void everyMutatorOfEveryDerivedObjectIsRefused() throws Exception
    {
        try (RegionCache cache = cacheWithData(); Snapshot snap = cache.snapshot(1, 1, 6))
        {
            assertAllRefused(snap.asNavigableMap(), byte[]::clone, "byte[] view");
            assertAllRefused(snap.asBytesMap(), Bytes::of, "Bytes view");
            // and nothing changed
            assertEquals(KEYS.length, snap.asNavigableMap().size());
            assertArrayEquals(value(k(0x62)), snap.asNavigableMap().get(k(0x62)));
        }
    }

    /** Mutators of an empty view (nothing to remove, nothing matches) are refused too. */
    @Test
    void mutatorsOfEmptyViewsAreRefused() throws Exception
    {
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, k(0x10), k(0x20), 1)));
            try (Snapshot snap = cache.snapshot(1, 1, 1))
            {
                final NavigableMap<byte[], byte[]> m = snap.asNavigableMap();
                final List<String> bad = new ArrayList<>();
                final Object[] objects = {m, m.keySet(), m.values(), m.entrySet(), m.descendingMap(),
                    m.descendingKeySet(), m.headMap(k(0x15), true), m.keySet().iterator()};
                for (final Object o : objects)
                {
                    if (o instanceof Iterator)
                    {
                        assertThrows(UnsupportedOperationException.class, ((Iterator<?>)o)::remove,
                            "remove() on an iterator before next()");
                        continue;
                    }
                    final List<String> found = mutatorsNotRefused(o.getClass().getSimpleName(), o, k(0x11), b("v"));
                    // the iterator.remove check needs an element: nothing to step to in an empty view
                    found.removeIf(s -> s.contains("iterator.remove after next") && s.contains("NoSuchElement"));
                    bad.addAll(found);
                }
                assertTrue(bad.isEmpty(), () -> String.join("\n", bad));
            }
        }
    }

    /** Everything a view hands out that reads, as calls: each must throw IllegalStateException after close. */
    static <K> Map<String, Runnable> reads(final NavigableMap<K, K> m, final K key, final K hi)
    {
        final Map<String, Runnable> calls = new LinkedHashMap<>();
        final NavigableMap<K, K> sub = m.subMap(key, true, hi, true);
        final NavigableMap<K, K> desc = m.descendingMap();
        final NavigableSet<K> keys = m.navigableKeySet();
        final Collection<K> values = m.values();
        final Collection<Map.Entry<K, K>> entries = m.entrySet();
        final Iterator<K> midway = m.keySet().iterator();
        midway.next();
        final Iterator<Map.Entry<K, K>> fresh = sub.entrySet().iterator();
        final Iterator<K> descIt = desc.keySet().iterator();
        descIt.next();
        calls.put("get", () -> m.get(key));
        calls.put("containsKey", () -> m.containsKey(key));
        calls.put("containsValue", () -> m.containsValue(key));
        calls.put("size", m::size);
        calls.put("isEmpty", m::isEmpty);
        calls.put("firstKey", m::firstKey);
        calls.put("lastEntry", m::lastEntry);
        calls.put("ceilingKey", () -> m.ceilingKey(key));
        calls.put("floorEntry", () -> m.floorEntry(key));
        calls.put("higherKey", () -> m.higherKey(key));
        calls.put("lowerEntry", () -> m.lowerEntry(key));
        calls.put("subMap", () -> m.subMap(key, true, hi, false));
        calls.put("headMap", () -> m.headMap(hi, true));
        calls.put("tailMap", () -> m.tailMap(key, true));
        calls.put("descendingMap", m::descendingMap);
        calls.put("keySet", m::keySet);
        calls.put("entrySet", m::entrySet);
        calls.put("values", m::values);
        calls.put("equals", () -> m.equals(new TreeMap<>()));
        calls.put("hashCode", m::hashCode);
        calls.put("toString", m::toString);
        calls.put("forEach", () -> m.forEach((a, c) -> { }));
        calls.put("getOrDefault", () -> m.getOrDefault(key, null));
        calls.put("sub.get", () -> sub.get(key));
        calls.put("sub.size", sub::size);
        calls.put("sub.firstEntry", sub::firstEntry);
        calls.put("sub.ceilingKey", () -> sub.ceilingKey(key));
        calls.put("desc.firstKey", desc::firstKey);
        calls.put("desc.higherEntry", () -> desc.higherEntry(key));
        calls.put("desc.size", desc::size);
        calls.put("keys.size", keys::size);
        calls.put("keys.contains", () -> keys.contains(key));
        calls.put("keys.first", keys::first);
        calls.put("keys.ceiling", () -> keys.ceiling(key));
        calls.put("keys.iterator", keys::iterator);
        calls.put("keys.descendingIterator", keys::descendingIterator);
        calls.put("keys.subSet", () -> keys.subSet(key, true, hi, true));
        calls.put("keys.stream.count", () -> keys.stream().count());
        calls.put("values.size", values::size);
        calls.put("values.iterator", values::iterator);
        calls.put("values.contains", () -> values.contains(key));
        calls.put("values.toArray", values::toArray);
        calls.put("entries.size", entries::size);
        calls.put("entries.iterator", entries::iterator);
        calls.put("entries.contains", () -> entries.contains(Map.entry(key, key)));
        calls.put("entries.toArray", entries::toArray);
        calls.put("midway.hasNext", midway::hasNext);
        calls.put("midway.next", midway::next);
        calls.put("midway.forEachRemaining", () -> midway.forEachRemaining(x -> { }));
        calls.put("fresh.next", fresh::next);
        calls.put("descIt.next", descIt::next);
        return calls;
    }

    static List<String> notRefusedAfter(final Map<String, Runnable> calls)
    {
        final List<String> bad = new ArrayList<>();
        for (final Map.Entry<String, Runnable> call : calls.entrySet())
        {
            try
            {
                call.getValue().run();
                bad.add(call.getKey() + " answered");
            }
            catch (final IllegalStateException expected)
            {
                // refused
            }
            catch (final RuntimeException other)
            {
                bad.add(call.getKey() + " threw " + other);
            }
        }
        return bad;
    }

    /** README: "a view whose snapshot was closed ... throws IllegalStateException instead of reading freed memory". */
    @Test
    void viewsOfAClosedSnapshotRefuseEveryRead() throws Exception
    {
        try (RegionCache cache = cacheWithData())
        {
            final Snapshot snap = cache.snapshot(1, 1, 6);
            final Map<String, Runnable> arrays = reads(snap.asNavigableMap(), k(0x61), k(0xfe));
            final Map<String, Runnable> bytes = reads(snap.asBytesMap(), Bytes.of(k(0x61)), Bytes.of(k(0xfe)));
            snap.close();
            final List<String> bad = new ArrayList<>();
            notRefusedAfter(arrays).forEach(s -> bad.add("byte[] " + s));
            notRefusedAfter(bytes).forEach(s -> bad.add("Bytes " + s));
            assertTrue(bad.isEmpty(), () -> "not refused with IllegalStateException after close:\n  " +
                String.join("\n  ", bad));
            // and asking a closed snapshot for a view is refused as well
            assertThrows(IllegalStateException.class, snap::asNavigableMap);
            assertThrows(IllegalStateException.class, snap::asBytesMap);
        }
    }

    /**
     * README: a closed snapshot's view "throws IllegalStateException": also for lookups whose argument is not of the
     * key type (Object-typed map methods), which a live view answers null / false.
     */
    @Test
    void lookupsWithForeignArgumentsOnAClosedViewAreRefused() throws Exception
    {
        try (RegionCache cache = cacheWithData())
        {
            final Snapshot snap = cache.snapshot(1, 1, 6);
            final NavigableMap<Bytes, Bytes> bytes = snap.asBytesMap();
            final NavigableMap<byte[], byte[]> arrays = snap.asNavigableMap();
            assertNull(bytes.get(k(0x61)), "a live Bytes view answers a byte[] lookup null");
            snap.close();
            final Map<String, Runnable> calls = new LinkedHashMap<>();
            calls.put("Bytes view get(byte[])", () -> bytes.get(k(0x61)));
            calls.put("Bytes view containsKey(String)", () -> bytes.containsKey("a"));
            calls.put("Bytes view keySet().contains(byte[])", () -> bytes.keySet().contains(k(0x61)));
            calls.put("Bytes view entrySet().contains(String)", () -> bytes.entrySet().contains("a"));
            calls.put("byte[] view get(Bytes)", () -> arrays.get(Bytes.of(k(0x61))));
            calls.put("byte[] view containsKey(String)", () -> arrays.containsKey("a"));
            final List<String> bad = notRefusedAfter(calls);
            assertTrue(bad.isEmpty(), () -> "not refused with IllegalStateException after close:\n  " +
                String.join("\n  ", bad));
        }
    }

    /**
     * README: "a view of a closed or re-opened snapshot, even re-opened at the same region and version, refused";
     * the view of the new open reads.
     */
    @Test
    void viewsOfAReopenedSnapshotRefuseEveryReadEvenAtTheSameRegionAndVersion() throws Exception
    {
        try (RegionCache cache = cacheWithData())
        {
            ok(cache, cache.createRegion(new Region(2, k(0x00), k(0x01), 1)));
            cache.write(new WriteBatch(2, 1, 1).put(k(0x00, 0x05), b("two")));
            Kit.cycles(cache, 5);
            final Snapshot snap = cache.newSnapshot();
            for (final long[] again : new long[][] {{1, 6}, {1, 8}, {2, 3}})
            {
                assertEquals(SnapshotStatus.OK, snap.open(1, 1, 6));
                final NavigableMap<byte[], byte[]> old = snap.asNavigableMap();
                final NavigableMap<Bytes, Bytes> oldBytes = snap.asBytesMap();
                final Map<String, Runnable> arrays = reads(old, k(0x61), k(0xfe));
                final Map<String, Runnable> bytes = reads(oldBytes, Bytes.of(k(0x61)), Bytes.of(k(0xfe)));
                assertEquals(SnapshotStatus.OK, snap.open(again[0], 1, again[1]));
                final List<String> bad = new ArrayList<>();
                notRefusedAfter(arrays).forEach(s -> bad.add("byte[] " + s));
                notRefusedAfter(bytes).forEach(s -> bad.add("Bytes " + s));
                assertTrue(bad.isEmpty(), () -> "re-opened at " + Arrays.toString(again) +
                    ": not refused with IllegalStateException:\n  " + String.join("\n  ", bad));
                final NavigableMap<byte[], byte[]> now = snap.asNavigableMap();
                assertEquals(again[0] == 2 ? 1 : KEYS.length, now.size());
                snap.close();
            }
            snap.dispose();
        }
    }

    /** Entries, keys and values handed out are copies: changing them changes nothing in the view. */
    @Test
    void keysAndValuesHandedOutAreCopies() throws Exception
    {
        try (RegionCache cache = cacheWithData(); Snapshot snap = cache.snapshot(1, 1, 6))
        {
            final NavigableMap<byte[], byte[]> m = snap.asNavigableMap();
            final byte[] key = m.firstKey();
            final byte[] v = m.get(k(0x61));
            key[0] = 0x7a;
            v[0] = 0x7a;
            assertArrayEquals(k(0x01), m.firstKey());
            assertArrayEquals(value(k(0x61)), m.get(k(0x61)));
            assertNotSame(m.firstKey(), m.firstKey());
            final Map.Entry<byte[], byte[]> e = m.firstEntry();
            e.getKey()[0] = 0x7a;
            e.getValue()[0] = 0x7a;
            assertArrayEquals(value(k(0x01)), m.firstEntry().getValue());
            assertNull(m.get(k(0x63)), "deleted below the read version");
            assertNull(m.get(k(0x64)), "written above the read version");
        }
    }

    /**
     * README: "Bytes (content equality, unsigned compareTo)". Random byte strings: equals and hashCode by content,
     * compareTo with the sign of {@code Arrays.compareUnsigned}, {@code of} and {@code toByteArray} copies.
     */
    @Test
    void bytesHasContentEqualityAndUnsignedOrder()
    {
        final Random rnd = new Random(0xB25);
        for (int i = 0; i < 20_000; i++)
        {
            final byte[] x = Kit.randomKey(rnd, 6);
            final byte[] y = rnd.nextInt(5) == 0 ? x.clone() : Kit.randomKey(rnd, 6);
            if (rnd.nextInt(20) == 0)
            {
                Arrays.fill(x, (byte)0);
            }
            final Bytes bx = Bytes.of(x);
            final Bytes by = Bytes.of(y);
            final String msg = Kit.hex(x) + " vs " + Kit.hex(y);
            assertEquals(Integer.signum(Arrays.compareUnsigned(x, y)), Integer.signum(bx.compareTo(by)), msg);
            assertEquals(Arrays.equals(x, y), bx.equals(by), msg);
            assertEquals(Arrays.equals(x, y), bx.compareTo(by) == 0, msg);
            if (Arrays.equals(x, y))
            {
                assertEquals(bx.hashCode(), by.hashCode(), msg);
            }
        }
        assertTrue(Bytes.of(k(0x80)).compareTo(Bytes.of(k(0x7f))) > 0);
        assertTrue(Bytes.of(k(0xff)).compareTo(Bytes.of(k(0xff, 0x00))) < 0);
        assertTrue(Bytes.of(new byte[0]).compareTo(Bytes.of(k(0x00))) < 0);
        assertEquals(Bytes.of(new byte[0]), Bytes.of(new byte[0]));
        assertEquals(0, Bytes.of(new byte[0]).length());
        final byte[] src = k(1, 2, 3);
        final Bytes bs = Bytes.of(src);
        src[0] = 9;
        assertArrayEquals(k(1, 2, 3), bs.toByteArray());
        bs.toByteArray()[1] = 9;
        assertArrayEquals(k(1, 2, 3), bs.toByteArray());
        assertEquals(3, bs.length());
        assertNotEquals(bs, k(1, 2, 3));
        assertFalse(bs.equals(null));
    }

    /**
     * README: guava's suite "compares keys, values and entries with equals": the Bytes view equals a TreeMap of the
     * same content and hashes like it, as do its key set, entry set and entries; the byte[] view cannot.
     */
    @Test
    void theBytesViewEqualsAndHashesLikeATreeMap() throws Exception
    {
        try (RegionCache cache = cacheWithData(); Snapshot snap = cache.snapshot(1, 1, 6))
        {
            final TreeMap<Bytes, Bytes> model = new TreeMap<>();
            for (final byte[] key : KEYS)
            {
                model.put(Bytes.of(key), Bytes.of(value(key)));
            }
            final NavigableMap<Bytes, Bytes> m = snap.asBytesMap();
            assertEquals(model, m);
            assertEquals(m, model);
            assertEquals(model.hashCode(), m.hashCode());
            assertEquals(model.toString(), m.toString());
            assertEquals(model.keySet(), m.keySet());
            assertEquals(model.keySet().hashCode(), m.keySet().hashCode());
            assertEquals(model.entrySet(), m.entrySet());
            assertEquals(model.entrySet().hashCode(), m.entrySet().hashCode());
            assertEquals(new ArrayList<>(model.values()), new ArrayList<>(m.values()));
            assertEquals(model.firstEntry(), m.firstEntry());
            assertEquals(model.firstEntry().hashCode(), m.firstEntry().hashCode());
            assertEquals(model.descendingMap(), m.descendingMap());
            assertEquals(model.subMap(Bytes.of(k(0x61)), true, Bytes.of(k(0x80)), false),
                m.subMap(Bytes.of(k(0x61)), true, Bytes.of(k(0x80)), false));
            assertTrue(m.containsValue(Bytes.of(value(k(0x80)))));
            assertFalse(m.containsValue(Bytes.of(b("old"))));
            assertTrue(m.entrySet().contains(Map.entry(Bytes.of(k(0xff)), Bytes.of(value(k(0xff))))));
            assertFalse(m.entrySet().contains(Map.entry(Bytes.of(k(0xff)), Bytes.of(b("old")))));
            // the comparator: natural (unsigned) order, reversed in descending views
            assertTrue(compare(m.comparator(), Bytes.of(k(0x80)), Bytes.of(k(0x7f))) > 0);
            assertTrue(compare(m.descendingMap().comparator(), Bytes.of(k(0x80)), Bytes.of(k(0x7f))) < 0);
            final NavigableMap<byte[], byte[]> arrays = snap.asNavigableMap();
            assertTrue(arrays.comparator().compare(k(0x80), k(0x7f)) > 0);
            assertTrue(arrays.descendingMap().comparator().compare(k(0x80), k(0x7f)) < 0);
            assertTrue(arrays.comparator().compare(k(0xff), k(0xff, 0x00)) < 0);
        }
    }

    @SuppressWarnings("unchecked")
    private static <K> int compare(final java.util.Comparator<? super K> c, final K a, final K b)
    {
        return c == null ? ((Comparable<K>)a).compareTo(b) : c.compare(a, b);
    }

    /**
     * Queries with keys no stored key can be: the empty key and keys longer than {@code maxKeyLength}. A
    * NavigableMap answers them as a TreeMap does (get: null; ceiling/floor: the neighbours; sub-maps bounded by them).
     */
    @Test
    void queriesWithEmptyAndOverlongKeysAnswerAsATreeMap() throws Exception
    {
        try (RegionCache cache = cacheWithData(); Snapshot snap = cache.snapshot(1, 1, 6))
        {
            final NavigableMap<byte[], byte[]> m = snap.asNavigableMap();
            final TreeMap<byte[], byte[]> model = Kit.arrayMap();
            for (final byte[] key : KEYS)
            {
                model.put(key, value(key));
            }
            final byte[] empty = new byte[0];
            final byte[] longKey = new byte[Kit.MAX_KEY + 10];
            Arrays.fill(longKey, (byte)0x61);
            final byte[] longFf = new byte[Kit.MAX_KEY + 1];
            Arrays.fill(longFf, (byte)0xff);
            final List<String> bad = new ArrayList<>();
            for (final byte[] q : new byte[][] {empty, longKey, longFf})
            {
                final Map<String, Function<NavigableMap<byte[], byte[]>, Object>> ops = new LinkedHashMap<>();
                ops.put("get", x -> x.get(q));
                ops.put("containsKey", x -> x.containsKey(q));
                ops.put("ceilingKey", x -> x.ceilingKey(q));
                ops.put("floorKey", x -> x.floorKey(q));
                ops.put("higherKey", x -> x.higherKey(q));
                ops.put("lowerKey", x -> x.lowerKey(q));
                ops.put("headMap.size", x -> x.headMap(q, true).size());
                ops.put("tailMap.keys", x -> x.tailMap(q, false).keySet().size());
                ops.put("descending.ceilingKey", x -> x.descendingMap().ceilingKey(q));
                ops.put("descending.higherKey", x -> x.descendingMap().higherKey(q));
                for (final Map.Entry<String, Function<NavigableMap<byte[], byte[]>, Object>> op : ops.entrySet())
                {
                    final String expected = ViewModelCheck.show(op.getValue().apply(model));
                    String actual;
                    try
                    {
                        actual = ViewModelCheck.show(op.getValue().apply(m));
                    }
                    catch (final RuntimeException ex)
                    {
                        actual = "throws " + ex;
                    }
                    if (!expected.equals(actual))
                    {
                        bad.add(op.getKey() + "(" + Kit.hex(q) + "): TreeMap " + expected + ", view " + actual);
                    }
                }
            }
            if (!bad.isEmpty())
            {
                fail("answers unlike a TreeMap:\n  " + String.join("\n  ", bad));
            }
        }
    }

    /**
     * "over a snapshot's region at its read version": a view opened with a read version above the last batch sees
     * none of the batches applied after the open, though their versions are below the version asked for; a view
     * made after them, from a new open, sees them.
     */
    @Test
    void aViewIgnoresBatchesAppliedAfterItsSnapshotOpened() throws Exception
    {
        try (RegionCache cache = cacheWithData())
        {
            final Snapshot snap = cache.snapshot(1, 1, 1_000);
            assertEquals(9, snap.readVersion());
            final NavigableMap<byte[], byte[]> m = snap.asNavigableMap();
            final NavigableMap<Bytes, Bytes> bm = snap.asBytesMap();
            final int size = m.size();
            final Iterator<byte[]> it = m.keySet().iterator();
            it.next();
            ok(cache, cache.write(new WriteBatch(1, 1, 10).put(k(0x65), b("ten")).delete(k(0x62))));
            ok(cache, cache.write(new WriteBatch(1, 1, 11).put(k(0x01, 0x01), b("eleven"))));
            assertEquals(size, m.size());
            assertNull(m.get(k(0x65)));
            assertArrayEquals(value(k(0x62)), m.get(k(0x62)));
            assertArrayEquals(k(0x62), m.higherKey(k(0x61, 0x00)));
            assertArrayEquals(k(0x61, 0x00), m.lowerKey(k(0x62)));
            assertNull(bm.get(Bytes.of(k(0x01, 0x01))));
            int n = 1;
            while (it.hasNext())
            {
                it.next();
                n++;
            }
            assertEquals(size, n);
            assertEquals(size, m.descendingMap().entrySet().size());
            snap.close();
            try (Snapshot again = cache.snapshot(1, 1, 1_000))
            {
                final NavigableMap<byte[], byte[]> now = again.asNavigableMap();
                assertEquals(size + 1, now.size());
                assertArrayEquals(b("ten"), now.get(k(0x65)));
                assertNull(now.get(k(0x62)));
                assertArrayEquals(b("eleven"), now.higherEntry(k(0x01)).getValue());
            }
        }
    }

    /** Iterators step their own cursor: two iterators of one view, interleaved, and navigation between their steps. */
    @Test
    void iteratorsOfOneViewAreIndependent() throws Exception
    {
        try (RegionCache cache = cacheWithData(); Snapshot snap = cache.snapshot(1, 1, 6))
        {
            final NavigableMap<byte[], byte[]> m = snap.asNavigableMap();
            final Iterator<byte[]> up = m.keySet().iterator();
            final Iterator<byte[]> down = m.descendingKeySet().iterator();
            final Iterator<Map.Entry<byte[], byte[]>> sub = m.subMap(k(0x61), true, k(0xff), true).entrySet()
                .iterator();
            final List<String> ups = new ArrayList<>();
            final List<String> downs = new ArrayList<>();
            final List<String> subs = new ArrayList<>();
            while (up.hasNext() || down.hasNext() || sub.hasNext())
            {
                if (up.hasNext())
                {
                    ups.add(Kit.hex(up.next()));
                }
                assertArrayEquals(k(0x62), m.ceilingKey(k(0x61, 0x01)));
                if (down.hasNext())
                {
                    downs.add(Kit.hex(down.next()));
                }
                assertArrayEquals(k(0xff, 0xff), m.lastKey());
                if (sub.hasNext())
                {
                    subs.add(Kit.hex(sub.next().getKey()));
                }
                assertNull(m.get(k(0x63)));
            }
            final List<String> expected = new ArrayList<>();
            for (final byte[] key : KEYS)
            {
                expected.add(Kit.hex(key));
            }
            assertEquals(expected, ups);
            final List<String> reversed = new ArrayList<>(expected);
            Collections.reverse(reversed);
            assertEquals(reversed, downs);
            assertEquals(expected.subList(1, expected.size() - 1), subs);
        }
    }
}
