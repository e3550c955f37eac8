package io.regioncache.hybrid.blackbox4;

import static io.regioncache.hybrid.blackbox4.Bb4.b;
import static io.regioncache.hybrid.blackbox4.Bb4.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;

/**
 * README ("Embedding"): "On a closed store, snapshot or cursor every read, write, scan, seek and step, and every
 * snapshot or cursor opened, throws StoreException ... Four kinds of call answer instead: a snapshot's estimates say
 * unknown (approximateSize -1, splitKey null, on every store ...); a store's gcSafePoint() and its settings ...
 * return their values; and a closed cursor's accessors (key(), value(), their lengths, version()) return the last
 * entry it was on". Sequences: a hybrid scan on the store path with the engine (and its owned store) closed
 * mid-scan; a snapshot and a cursor left open across the store's close after a GC round.
 */
class ClosedStoreSequencesTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Bb4.Kind.class)
    void aStoreScanAcrossTheEngineClose(final Bb4.Kind kind)
    {
        final Bb4.Rig rig = new Bb4.Rig(kind.open(dir.resolve("s")));
        final HybridEngine e = rig.engine;
        for (int i = 0; i < 5; i++)
        {
            e.await(e.write(new WriteBatch(1, 1, 10 + i).put(b("k" + i), b("v" + i))));
        }
        final HybridReader r = e.newReader();
        final HybridScan scan = r.scan(1, 1, 100, new byte[0], new byte[0]);
        assertFalse(scan.servedByCache());
        assertTrue(scan.next());
        assertTrue(scan.next());
        e.close(); // closes the owned store
        // the closed cursor's accessors: the last entry it was on
        assertEquals("k1", s(scan.keyBytes()));
        assertEquals("v1", s(scan.valueBytes()));
        // a step on a closed store's cursor throws StoreException
        assertThrows(StoreException.class, scan::next);
        scan.close();
        // a reader of a closed engine: the store serves and throws (HybridReader javadoc); README "every read"
        assertThrows(StoreException.class, () -> r.get(1, 1, 100, b("k0")));
        r.close();
    }

    @ParameterizedTest
    @EnumSource(Bb4.Kind.class)
    void aSnapshotAndCursorAcrossTheStoreCloseAfterGc(final Bb4.Kind kind)
    {
        final WritableStore store = kind.open(dir.resolve("c"));
        for (int i = 0; i < 50; i++)
        {
            store.applyBatch(new WriteBatch(0, 0, 1 + i).put(b(String.format("k%02d", i)), b("v" + i)));
        }
        store.gcBelow(30);
        final BackingSnapshot snap = store.openSnapshot();
        final StoreCursor cursor = store.newCursor(b("k10"), b("k40"), 60);
        assertTrue(cursor.next());
        assertTrue(cursor.next());
        final long version = cursor.version();
        store.close();
        assertEquals(-1, snap.approximateSize(b("k00"), b("k99")), kind + " approximateSize after close");
        assertNull(snap.splitKey(b("k00"), b("k99")), kind + " splitKey after close");
        assertEquals(30, store.gcSafePoint(), kind + " gcSafePoint after close");
        assertEquals("k11", s(cursor.keyBytes()));
        assertEquals("v11", s(cursor.valueBytes()));
        assertEquals(version, cursor.version());
        assertThrows(StoreException.class, cursor::next);
        assertThrows(StoreException.class, () -> snap.scan(b("k00"), b("k99"), (k, ko, kl, v, val, vo, vl) -> true));
        assertThrows(StoreException.class, store::openSnapshot);
        assertThrows(StoreException.class, () -> store.newCursor(b("a"), b("z"), 5));
        assertThrows(StoreException.class, () -> store.applyBatch(new WriteBatch(0, 0, 99).put(b("x"), b("y"))));
        assertThrows(StoreException.class, () -> store.deleteRange(b("a"), b("z"), 100));
        assertThrows(StoreException.class, () -> store.gcBelow(40));
        snap.close();
        cursor.close();
    }
}
