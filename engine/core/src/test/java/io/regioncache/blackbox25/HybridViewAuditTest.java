package io.regioncache.blackbox25;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import io.regioncache.Bytes;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.StoreView;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;
import io.regioncache.store.InMemoryBackingStore;

import org.junit.jupiter.api.Test;

import static io.regioncache.blackbox25.Kit.hex;
import static io.regioncache.blackbox25.Kit.k;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README "The hybrid reader's view": {@code HybridReader.view(region, readVersion)} over {@code InMemoryBackingStore}
 * has the map semantics whichever source serves: the cache when the region is ACTIVE at the caller's epoch with the
 * caller's bounds, otherwise the store over the caller's range ({@code StoreView}); a {@code Region} with the cached
 * id and epoch but other bounds is served by the store and counted as {@code EPOCH_MISMATCH}.
 */
class HybridViewAuditTest
{
    private static final int SEEDS = Integer.getInteger("blackbox25.hybridSeeds", 16);

    private static final class Setup implements AutoCloseable
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine engine = HybridEngine.create(store, Kit.invoker());
        final Kit.Hist hist;
        final List<byte[]> keys;
        final Region region;

        /** Region 5 at epoch 2, loaded after versions 1..40 reached the store, then written through the engine. */
        Setup(final Random rnd) throws Exception
        {
            keys = Kit.randomKeys(rnd, 20 + rnd.nextInt(40));
            hist = Kit.Hist.random(rnd, keys, 60);
            byte[] s = keys.get(0);
            byte[] e = keys.get(1);
            if (Arrays.compareUnsigned(s, e) > 0)
            {
                final byte[] t = s;
                s = e;
                e = t;
            }
            if (rnd.nextInt(3) == 0)
            {
                s = new byte[0];
            }
            else if (rnd.nextInt(3) == 0)
            {
                e = new byte[0];
            }
            region = new Region(5, s, e, 2);
            for (final WriteBatch b : hist.batches(0, 0, new byte[0], new byte[0]))
            {
                if (b.version() <= 40)
                {
                    store.applyBatch(b);
                }
            }
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.loadRegion(region)).code());
            Kit.until(engine.cache(), "region 5 loads", () -> engine.cache().stateOf(5) == RegionState.ACTIVE);
            final List<WriteBatch> inside = hist.batches(5, 2, region.start(), region.end());
            final List<WriteBatch> outside = hist.batchesOutside(region.start(), region.end());
            for (long v = 41; v <= 60; v++)
            {
                for (final WriteBatch b : outside)
                {
                    if (b.version() == v)
                    {
                        store.applyBatch(b);
                    }
                }
                for (final WriteBatch b : inside)
                {
                    if (b.version() == v)
                    {
                        assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.write(b)).code(), "" + b);
                    }
                }
            }
        }

        @Override
        public void close()
        {
            engine.close();
        }
    }

    private static void compare(final Random rnd, final String label, final HybridView view,
        final TreeMap<byte[], byte[]> visible, final List<byte[]> probes)
    {
        final ViewModelCheck<byte[]> a = ViewModelCheck.arrays(rnd, label + " (byte[] view)", probes);
        a.run(view.asNavigableMap(), ViewModelCheck.arrayModel(visible), 120, 3);
        final ViewModelCheck<Bytes> b = ViewModelCheck.bytes(rnd, label + " (Bytes view)", probes);
        b.run(view.asBytesMap(), ViewModelCheck.bytesModel(visible), 120, 3);
    }

    /**
     * The cached region at the caller's epoch and bounds: the cache serves; the same id and epoch with other bounds,
     * an older epoch, and a region the cache does not hold: the store serves; every one matches the model.
     */
    @Test
    void everySourceMatchesTheModel() throws Exception
    {
        for (int i = 0; i < SEEDS; i++)
        {
            final long seed = 4_025L + i * 104_729L;
            final Random rnd = new Random(seed);
            try (Setup s = new Setup(rnd); HybridReader reader = s.engine.newReader())
            {
                final long rv = 1 + rnd.nextInt(62);
                final List<byte[]> probes = Kit.probes(rnd, s.keys, s.region.start(), s.region.end());
                final String at = "seed " + seed + " region " + s.region + " at " + rv;
                try (HybridView v = reader.view(s.region, rv))
                {
                    assertTrue(v.servedByCache(), at + ": the cache should serve the cached region");
                    compare(rnd, at + " cache-served", v, s.hist.visible(rv, s.region.start(), s.region.end()),
                        probes);
                }
                // same id and epoch, other bounds
                final byte[] os = rnd.nextBoolean() ? new byte[0] : s.keys.get(2);
                final byte[] oe = os.length == 0 ? s.keys.get(3) : new byte[0];
                final Region other = new Region(5, os, oe, 2);
                if (!other.sameRange(s.region))
                {
                    final long before = s.engine.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH);
                    try (HybridView v = reader.view(other, rv))
                    {
                        assertFalse(v.servedByCache(), at + ": other bounds " + other + " must not be cache-served");
                        assertNotNull(v.storeView());
                        assertEquals(before + 1, s.engine.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH),
                            at + ": other bounds are counted as EPOCH_MISMATCH");
                        compare(rnd, at + " other bounds " + other, v, s.hist.visible(rv, os, oe), probes);
                    }
                }
                // an older epoch with the cached bounds: the store, and the same content as the cache
                final Region older = new Region(5, s.region.start(), s.region.end(), 1);
                try (HybridView stale = reader.view(older, rv); HybridView cached = reader.view(s.region, rv))
                {
                    assertFalse(stale.servedByCache(), at);
                    assertTrue(cached.servedByCache(), at);
                    assertEquals(cached.asBytesMap(), stale.asBytesMap(), at);
                    assertEquals(List.copyOf(cached.asBytesMap().descendingMap().entrySet()),
                        List.copyOf(stale.asBytesMap().descendingMap().entrySet()), at);
                    compare(rnd, at + " stale epoch", stale, s.hist.visible(rv, s.region.start(), s.region.end()),
                        probes);
                }
                // a region the cache does not hold (any bounds)
                final byte[] us = s.keys.get(4);
                final byte[] ue = rnd.nextBoolean() ? new byte[0] : Arrays.copyOf(s.keys.get(4),
                    s.keys.get(4).length + 2);
                final Region uncached = new Region(77, us, ue, 1);
                try (HybridView v = reader.view(uncached, rv))
                {
                    assertFalse(v.servedByCache(), at);
                    compare(rnd, at + " uncached " + uncached, v, s.hist.visible(rv, us, ue), probes);
                }
            }
        }
    }

    /** StoreView alone: any range of the store as a read-only map, against the model. */
    @Test
    void storeViewMatchesTheModel() throws Exception
    {
        for (int i = 0; i < SEEDS; i++)
        {
            final long seed = 9_925L + i * 15_485_863L;
            final Random rnd = new Random(seed);
            final InMemoryBackingStore store = new InMemoryBackingStore();
            final List<byte[]> keys = Kit.randomKeys(rnd, 10 + rnd.nextInt(50));
            final Kit.Hist h = Kit.Hist.random(rnd, keys, 40);
            h.writeTo(store);
            byte[] s = rnd.nextInt(4) == 0 ? new byte[0] : keys.get(0);
            byte[] e = rnd.nextInt(4) == 0 ? new byte[0] : keys.get(1);
            if (e.length > 0 && Arrays.compareUnsigned(s, e) >= 0)
            {
                e = new byte[0];
            }
            final long rv = 1 + rnd.nextInt(42);
            final String label = "seed " + seed + " StoreView [" + hex(s) + ", " + hex(e) + ") at " + rv;
            try (StoreView view = StoreView.open(store, s, e, rv))
            {
                final List<byte[]> probes = Kit.probes(rnd, keys, s, e);
                final TreeMap<byte[], byte[]> visible = h.visible(rv, s, e);
                ViewModelCheck.arrays(rnd, label, probes).run(view.asNavigableMap(),
                    ViewModelCheck.arrayModel(visible), 150, 3);
                ViewModelCheck.bytes(rnd, label, probes).run(view.asBytesMap(), ViewModelCheck.bytesModel(visible),
                    150, 3);
            }
            store.close();
        }
    }

    /**
     * README: "StoreView, a public class: any BackingStore range as a read-only map": a host's own store that supplies
     * only snapshots (no cursor of its own: the SPI's default) serves the same map.
     */
    @Test
    void storeViewOverABareBackingStoreMatchesTheModel() throws Exception
    {
        for (int i = 0; i < SEEDS; i++)
        {
            final long seed = 77_025L + i * 31L;
            final Random rnd = new Random(seed);
            final InMemoryBackingStore inner = new InMemoryBackingStore();
            final io.regioncache.BackingStore bare = new io.regioncache.BackingStore()
            {
                @Override
                public io.regioncache.BackingSnapshot openSnapshot()
                {
                    return inner.openSnapshot();
                }

                @Override
                public void close()
                {
                    inner.close();
                }
            };
            final List<byte[]> keys = Kit.randomKeys(rnd, 10 + rnd.nextInt(40));
            final Kit.Hist h = Kit.Hist.random(rnd, keys, 30);
            h.writeTo(inner);
            byte[] s = rnd.nextInt(3) == 0 ? new byte[0] : keys.get(0);
            byte[] e = rnd.nextInt(3) == 0 ? new byte[0] : keys.get(1);
            if (e.length > 0 && Arrays.compareUnsigned(s, e) >= 0)
            {
                e = new byte[0];
            }
            final long rv = 1 + rnd.nextInt(32);
            final String label = "seed " + seed + " bare-store StoreView [" + hex(s) + ", " + hex(e) + ") at " + rv;
            try (StoreView view = StoreView.open(bare, s, e, rv))
            {
                final List<byte[]> probes = Kit.probes(rnd, keys, s, e);
                final TreeMap<byte[], byte[]> visible = h.visible(rv, s, e);
                ViewModelCheck.arrays(rnd, label, probes).run(view.asNavigableMap(),
                    ViewModelCheck.arrayModel(visible), 120, 3);
                ViewModelCheck.bytes(rnd, label, probes).run(view.asBytesMap(), ViewModelCheck.bytesModel(visible),
                    120, 3);
            }
            bare.close();
        }
    }

    /**
     * README (HybridViewTest): "iterators give their store cursor back at their end, close() releases the rest and
     * the maps then refuse reads".
     */
    @Test
    void storeCursorsComeBackAndCloseRefusesReads() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 20; i++)
        {
            store.put(k(0x40, i), 3, k(i));
        }
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            final HybridView v = reader.view(new Region(3, k(0x40), k(0x41), 1), 5);
            assertFalse(v.servedByCache());
            final StoreView sv = v.storeView();
            final NavigableMap<byte[], byte[]> m = v.asNavigableMap();
            final int base = sv.openCursors();
            int n = 0;
            for (final Iterator<byte[]> it = m.keySet().iterator(); it.hasNext(); it.next())
            {
                n++;
            }
            assertEquals(20, n);
            assertEquals(base, sv.openCursors(), "an iterator at its end holds no cursor");
            for (final Iterator<Map.Entry<byte[], byte[]>> it = m.descendingMap().entrySet().iterator();
                it.hasNext(); it.next())
            {
                n++;
            }
            assertEquals(base, sv.openCursors(), "a descending iterator at its end holds no cursor");
            final Iterator<byte[]> abandoned = m.values().iterator();
            abandoned.next();
            final Iterator<byte[]> abandoned2 = m.subMap(k(0x40, 3), true, k(0x40, 9), false).keySet().iterator();
            abandoned2.next();
            assertEquals(base + 2, sv.openCursors(), "two iterators midway hold a cursor each");
            final NavigableMap<Bytes, Bytes> bm = v.asBytesMap();
            v.close();
            assertEquals(0, sv.openCursors(), "close releases every cursor");
            assertThrows(IllegalStateException.class, () -> m.get(k(0x40, 1)));
            assertThrows(IllegalStateException.class, m::size);
            assertThrows(IllegalStateException.class, () -> m.ceilingKey(k(0x40)));
            assertThrows(IllegalStateException.class, abandoned::hasNext);
            assertThrows(IllegalStateException.class, abandoned2::next);
            assertThrows(IllegalStateException.class, () -> bm.firstKey());
            assertThrows(IllegalStateException.class, () -> bm.descendingMap().lastEntry());
            assertThrows(IllegalStateException.class, v::asNavigableMap);
            assertThrows(IllegalStateException.class, v::asBytesMap);
        }
    }

    /**
     * README: the cache-served view "pins it until closed: it is Snapshot.asNavigableMap()": evicted while the view
     * is open, the region's record drains only when the view closes, and the view reads its data meanwhile; closed,
     * its maps refuse reads.
     */
    @Test
    void aCacheServedViewPinsItsRegionUntilClosed() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            final Region region = new Region(9, k(0x10), k(0x20), 4);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.createRegion(region)).code());
            for (int v = 1; v <= 5; v++)
            {
                assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.write(
                    new WriteBatch(9, 4, v).put(k(0x10, v), k(v)).put(k(0x11), k(v)))).code());
            }
            final HybridView view = reader.view(region, 3);
            assertTrue(view.servedByCache());
            final NavigableMap<byte[], byte[]> m = view.asNavigableMap();
            final NavigableMap<Bytes, Bytes> bm = view.asBytesMap();
            assertEquals(4, m.size());
            assertEquals(io.regioncache.ResultCode.OK,
                engine.await(engine.evict(9, EvictReason.MANUAL)).code());
            Kit.cycles(engine.cache(), 20);
            assertEquals(null, engine.cache().stateOf(9));
            assertEquals(1, Kit.metric(engine.cache(), "regions.draining"), "the view pins the evicted record");
            assertEquals(4, m.size());
            assertEquals("0x03", bm.get(Bytes.of(k(0x11))).toString());
            assertEquals(List.of(Bytes.of(k(0x11)), Bytes.of(k(0x10, 3)), Bytes.of(k(0x10, 2)), Bytes.of(k(0x10, 1))),
                List.copyOf(bm.descendingKeySet()));
            view.close();
            Kit.until(engine.cache(), "the record drains once the view closed",
                () -> Kit.metric(engine.cache(), "regions.draining") == 0);
            assertThrows(IllegalStateException.class, m::size);
            assertThrows(IllegalStateException.class, () -> bm.get(Bytes.of(k(0x11))));
            assertThrows(IllegalStateException.class, view::asNavigableMap);
            // the store now serves the same region, with the same answer
            try (HybridView again = reader.view(region, 3))
            {
                assertFalse(again.servedByCache());
                assertEquals(4, again.asNavigableMap().size());
                assertEquals("0x03", again.asBytesMap().get(Bytes.of(k(0x11))).toString());
            }
        }
    }

    /**
     * Deep per-key histories (20 versions, tombstones every third, keys at the 8-byte group edges): at every read
     * version the store-served and cache-served views of one region walk both ways like the model (README: backward,
     * "a tombstone there sends it to the entry before P"; forward, "past 8 versions of one key it seeks").
     */
    @Test
    void deepHistoriesBothWaysOnBothSources() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final Kit.Hist h = new Kit.Hist();
        final byte[][] keys = {k(0x20), k(0x20, 0x00), k(0x20, 0, 0, 0, 0, 0, 0, 0), k(0x20, 0, 0, 0, 0, 0, 0, 0, 0),
            k(0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), k(0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
            k(0x21), k(0x80), k(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80), k(0xfe, 0xff)};
        for (int i = 0; i < keys.length; i++)
        {
            for (int v = 1; v <= 20; v++)
            {
                if ((v + i) % 3 == 0)
                {
                    h.delete(v, keys[i]);
                }
                else if ((v + 2 * i) % 5 != 0)
                {
                    h.put(v, keys[i], k(i, v));
                }
            }
        }
        h.writeTo(store);
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            final Region region = new Region(1, k(0x20), new byte[0], 1);
            final Region uncached = new Region(1, k(0x20), new byte[0], 2);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.loadRegion(region)).code());
            Kit.until(engine.cache(), "loaded", () -> engine.cache().stateOf(1) == RegionState.ACTIVE);
            final List<byte[]> probes = Kit.probes(new Random(7), List.of(keys), k(0x20));
            for (long rv = 1; rv <= 21; rv++)
            {
                final TreeMap<byte[], byte[]> visible = h.visible(rv, k(0x20), new byte[0]);
                final List<String> up = new java.util.ArrayList<>();
                visible.forEach((key, value) -> up.add(hex(key) + "=" + hex(value)));
                final List<String> down = new java.util.ArrayList<>(up);
                java.util.Collections.reverse(down);
                for (final Region r : new Region[] {region, uncached})
                {
                    try (HybridView v = reader.view(r, rv))
                    {
                        final String at = (v.servedByCache() ? "cache" : "store") + " at " + rv;
                        assertEquals(r == region, v.servedByCache(), at);
                        final List<String> gotUp = new java.util.ArrayList<>();
                        v.asNavigableMap().forEach((key, value) -> gotUp.add(hex(key) + "=" + hex(value)));
                        assertEquals(up, gotUp, at);
                        final List<String> gotDown = new java.util.ArrayList<>();
                        for (final Map.Entry<byte[], byte[]> e : v.asNavigableMap().descendingMap().entrySet())
                        {
                            gotDown.add(hex(e.getKey()) + "=" + hex(e.getValue()));
                        }
                        assertEquals(down, gotDown, at);
                        ViewModelCheck.arrays(new Random(rv), at, probes).run(v.asNavigableMap(),
                            ViewModelCheck.arrayModel(visible), 80, 2);
                    }
                }
            }
        }
    }

    /**
     * "the cache when the region is ACTIVE at the caller's epoch with the caller's bounds": the conf version is no
     * part of that (a membership change moves no key), so a caller with another conf version is served by the cache;
     * a caller at a newer epoch is served by the store. A store-served view does not see writes made after it
     * opened above its read version.
     */
    @Test
    void confVersionDoesNotMatterNewerEpochAndLaterWritesDo() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(k(0x40, 1), 1, k(1));
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            final Region region = new Region(2, k(0x40), k(0x41), 3, 1);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.loadRegion(region)).code());
            Kit.until(engine.cache(), "ACTIVE", () -> engine.cache().stateOf(2) == RegionState.ACTIVE);
            try (HybridView v = reader.view(new Region(2, k(0x40), k(0x41), 3, 9), 5))
            {
                assertTrue(v.servedByCache(), "another conf version, same id, epoch and bounds");
            }
            try (HybridView v = reader.view(new Region(2, k(0x40), k(0x41), 4, 1), 5))
            {
                assertFalse(v.servedByCache(), "a newer epoch");
                final NavigableMap<byte[], byte[]> m = v.asNavigableMap();
                assertEquals(1, m.size());
                store.put(k(0x40, 2), 6, k(2));
                store.put(k(0x40, 0), 7, k(0));
                assertEquals(1, m.size());
                assertEquals(1, m.keySet().stream().count());
                assertEquals(List.of(Kit.hex(k(0x40, 1))), m.descendingMap().keySet().stream().map(Kit::hex)
                    .collect(java.util.stream.Collectors.toList()));
                assertEquals(null, m.get(k(0x40, 2)));
                assertEquals(null, m.ceilingKey(k(0x40, 2)));
                assertEquals(Kit.hex(k(0x40, 1)), Kit.hex(m.ceilingKey(k(0x40, 0))));
            }
        }
    }

    /**
     * A cached region read at or below its safe point: the cache refuses (TOO_OLD_READ), the store serves the same
     * region's history at that version, with the map semantics.
     */
    @Test
    void aReadBelowTheRegionsSafePointIsServedByTheStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            final Region region = new Region(4, k(0x50), k(0x60), 1);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.createRegion(region)).code());
            for (int v = 1; v <= 6; v++)
            {
                final WriteBatch b = new WriteBatch(4, 1, v).put(k(0x50, v), k(v)).put(k(0x55), k(v));
                if (v == 4)
                {
                    b.delete(k(0x50, 2));
                }
                assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.write(b)).code());
            }
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.advanceSafePoint(4, 5)).code());
            final long before = engine.metrics().fallbacks(SnapshotStatus.TOO_OLD_READ);
            try (HybridView v = reader.view(region, 4))
            {
                assertFalse(v.servedByCache());
                assertEquals(before + 1, engine.metrics().fallbacks(SnapshotStatus.TOO_OLD_READ));
                assertEquals(List.of("0x5001=0x01", "0x5003=0x03", "0x5004=0x04", "0x55=0x04"),
                    v.asBytesMap().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(java.util.stream.Collectors.toList()));
                assertEquals("0x5004", v.asBytesMap().descendingMap().higherKey(Bytes.of(k(0x55))).toString());
            }
            try (HybridView v = reader.view(region, 6))
            {
                assertTrue(v.servedByCache());
                assertEquals(6, v.asNavigableMap().size());
            }
        }
    }

    /** The cache serves only an ACTIVE region: a LOADING one is served by the store, counted as LOADING. */
    @Test
    void aLoadingRegionIsServedByTheStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(k(0x30, 1), 1, k(1));
        store.put(k(0x30, 2), 1, k(2));
        store.delete(k(0x30, 2), 2);
        final Kit.Held loader = new Kit.Held();
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker().loaderExecutor(loader));
            HybridReader reader = engine.newReader())
        {
            final Region region = new Region(3, k(0x30), k(0x31), 1);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.loadRegion(region)).code());
            Kit.until(engine.cache(), "LOADING", () -> engine.cache().stateOf(3) == RegionState.LOADING);
            final long before = engine.metrics().fallbacks(SnapshotStatus.LOADING);
            try (HybridView v = reader.view(region, 5))
            {
                assertFalse(v.servedByCache());
                assertEquals(before + 1, engine.metrics().fallbacks(SnapshotStatus.LOADING));
                assertEquals(List.of(Bytes.of(k(0x30, 1))), List.copyOf(v.asBytesMap().keySet()));
            }
            loader.runAll();
            Kit.until(engine.cache(), "ACTIVE", () -> engine.cache().stateOf(3) == RegionState.ACTIVE);
            try (HybridView v = reader.view(region, 5))
            {
                assertTrue(v.servedByCache());
                assertEquals(List.of(Bytes.of(k(0x30, 1))), List.copyOf(v.asBytesMap().keySet()));
            }
        }
    }

    /**
     * "the same semantics whichever source serves": a store-served view refuses every mutator of every derived map,
     * collection, iterator and entry, and once closed refuses every read, as a cache-served one does.
     */
    @Test
    void storeServedMapsAreReadOnlyAndRefuseReadsOnceClosed() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (final byte[] key : ViewContractTest.KEYS)
        {
            store.put(key, 1, k(1));
            store.put(key, 5, key);
        }
        store.put(k(0x63), 1, k(1));
        store.delete(k(0x63), 2);
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            final Region all = new Region(1, new byte[0], new byte[0], 1);
            try (HybridView v = reader.view(all, 6))
            {
                assertFalse(v.servedByCache());
                ViewContractTest.assertAllRefused(v.asNavigableMap(), byte[]::clone, "store-served byte[] view");
                ViewContractTest.assertAllRefused(v.asBytesMap(), Bytes::of, "store-served Bytes view");
                assertEquals(ViewContractTest.KEYS.length, v.asNavigableMap().size());
            }
            final HybridView v = reader.view(all, 6);
            final Map<String, Runnable> arrays = ViewContractTest.reads(v.asNavigableMap(), k(0x61), k(0xfe));
            final Map<String, Runnable> bytes = ViewContractTest.reads(v.asBytesMap(), Bytes.of(k(0x61)),
                Bytes.of(k(0xfe)));
            v.close();
            final List<String> bad = new java.util.ArrayList<>();
            ViewContractTest.notRefusedAfter(arrays).forEach(x -> bad.add("byte[] " + x));
            ViewContractTest.notRefusedAfter(bytes).forEach(x -> bad.add("Bytes " + x));
            assertTrue(bad.isEmpty(), () -> "store-served, closed: not refused with IllegalStateException:\n  " +
                String.join("\n  ", bad));
        }
    }

    /**
     * A cache-served view opened before a split keeps reading the region it pinned (both sides of the split key);
     * after the split the parent's route is served by the store, the pieces' by the cache, all with one answer.
     */
    @Test
    void aCacheServedViewAcrossASplit() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            final Region region = new Region(8, k(0x10), k(0x90), 1);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.createRegion(region)).code());
            final WriteBatch batch = new WriteBatch(8, 1, 1);
            for (int i = 0x11; i < 0x90; i += 7)
            {
                batch.put(k(i), k(i));
            }
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.write(batch)).code());
            final HybridView before = reader.view(region, 2);
            assertTrue(before.servedByCache());
            final NavigableMap<Bytes, Bytes> m = before.asBytesMap();
            final java.util.Map<Bytes, Bytes> copy = new TreeMap<>(m);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.split(8, 1, new byte[][] {k(0x50)},
                new long[] {18}, 2)).code());
            assertEquals(copy, m, "the pinned view changed across the split");
            assertEquals(copy.size(), m.descendingMap().size());
            final Region left = new Region(18, k(0x10), k(0x50), 2);
            final Region right = new Region(8, k(0x50), k(0x90), 2);
            try (HybridView stale = reader.view(region, 2); HybridView l = reader.view(left, 2);
                HybridView r = reader.view(right, 2))
            {
                assertFalse(stale.servedByCache());
                assertTrue(l.servedByCache());
                assertTrue(r.servedByCache());
                assertEquals(copy, stale.asBytesMap());
                final TreeMap<Bytes, Bytes> joined = new TreeMap<>(l.asBytesMap());
                joined.putAll(r.asBytesMap());
                assertEquals(copy, joined);
                assertEquals(m.headMap(Bytes.of(k(0x50)), false), l.asBytesMap());
                assertEquals(m.tailMap(Bytes.of(k(0x50)), true), r.asBytesMap());
            }
            before.close();
            assertThrows(IllegalStateException.class, m::size);
        }
    }

    /** A view is its own handle: closing the reader that made it leaves it (cache- or store-served) readable. */
    @Test
    void viewsOutliveTheirReader() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()))
        {
            final Region region = new Region(6, k(0x60), k(0x70), 1);
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.createRegion(region)).code());
            assertEquals(io.regioncache.ResultCode.OK, engine.await(engine.write(
                new WriteBatch(6, 1, 1).put(k(0x61), k(1)).put(k(0x62), k(2)))).code());
            final HybridReader reader = engine.newReader();
            final HybridView cached = reader.view(region, 3);
            final HybridView stored = reader.view(new Region(6, k(0x60), k(0x70), 2), 3);
            reader.close();
            assertThrows(IllegalStateException.class, () -> reader.view(region, 3));
            assertTrue(cached.servedByCache());
            assertFalse(stored.servedByCache());
            assertEquals(cached.asBytesMap(), stored.asBytesMap());
            assertEquals(2, cached.asNavigableMap().size());
            cached.close();
            stored.close();
            assertThrows(IllegalStateException.class, () -> cached.asBytesMap());
            assertThrows(IllegalStateException.class, () -> stored.asBytesMap());
        }
    }

    /** README (HybridViewTest): "a read version below the store's GC safe point is refused". */
    @Test
    void aStoreServedViewBelowTheGcSafePointIsRefused() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(k(0x50), 2, k(1));
        store.put(k(0x50), 6, k(2));
        try (HybridEngine engine = HybridEngine.create(store, Kit.invoker()); HybridReader reader = engine.newReader())
        {
            engine.gc(5);
            final Region region = new Region(1, k(0x50), k(0x51), 1);
            assertThrows(StoreException.class, () -> reader.view(region, 4));
            try (HybridView v = reader.view(region, 5))
            {
                assertEquals("0x01", v.asBytesMap().get(Bytes.of(k(0x50))).toString());
            }
            try (HybridView v = reader.view(region, 7))
            {
                assertEquals("0x02", v.asBytesMap().get(Bytes.of(k(0x50))).toString());
            }
        }
    }
}
