package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Bytes;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionInfo;
import io.regioncache.RegionState;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.StoreView;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;

/**
 * README, "The hybrid reader's view": HybridReader.view(region, readVersion) returns a HybridView whose maps have the
 * same semantics whichever source serves: the cache when the region is ACTIVE at the caller's epoch with the caller's
 * bounds (the view pins it until closed), otherwise the store over the caller's range (StoreView). "A Region with the
 * cached id and epoch but other bounds is not the cached region: the store serves it, counted as EPOCH_MISMATCH."
 * "iterators give their store cursor back at their end, close() releases the rest and the maps then refuse reads; a
 * read version below the store's GC safe point is refused." On RocksDB, LMDB and the in-memory store.
 */
class HybridReaderViewTest
{
    private static final int KEYS = 80;
    private static final Region CACHED = new Region(1, b("k10"), b("k60"), 1);
    /** The same range under an id the cache does not hold: always store-served. */
    private static final Region UNCACHED = new Region(2, b("k10"), b("k60"), 1);

    @TempDir
    Path dir;

    private static String key(final int i)
    {
        return String.format("k%02d", i);
    }

    private static String value(final String tag, final int i)
    {
        return tag + i + "x".repeat((i % 4) * 45); // some values above the 116-byte inline size
    }

    /** The history of key i: version to value, null = tombstone. */
    private static TreeMap<Long, String> history(final int i)
    {
        final TreeMap<Long, String> h = new TreeMap<>();
        h.put(2L, value("a", i));
        if (i % 3 == 0)
        {
            h.put(3L, null);
        }
        if (i % 5 == 0)
        {
            h.put(4L, value("b", i));
        }
        if (i % 2 == 0)
        {
            h.put(6L, value("c", i));
        }
        if (i % 7 == 0)
        {
            h.put(7L, null);
        }
        return h;
    }

    private static void writeHistory(final WritableStore store)
    {
        for (final long v : new long[] {2, 3, 4, 6, 7})
        {
            final WriteBatch batch = new WriteBatch(0, 0, v);
            for (int i = 0; i < KEYS; i++)
            {
                final TreeMap<Long, String> h = history(i);
                if (h.containsKey(v))
                {
                    if (h.get(v) == null)
                    {
                        batch.delete(b(key(i)));
                    }
                    else
                    {
                        batch.put(b(key(i)), b(h.get(v)));
                    }
                }
            }
            store.applyBatch(batch);
        }
    }

    /** What the caller's range shows at {@code rv}. */
    private static NavigableMap<Bytes, Bytes> model(final long rv, final byte[] start, final byte[] end)
    {
        final NavigableMap<Bytes, Bytes> m = new TreeMap<>();
        for (int i = 0; i < KEYS; i++)
        {
            final byte[] k = b(key(i));
            if (Arrays.compareUnsigned(k, start) < 0 || end.length > 0 && Arrays.compareUnsigned(k, end) >= 0)
            {
                continue;
            }
            final Map.Entry<Long, String> e = history(i).floorEntry(rv);
            if (e != null && e.getValue() != null)
            {
                m.put(Bytes.of(k), Bytes.of(b(e.getValue())));
            }
        }
        return m;
    }

    private HybridEngine engine(final Bb24.Kind kind, final Path d)
    {
        final WritableStore store = kind.open(d);
        writeHistory(store);
        final HybridEngine engine = HybridEngine.owning(store, Bb24.config().maxKeyLength(64));
        Bb24.loadActive(engine, CACHED);
        return engine;
    }

    private static List<byte[]> probes()
    {
        final List<byte[]> p = new ArrayList<>();
        for (final String s : new String[] {"", "k", "k0", "k00", "k05", "k09", "k1", "k10", "k10\0", "k11", "k12",
            "k15", "k2", "k30", "k30\0", "k33", "k45", "k49", "k5", "k59", "k59\u00ff", "k60", "k61", "k79", "k99",
            "z", "\u00ff"})
        {
            p.add(b(s));
        }
        p.add(b("k3" + "q".repeat(98))); // longer than the cache's maxKeyLength (64)
        p.add(b("k4" + "q".repeat(498))); // longer than LMDB's 439
        p.add(b("k1" + "\u00ff".repeat(600)));
        return p;
    }

    private static String show(final Object o)
    {
        if (o instanceof Bytes)
        {
            final byte[] k = ((Bytes)o).toByteArray();
            return k.length > 20 ? Region.hex(Arrays.copyOf(k, 6)) + "..(" + k.length + ")" : Region.hex(k);
        }
        if (o instanceof Map.Entry)
        {
            return show(((Map.Entry<?, ?>)o).getKey()) + "=" + show(((Map.Entry<?, ?>)o).getValue());
        }
        if (o instanceof Iterable)
        {
            final StringBuilder sb = new StringBuilder("[");
            for (final Object x : (Iterable<?>)o)
            {
                sb.append(show(x)).append(' ');
            }
            return sb.append(']').toString();
        }
        return String.valueOf(o);
    }

    private static String eval(final Supplier<Object> q)
    {
        try
        {
            return show(q.get());
        }
        catch (final RuntimeException ex)
        {
            return "threw " + ex.getClass().getSimpleName();
        }
    }

    /** The answers of one map to a fixed list of queries. */
    private static List<String> answers(final NavigableMap<Bytes, Bytes> m, final List<byte[]> probes)
    {
        return answers(m, probes, false);
    }

    /**
     * The answers of one map to a fixed list of queries; with {@code mutators}, what its mutators do too (compared
     * between the views only: an empty read-only TreeMap refuses what a view may find nothing to do for).
     */
    private static List<String> answers(
        final NavigableMap<Bytes, Bytes> m, final List<byte[]> probes, final boolean mutators)
    {
        final List<String> out = new ArrayList<>();
        out.add("size " + eval(m::size));
        out.add("isEmpty " + eval(m::isEmpty));
        out.add("entries " + eval(() -> new ArrayList<>(m.entrySet())));
        out.add("descending " + eval(() -> new ArrayList<>(m.descendingMap().entrySet())));
        out.add("descendingKeys " + eval(() -> new ArrayList<>(m.descendingKeySet())));
        out.add("values " + eval(() -> new ArrayList<>(m.values())));
        out.add("first " + eval(m::firstEntry));
        out.add("last " + eval(m::lastEntry));
        out.add("firstKey " + eval(m::firstKey));
        out.add("lastKey " + eval(m::lastKey));
        for (final byte[] p : probes)
        {
            final Bytes k = Bytes.of(p);
            final String at = show(k) + ": ";
            out.add("get " + at + eval(() -> m.get(k)));
            out.add("containsKey " + at + eval(() -> m.containsKey(k)));
            out.add("floor " + at + eval(() -> m.floorKey(k)));
            out.add("lower " + at + eval(() -> m.lowerKey(k)));
            out.add("ceiling " + at + eval(() -> m.ceilingKey(k)));
            out.add("higher " + at + eval(() -> m.higherKey(k)));
            out.add("floorEntry " + at + eval(() -> m.floorEntry(k)));
            out.add("higherEntry " + at + eval(() -> m.higherEntry(k)));
            out.add("head " + at + eval(() -> new ArrayList<>(m.headMap(k, false).keySet())));
            out.add("tailInclusive " + at + eval(() -> new ArrayList<>(m.tailMap(k, true).keySet())));
            out.add("descTail " + at + eval(() -> new ArrayList<>(m.descendingMap().tailMap(k, false).keySet())));
        }
        out.add("sub " + eval(() -> new ArrayList<>(m.subMap(Bytes.of(b("k20")), true, Bytes.of(b("k40")), false)
            .keySet())));
        out.add("sub desc " + eval(() -> new ArrayList<>(m.subMap(Bytes.of(b("k20")), false, Bytes.of(b("k40")), true)
            .descendingMap().entrySet())));
        if (!mutators)
        {
            return out;
        }
        out.add("put " + eval(() -> m.put(Bytes.of(b("k20")), Bytes.of(b("v")))));
        out.add("remove " + eval(() -> m.remove(Bytes.of(b("k20")))));
        out.add("pollFirst " + eval(m::pollFirstEntry));
        out.add("clear " + eval(() ->
        {
            m.clear();
            return "cleared";
        }));
        out.add("size again " + eval(m::size));
        return out;
    }

    private static void assertSameAnswers(
        final NavigableMap<Bytes, Bytes> want, final NavigableMap<Bytes, Bytes> got, final String what)
    {
        final List<byte[]> probes = probes();
        final boolean views = !(want instanceof java.util.TreeMap) && !want.getClass().getName().startsWith("java.");
        final List<String> w = answers(want, probes, views);
        final List<String> g = answers(got, probes, views);
        for (int i = 0; i < w.size(); i++)
        {
            assertEquals(w.get(i), g.get(i), what);
        }
    }

    /** A TreeMap copy whose mutators are refused, as the views' are. */
    private static NavigableMap<Bytes, Bytes> readOnly(final NavigableMap<Bytes, Bytes> m)
    {
        return java.util.Collections.unmodifiableNavigableMap(m);
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void cacheAndStoreServedViewsAnswerAlike(final Bb24.Kind kind)
    {
        try (HybridEngine engine = engine(kind, dir); HybridReader reader = engine.newReader())
        {
            for (final long rv : new long[] {2, 3, 5, 8})
            {
                final NavigableMap<Bytes, Bytes> want = readOnly(model(rv, CACHED.start(), CACHED.end()));
                final long cacheScans = engine.metrics().cacheScans();
                final long notCached = engine.metrics().fallbacks(SnapshotStatus.NOT_CACHED);
                try (HybridView cached = reader.view(CACHED, rv))
                {
                    assertTrue(cached.servedByCache(), kind + " rv " + rv + ": the cache serves its ACTIVE region");
                    assertNull(cached.storeView());
                    assertEquals(cacheScans + 1, engine.metrics().cacheScans());
                    try (HybridView stored = reader.view(UNCACHED, rv))
                    {
                        assertFalse(stored.servedByCache());
                        assertNotNull(stored.storeView());
                        assertEquals(SnapshotStatus.NOT_CACHED, reader.lastStatus());
                        assertEquals(notCached + 1, engine.metrics().fallbacks(SnapshotStatus.NOT_CACHED));
                        assertSameAnswers(cached.asBytesMap(), stored.asBytesMap(),
                            kind + " cache-served vs store-served at " + rv);
                        assertEquals(want, cached.asBytesMap(), kind + " cache-served map at " + rv);
                        assertEquals(want, stored.asBytesMap(), kind + " store-served map at " + rv);
                        assertSameAnswers(want, cached.asBytesMap(), kind + " cache-served at " + rv);
                        assertSameAnswers(want, stored.asBytesMap(), kind + " store-served at " + rv);
                        // the byte[] maps: same keys and values
                        assertEquals(show(keysOf(cached.asNavigableMap())), show(keysOf(stored.asNavigableMap())));
                        final List<Bytes> both = new ArrayList<>(want.keySet());
                        both.addAll(want.descendingKeySet());
                        assertEquals(show(both), show(keysOf(stored.asNavigableMap())));
                    }
                }
            }
        }
    }

    private static List<Bytes> keysOf(final NavigableMap<byte[], byte[]> m)
    {
        final List<Bytes> out = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : m.entrySet())
        {
            out.add(Bytes.of(e.getKey()));
        }
        for (final byte[] k : m.descendingKeySet())
        {
            out.add(Bytes.of(k));
        }
        return out;
    }

    /** Random chains of sub/head/tail/descending views, same answers from the model, the cache and the store. */
    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void randomNestedViewsAnswerAlike(final Bb24.Kind kind)
    {
        final Random rnd = new Random(24_24);
        final List<byte[]> probes = probes();
        try (HybridEngine engine = engine(kind, dir); HybridReader reader = engine.newReader();
            HybridView cached = reader.view(CACHED, 5); HybridView stored = reader.view(UNCACHED, 5))
        {
            assertTrue(cached.servedByCache());
            final NavigableMap<Bytes, Bytes> want = readOnly(model(5, CACHED.start(), CACHED.end()));
            for (int trial = 0; trial < 60; trial++)
            {
                final List<Function<NavigableMap<Bytes, Bytes>, NavigableMap<Bytes, Bytes>>> chain = new ArrayList<>();
                final StringBuilder how = new StringBuilder();
                for (int depth = rnd.nextInt(4); depth > 0; depth--)
                {
                    final Bytes x = Bytes.of(probes.get(rnd.nextInt(probes.size())));
                    final Bytes y = Bytes.of(probes.get(rnd.nextInt(probes.size())));
                    final boolean i1 = rnd.nextBoolean();
                    final boolean i2 = rnd.nextBoolean();
                    switch (rnd.nextInt(4))
                    {
                        case 0:
                            how.append(".head(").append(show(x)).append(',').append(i1).append(')');
                            chain.add(m -> m.headMap(x, i1));
                            break;
                        case 1:
                            how.append(".tail(").append(show(x)).append(',').append(i1).append(')');
                            chain.add(m -> m.tailMap(x, i1));
                            break;
                        case 2:
                            how.append(".sub(").append(show(x)).append(',').append(show(y)).append(')');
                            chain.add(m -> m.subMap(x, i1, y, i2));
                            break;
                        default:
                            how.append(".descending()");
                            chain.add(NavigableMap::descendingMap);
                            break;
                    }
                }
                final String w = eval(() -> apply(want, chain));
                final String c = eval(() -> apply(cached.asBytesMap(), chain));
                final String s = eval(() -> apply(stored.asBytesMap(), chain));
                assertEquals(c, s, kind + " cache-served vs store-served view" + how);
                assertEquals(w, c, kind + " TreeMap vs the views" + how);
                if (w.startsWith("threw"))
                {
                    continue;
                }
                final List<byte[]> few = new ArrayList<>();
                for (int i = 0; i < 6; i++)
                {
                    few.add(probes.get(rnd.nextInt(probes.size())));
                }
                final List<String> a = answers(apply(want, chain), few);
                final List<String> ac = answers(apply(cached.asBytesMap(), chain), few, true);
                final List<String> as = answers(apply(stored.asBytesMap(), chain), few, true);
                for (int i = 0; i < ac.size(); i++)
                {
                    assertEquals(ac.get(i), as.get(i), kind + " cache-served vs store-served view" + how);
                }
                for (int i = 0; i < a.size(); i++)
                {
                    assertEquals(a.get(i), ac.get(i), kind + " TreeMap vs the views" + how);
                }
            }
        }
    }

    private static NavigableMap<Bytes, Bytes> apply(
        final NavigableMap<Bytes, Bytes> m, final List<Function<NavigableMap<Bytes, Bytes>, NavigableMap<Bytes, Bytes>>> chain)
    {
        NavigableMap<Bytes, Bytes> at = m;
        for (final Function<NavigableMap<Bytes, Bytes>, NavigableMap<Bytes, Bytes>> f : chain)
        {
            at = f.apply(at);
        }
        return at;
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void cachedIdAndEpochWithOtherBoundsIsServedByTheStoreAsEpochMismatch(final Bb24.Kind kind)
    {
        try (HybridEngine engine = engine(kind, dir); HybridReader reader = engine.newReader())
        {
            final Region[] others = {
                new Region(1, b("k20"), b("k40"), 1), // narrower
                new Region(1, b("k00"), b("k99"), 1), // wider: keys the cache does not hold
                new Region(1, b("k10"), b("k59"), 1), // same start
                new Region(1, b("k11"), b("k60"), 1), // same end
                new Region(1, b("k10"), new byte[0], 1), // unbounded end
                new Region(1, new byte[0], new byte[0], 1), // everything
            };
            for (final Region r : others)
            {
                final long before = engine.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH);
                try (HybridView v = reader.view(r, 5))
                {
                    assertFalse(v.servedByCache(), kind + " " + r + " is not the cached region");
                    assertEquals(SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus(), kind + " " + r);
                    assertEquals(before + 1, engine.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH),
                        kind + " " + r + " counted as EPOCH_MISMATCH");
                    final NavigableMap<Bytes, Bytes> want = model(5, r.start(), r.end());
                    assertEquals(want, v.asBytesMap(), kind + " " + r + ": the caller's range");
                    assertEquals(show(new ArrayList<>(want.descendingMap().entrySet())),
                        show(new ArrayList<>(v.asBytesMap().descendingMap().entrySet())), kind + " " + r);
                }
            }
            // another epoch: a mismatch too; the cached description itself: the cache
            try (HybridView v = reader.view(new Region(1, b("k10"), b("k60"), 2), 5))
            {
                assertFalse(v.servedByCache());
                assertEquals(SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
                assertEquals(model(5, CACHED.start(), CACHED.end()), v.asBytesMap());
            }
            try (HybridView v = reader.view(engine.cache().region(1), 5))
            {
                assertTrue(v.servedByCache());
                assertEquals(SnapshotStatus.OK, reader.lastStatus());
            }
        }
    }

    private static int pinsOf(final HybridEngine engine, final long id)
    {
        for (final RegionInfo info : engine.cache().regions())
        {
            if (info.region().id() == id)
            {
                return info.pins();
            }
        }
        return -1;
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void aCacheServedViewPinsTheRegionUntilClosedAndThenRefusesReads(final Bb24.Kind kind)
    {
        try (HybridEngine engine = engine(kind, dir); HybridReader reader = engine.newReader())
        {
            final NavigableMap<Bytes, Bytes> want = model(5, CACHED.start(), CACHED.end());
            assertEquals(0, pinsOf(engine, 1));
            final HybridView v = reader.view(CACHED, 5);
            assertTrue(v.servedByCache());
            final NavigableMap<Bytes, Bytes> m = v.asBytesMap();
            final NavigableMap<byte[], byte[]> arrays = v.asNavigableMap();
            final Iterator<Bytes> it = m.keySet().iterator();
            assertEquals(want.firstKey(), it.next());
            assertEquals(1, pinsOf(engine, 1), "the view pins the region");
            final long held = engine.cache().memoryInUse();
            assertTrue(held > 0);
            Bb24.ok(engine, engine.evict(1, EvictReason.MANUAL));
            for (int i = 0; i < 50; i++)
            {
                engine.applyCycle();
            }
            final RegionState state = engine.cache().stateOf(1);
            assertTrue(state == null || state == RegionState.PENDING_EVICT, "evicted: " + state);
            assertEquals(held, engine.cache().memoryInUse(), "pinned: the region's memory is kept");
            assertEquals(want, m, "the pinned region still reads");
            assertEquals(want.lastKey(), m.descendingMap().firstKey());
            v.close();
            final long deadline = System.nanoTime() + 20_000_000_000L;
            while (engine.cache().memoryInUse() >= held)
            {
                assertTrue(System.nanoTime() < deadline, "memory never released after the view closed");
                engine.applyCycle();
                Thread.yield();
            }
            assertEquals(null, engine.cache().stateOf(1));
            assertThrows(IllegalStateException.class, m::size);
            assertThrows(IllegalStateException.class, () -> m.get(Bytes.of(b("k20"))));
            assertThrows(IllegalStateException.class, m::firstKey);
            assertThrows(IllegalStateException.class, () -> m.descendingMap().firstEntry());
            assertThrows(IllegalStateException.class, it::next);
            assertThrows(IllegalStateException.class, arrays::size);
            assertThrows(IllegalStateException.class, v::asBytesMap);
            v.close(); // idempotent
            try (HybridView again = reader.view(CACHED, 5))
            {
                assertFalse(again.servedByCache(), "evicted: the store serves");
                assertEquals(want, again.asBytesMap());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void aStoreServedViewGivesCursorsBackAndCloseReleasesTheRest(final Bb24.Kind kind)
    {
        try (HybridEngine engine = engine(kind, dir); HybridReader reader = engine.newReader())
        {
            final NavigableMap<Bytes, Bytes> want = model(5, CACHED.start(), CACHED.end());
            final HybridView v = reader.view(UNCACHED, 5);
            final StoreView sv = v.storeView();
            final NavigableMap<Bytes, Bytes> m = v.asBytesMap();
            assertEquals(want.firstKey(), m.firstKey()); // the maps' shared lookup cursor
            final int base = sv.openCursors();
            assertTrue(base <= 1, "lookup cursors " + base);
            final List<Bytes> keys = new ArrayList<>();
            for (final Bytes k : m.keySet())
            {
                keys.add(k);
            }
            assertEquals(new ArrayList<>(want.keySet()), keys);
            assertEquals(base, sv.openCursors(), "an iterator at its end gives its cursor back");
            for (final Iterator<Map.Entry<Bytes, Bytes>> it = m.descendingMap().entrySet().iterator(); it.hasNext();)
            {
                it.next();
            }
            assertEquals(base, sv.openCursors(), "a descending iterator at its end gives its cursor back");
            // iterators that reach their end by other roads give their cursors back too
            final Bytes emptyFrom = Bytes.of(b("k55\u00ff"));
            final Bytes emptyTo = Bytes.of(b("k56"));
            assertEquals(0, m.subMap(emptyFrom, true, emptyTo, false).entrySet().size());
            assertEquals(base, sv.openCursors(), "size() of an empty sub-map");
            for (final Map.Entry<Bytes, Bytes> e : m.subMap(emptyFrom, true, emptyTo, false).entrySet())
            {
                throw new AssertionError("empty sub-map yielded " + e);
            }
            assertEquals(base, sv.openCursors(), "iterating an empty sub-map");
            final int[] n = {0};
            m.values().forEach(x -> n[0]++);
            assertEquals(base, sv.openCursors(), "values().forEach");
            m.descendingMap().forEach((x, y) -> n[0]++);
            assertEquals(base, sv.openCursors(), "descendingMap().forEach");
            assertEquals(2 * want.size(), n[0]);
            assertEquals(want.hashCode(), m.hashCode());
            assertEquals(base, sv.openCursors(), "hashCode");
            assertEquals(want.toString(), m.toString());
            assertEquals(base, sv.openCursors(), "toString");
            assertTrue(m.equals(want));
            assertEquals(base, sv.openCursors(), "equals");
            // a stream's count() makes an iterator it never steps (a spliterator's size estimate): that iterator's
            // cursor is one of the "rest" that close() releases (observed, not a README claim either way)
            assertEquals(want.size(), m.keySet().stream().count());
            final int afterStream = sv.openCursors();
            assertTrue(afterStream <= base + 1, "cursors after stream().count(): " + afterStream);
            final Iterator<Bytes> a = m.keySet().iterator();
            a.next();
            final Iterator<Bytes> d = m.descendingKeySet().iterator();
            d.next();
            d.next();
            assertEquals(afterStream + 2, sv.openCursors(), "abandoned iterators hold their cursors");
            v.close();
            assertEquals(0, sv.openCursors(), "close releases the rest");
            assertThrows(IllegalStateException.class, m::size);
            assertThrows(IllegalStateException.class, () -> m.get(Bytes.of(b("k20"))));
            assertThrows(IllegalStateException.class, m::lastKey);
            assertThrows(IllegalStateException.class, a::next);
            assertThrows(IllegalStateException.class, d::hasNext);
            assertThrows(IllegalStateException.class, v::asNavigableMap);
            assertThrows(IllegalStateException.class, sv::asBytesMap);
            v.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void aReadVersionBelowTheStoresGcSafePointIsRefused(final Bb24.Kind kind)
    {
        final Path d = dir.resolve("store");
        try (HybridEngine engine = engine(kind, d); HybridReader reader = engine.newReader())
        {
            engine.gc(4);
            assertEquals(4, engine.store().gcSafePoint());
            assertThrows(StoreException.class, () -> reader.view(UNCACHED, 3), "store-served below the safe point");
            assertThrows(StoreException.class, () -> reader.view(UNCACHED, 0));
            assertThrows(StoreException.class, () -> reader.view(new Region(1, b("k20"), b("k30"), 1), 3),
                "other bounds, below the safe point");
            assertThrows(StoreException.class, () -> reader.view(CACHED, 3), "cached, but the cache refuses it too");
            try (HybridView v = reader.view(UNCACHED, 4))
            {
                assertEquals(model(4, CACHED.start(), CACHED.end()), v.asBytesMap(), "at the safe point");
            }
            try (HybridView v = reader.view(CACHED, 5))
            {
                assertTrue(v.servedByCache());
                assertEquals(model(5, CACHED.start(), CACHED.end()), v.asBytesMap());
            }
        }
        if (kind == Bb24.Kind.IN_MEMORY)
        {
            return;
        }
        // reopened on the same directory: the store's recorded safe point still refuses
        try (HybridEngine engine = HybridEngine.owning(kind.open(d), Bb24.config());
            HybridReader reader = engine.newReader())
        {
            assertEquals(4, engine.store().gcSafePoint());
            assertThrows(StoreException.class, () -> reader.view(UNCACHED, 3), "after reopening");
            try (HybridView v = reader.view(UNCACHED, 8))
            {
                assertEquals(model(8, CACHED.start(), CACHED.end()), v.asBytesMap());
            }
        }
    }

    /** "StoreView, a public class: any BackingStore range as a read-only map": a host's store with only a snapshot. */
    @org.junit.jupiter.api.Test
    void aStoreViewServesAnyBackingStoreRange()
    {
        final io.regioncache.store.InMemoryBackingStore data = new io.regioncache.store.InMemoryBackingStore();
        writeHistory(data);
        // a host's own store: openSnapshot and close only (get and newCursor are the SPI's defaults)
        final io.regioncache.BackingStore minimal = new io.regioncache.BackingStore()
        {
            @Override
            public io.regioncache.BackingSnapshot openSnapshot()
            {
                return data.openSnapshot();
            }

            @Override
            public void close()
            {
                data.close();
            }
        };
        for (final long rv : new long[] {2, 5, 8})
        {
            for (final Region r : new Region[] {CACHED, new Region(9, new byte[0], b("k33"), 1),
                new Region(9, b("k47"), new byte[0], 1), new Region(9, new byte[0], new byte[0], 1)})
            {
                final NavigableMap<Bytes, Bytes> want = readOnly(model(rv, r.start(), r.end()));
                try (StoreView own = StoreView.open(minimal, r.start(), r.end(), rv);
                    StoreView mem = StoreView.open(data, r.start(), r.end(), rv))
                {
                    assertEquals(want, own.asBytesMap(), "host store " + r + " at " + rv);
                    assertSameAnswers(mem.asBytesMap(), own.asBytesMap(), "host store vs in-memory " + r + " at " + rv);
                    assertSameAnswers(want, own.asBytesMap(), "host store " + r + " at " + rv);
                }
            }
        }
        minimal.close();
    }
}
