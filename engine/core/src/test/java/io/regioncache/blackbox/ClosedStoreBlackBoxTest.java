package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README "Embedding": "On a closed store, snapshot or cursor every read, write, scan, seek and step, and every
 * snapshot or cursor opened, throws StoreException (an empty multiGet too ...)", and the four kinds of call that
 * answer instead. Found by the fourth audit on {@code InMemoryBackingStore}: a closed snapshot went on reading, a
 * snapshot of a closed store answered "absent" (the close empties the map), and a closed cursor moved again; by a
 * later one, an empty {@code multiGet} on a closed store answered as if open, and the estimates threw where the
 * RocksDB and LMDB stores answer unknown. The default cursor a host's own store inherits
 * ({@code BackingStore.newCursor}) is held to the same rule.
 */
class ClosedStoreBlackBoxTest
{
    private static InMemoryBackingStore store()
    {
        final InMemoryBackingStore s = new InMemoryBackingStore();
        s.put(b("a"), 1, b("va"));
        s.put(b("b"), 1, b("vb"));
        return s;
    }

    private static int get(final BackingSnapshot snap, final String key)
    {
        return snap.get(new UnsafeBuffer(b(key)), 0, key.length(), 5, new UnsafeBuffer(new byte[8]), 0);
    }

    @Test
    void aClosedStoreRefusesEveryCall()
    {
        final InMemoryBackingStore s = store();
        s.close();
        assertThrows(StoreException.class, () -> s.get(new UnsafeBuffer(b("a")), 0, 1, 5, new UnsafeBuffer(new byte[8]), 0));
        assertThrows(StoreException.class, s::openSnapshot);
        assertThrows(StoreException.class, () -> s.newCursor(b(""), b(""), 5));
        assertThrows(StoreException.class, () -> s.put(b("c"), 2, b("x")));
        assertThrows(StoreException.class, () -> s.gcBelow(1));
    }

    @Test
    void aClosedSnapshotRefusesEveryRead()
    {
        final InMemoryBackingStore s = store();
        final BackingSnapshot snap = s.openSnapshot();
        assertEquals(2, get(snap, "a"));
        snap.close();
        assertThrows(StoreException.class, () -> get(snap, "a"));
        assertThrows(StoreException.class, () -> snap.scan(b(""), b(""), (k, ko, kl, v, val, vo, vl) -> true));
        // the estimates answer unknown instead, as on RocksDB and LMDB (a load takes them as hints)
        assertEquals(-1, snap.approximateSize(b(""), b("")));
        assertNull(snap.splitKey(b("a"), b("")));
        s.close();
    }

    @Test
    void aClosedStoreRefusesAnEmptyMultiGetToo()
    {
        final InMemoryBackingStore s = store();
        s.close();
        assertThrows(StoreException.class, () -> s.multiGet(new UnsafeBuffer(b("a")), new int[0], new int[0], 0, 0, 5,
            new UnsafeBuffer(new byte[8]), 0, new int[0], new int[0]));
        assertThrows(StoreException.class, () -> s.multiGet(new UnsafeBuffer(b("a")), new int[] {0}, new int[] {1},
            0, 1, 5, new UnsafeBuffer(new byte[8]), 0, new int[1], new int[1]));
    }

    @Test
    void aClosedStoresValuesAndAClosedCursorsLastEntryStillAnswer()
    {
        // README: a store's gcSafePoint() returns its value, a closed cursor's accessors the last entry it was on
        final InMemoryBackingStore s = store();
        s.gcBelow(1);
        final StoreCursor c = s.newCursor(b(""), b(""), 5);
        assertTrue(c.next());
        c.close();
        s.close();
        assertEquals(1, s.gcSafePoint());
        assertArrayEquals(b("a"), c.keyBytes());
        assertArrayEquals(b("va"), c.valueBytes());
        assertEquals(1, c.version());
    }

    @Test
    void aSnapshotOfAClosedStoreRefusesReadsInsteadOfAnsweringAbsent()
    {
        final InMemoryBackingStore s = store();
        final BackingSnapshot snap = s.openSnapshot();
        s.close();
        assertThrows(StoreException.class, () -> get(snap, "a"));
        assertThrows(StoreException.class, () -> snap.scan(b(""), b(""), (k, ko, kl, v, val, vo, vl) -> true));
    }

    @Test
    void aScanCutShortByTheStoresCloseFailsRatherThanEndingShort()
    {
        final InMemoryBackingStore s = store();
        final BackingSnapshot snap = s.openSnapshot();
        final AtomicInteger seen = new AtomicInteger();
        assertThrows(StoreException.class, () -> snap.scan(b(""), b(""), (k, ko, kl, v, val, vo, vl) ->
        {
            seen.incrementAndGet();
            s.close();
            return true;
        }));
        assertEquals(1, seen.get());
    }

    @Test
    void aClosedCursorRefusesEveryMove()
    {
        final InMemoryBackingStore s = store();
        final StoreCursor c = s.newCursor(b(""), b(""), 5);
        assertTrue(c.next());
        c.close();
        assertThrows(StoreException.class, c::seekToFirst);
        assertThrows(StoreException.class, c::next);
        assertThrows(StoreException.class, () -> c.seek(b("a")));
        s.close();
    }

    @Test
    void theDefaultCursorOfAHostStoreRefusesMovesOnceClosed()
    {
        final InMemoryBackingStore data = store();
        final BackingStore host = new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                return data.openSnapshot();
            }

            @Override
            public void close()
            {
                data.close();
            }
        };
        final StoreCursor c = host.newCursor(b(""), b(""), 5);
        assertTrue(c.seekToFirst());
        assertTrue(c.next());
        c.close();
        assertThrows(StoreException.class, c::seekToFirst);
        assertThrows(StoreException.class, c::prev);
        assertThrows(StoreException.class, () -> c.seekForPrev(b("b")));
        host.close();
    }
}
