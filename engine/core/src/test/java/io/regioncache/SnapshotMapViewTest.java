package io.regioncache;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code byte[]} view ({@link Snapshot#asNavigableMap()}) against {@link java.util.TreeMap} with the same
 * comparator ({@link MapViewModelCheck}: a region with bounds, MVCC history, random operations on random
 * sub/head/tail/descending views), and its read-only and lifetime rules. guava-testlib cannot judge a {@code byte[]} map (it compares with
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

    @Test
    void agreesWithTreeMapOnRandomViews()
    {
        MapViewModelCheck.run(START, END, (start, end, entries, decoys) -> fixture.open(start, end, entries, decoys).asNavigableMap(), 12, 40);
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
