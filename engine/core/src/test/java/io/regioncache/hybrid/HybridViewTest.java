package io.regioncache.hybrid;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

import org.junit.jupiter.api.Test;

import io.regioncache.Bytes;
import io.regioncache.MapViewModelCheck;
import io.regioncache.Region;
import io.regioncache.StoreException;
import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HybridReader#view}: the store-served view against {@link java.util.TreeMap} on random nested views, the
 * same contents whether the cache or the store serves, and its resources (store cursors, the pin) released.
 */
class HybridViewTest
{
    private static final byte[] START = {0x20};
    private static final byte[] END = {(byte)0xC0};

    @Test
    void storeServedViewAgreesWithTreeMap()
    {
        final long seed = System.nanoTime();
        try (HybridViewFixture fixture = new HybridViewFixture(new InMemoryBackingStore()))
        {
            MapViewModelCheck.run(START, END,
                (start, end, entries, decoys) -> fixture.open(start, end, entries, decoys).asNavigableMap(), seed, 40);
        }
    }

    private static List<Map.Entry<byte[], byte[]>> entries(final int n)
    {
        final List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            out.add(Map.entry(new byte[] {(byte)(0x20 + i * 3), (byte)i}, ("v" + i).getBytes()));
        }
        return out;
    }

    @Test
    void cacheAndStoreServeTheSameMaps()
    {
        try (HybridViewFixture fixture = new HybridViewFixture(new InMemoryBackingStore()))
        {
            final List<byte[]> decoys = List.of(new byte[] {0x21}, new byte[] {0x30, 0x00}, new byte[] {(byte)0x80});
            final HybridView fromStore = fixture.open(START, END, entries(40), decoys);
            assertFalse(fromStore.servedByCache());
            final Region region = fixture.lastRegion();
            fixture.cache(region);
            try (HybridView fromCache = fixture.reader().view(region, fixture.lastReadVersion()))
            {
                assertTrue(fromCache.servedByCache());
                final NavigableMap<Bytes, Bytes> cached = fromCache.asBytesMap();
                final NavigableMap<Bytes, Bytes> stored = fromStore.asBytesMap();
                assertEquals(40, stored.size());
                assertEquals(cached, stored);
                assertEquals(List.copyOf(cached.descendingMap().entrySet()),
                    List.copyOf(stored.descendingMap().entrySet()));
                final Bytes from = Bytes.of(new byte[] {0x30});
                final Bytes to = Bytes.of(new byte[] {0x60});
                assertEquals(List.copyOf(cached.subMap(from, true, to, false).descendingKeySet()),
                    List.copyOf(stored.subMap(from, true, to, false).descendingKeySet()));
                assertEquals(cached.floorEntry(to), stored.floorEntry(to));
                assertEquals(cached.lowerKey(from), stored.lowerKey(from));
            }
        }
    }

    @Test
    void closingReleasesStoreCursorsAndRefusesReads()
    {
        try (HybridViewFixture fixture = new HybridViewFixture(new InMemoryBackingStore()))
        {
            final HybridView view = fixture.open(START, END, entries(5), List.of());
            final NavigableMap<byte[], byte[]> map = view.asNavigableMap();
            assertEquals(1, view.storeView().openCursors()); // the lookup cursor
            final Iterator<byte[]> walked = map.keySet().iterator();
            while (walked.hasNext())
            {
                walked.next();
            }
            assertEquals(1, view.storeView().openCursors()); // an iterator at its end gave its cursor back
            final Iterator<byte[]> abandoned = map.descendingKeySet().iterator();
            abandoned.next();
            assertEquals(2, view.storeView().openCursors());
            view.close();
            assertEquals(0, view.storeView().openCursors());
            assertThrows(IllegalStateException.class, map::size);
            assertThrows(IllegalStateException.class, () -> map.get(new byte[] {0x20, 0}));
            assertThrows(IllegalStateException.class, view::asNavigableMap);
        }
    }

    @Test
    void storeRefusesAViewBelowItsGcSafePoint()
    {
        try (HybridViewFixture fixture = new HybridViewFixture(new InMemoryBackingStore()))
        {
            fixture.open(START, END, entries(3), List.of());
            fixture.engine().store().gcBelow(fixture.lastReadVersion() + 1);
            assertThrows(StoreException.class,
                () -> fixture.reader().view(fixture.lastRegion(), fixture.lastReadVersion()));
        }
    }
}
