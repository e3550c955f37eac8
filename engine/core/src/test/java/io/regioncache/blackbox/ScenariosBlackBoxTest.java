package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static io.regioncache.blackbox.BB.throwsExactly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

class ScenariosBlackBoxTest
{
    private RegionCache cache;

    @AfterEach
    void tearDown()
    {
        if (cache != null)
        {
            cache.close();
        }
    }

    private void cycles(final int n)
    {
        for (int i = 0; i < n; i++)
        {
            cache.applyCycle();
        }
    }

    /** README 749, 1147: a split child's iterator stays inside its range although the pieces share one table. */
    @Test
    void splitChildrenIterateOnlyTheirOwnKeys() throws Exception
    {
        cache = RegionCache.create(BB.invoker().build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        final WriteBatch w = new WriteBatch(1, 1, 10);
        for (final String k : new String[] {"a", "c", "e", "g", "i"})
        {
            w.put(b(k), b("v" + k));
        }
        expect(cache, ResultCode.OK, cache.write(w));
        expect(cache, ResultCode.OK, cache.split(1, 1, new byte[][] {b("d"), b("g")}, new long[] {2, 3}, 2));
        final Snapshot s = cache.newSnapshot();
        // middle piece [d, g): only e
        assertEquals(SnapshotStatus.OK, s.open(3, 2, 100));
        SnapshotIterator it = s.iterator();
        assertTrue(it.seekToFirst());
        assertArrayEquals(b("e"), it.key());
        assertFalse(it.prev());
        assertTrue(it.seekToLast());
        assertArrayEquals(b("e"), it.key());
        assertFalse(it.next());
        assertTrue(it.seekForPrev(b("f")));
        assertArrayEquals(b("e"), it.key());
        assertFalse(it.seekForPrev(b("d")));
        assertFalse(it.seek(b("e\0")));
        throwsExactly(IllegalArgumentException.class, () -> s.get(b("g")));
        throwsExactly(IllegalArgumentException.class, () -> s.get(b("c")));
        // left piece (-inf, d): a, c
        assertEquals(SnapshotStatus.OK, s.open(2, 2, 100));
        it = s.iterator();
        assertTrue(it.seekToLast());
        assertArrayEquals(b("c"), it.key());
        assertFalse(it.next());
        // right piece [g, +inf): g, i
        assertEquals(SnapshotStatus.OK, s.open(1, 2, 100));
        it = s.iterator();
        assertTrue(it.seekToFirst());
        assertArrayEquals(b("g"), it.key());
        assertFalse(it.prev());
        assertTrue(it.seekForPrev(b("zz")));
        assertArrayEquals(b("i"), it.key());
        throwsExactly(IllegalArgumentException.class, () -> s.get(b("e")));
        // old epoch refused
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 1, 100));
        s.dispose();
    }

    /** README 749: iterator over [lower, upper): bounds honored by every move. */
    @Test
    void iteratorHalfOpenBoundsOnEveryMove() throws Exception
    {
        cache = RegionCache.create(BB.invoker().build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        final WriteBatch w = new WriteBatch(1, 1, 10);
        for (final String k : new String[] {"b", "c", "e", "g", "i"})
        {
            w.put(b(k), b("v" + k));
        }
        expect(cache, ResultCode.OK, cache.write(w));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        SnapshotIterator it = s.iterator(b("c"), b("g"));
        assertFalse(it.seekForPrev(b("b")));
        assertFalse(it.seek(b("g")));
        assertFalse(it.seek(b("h")));
        assertTrue(it.seekForPrev(b("h")));
        assertArrayEquals(b("e"), it.key());
        assertTrue(it.seek(b("a")));
        assertArrayEquals(b("c"), it.key());
        assertFalse(it.prev());
        assertTrue(it.seekToLast());
        assertArrayEquals(b("e"), it.key());
        // inverted bounds inside the region: nothing in [e, c)
        it = s.iterator(b("e"), b("c"));
        assertFalse(it.seekToFirst(), "empty range [e, c) yields no key");
        assertFalse(it.seekToLast(), "empty range [e, c) yields no key");
        assertFalse(it.seek(b("e")), "empty range [e, c) yields no key");
        // lower == upper: empty
        it = s.iterator(b("c"), b("c"));
        assertFalse(it.seekToFirst(), "empty range [c, c) yields no key");
        assertFalse(it.seekToLast(), "empty range [c, c) yields no key");
        s.dispose();
    }

    /** README 862-864: disable evicts a LOADING region; its load finishing later installs nothing, also after enable. */
    @Test
    void aLoadCanceledByDisableNeverInstalls() throws Exception
    {
        final BB.HeldExecutor loader = new BB.HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 3, b("s"));
        cache = RegionCache.create(BB.invoker().backingStore(store).loaderExecutor(loader).build());
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("f"), 1)));
        for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.LOADING; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        expect(cache, ResultCode.OK, cache.setEnabled(false));
        assertNull(cache.stateOf(1));
        expect(cache, ResultCode.OK, cache.setEnabled(true));
        loader.runAll();
        cycles(200);
        assertNull(cache.stateOf(1));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 1, 10));
        // a fresh load works
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("f"), 1)));
        for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
            loader.runAll();
        }
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        assertArrayEquals(b("s"), s.get(b("c")));
        s.dispose();
    }

    /** README 879, 996-998: a load of a LOADING region is SKIPPED; a load at a newer epoch replaces it; versions. */
    @Test
    void loadsAndWritesAroundALoadingRegion() throws Exception
    {
        final BB.HeldExecutor loader = new BB.HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 3, b("s3"));
        store.put(b("d"), 5, b("s5"));
        cache = RegionCache.create(BB.invoker().backingStore(store).loaderExecutor(loader).build());
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("f"), 1)));
        for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.LOADING; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        expect(cache, ResultCode.SKIPPED, cache.loadRegion(new Region(1, b("a"), b("f"), 1)));
        // buffered write while LOADING
        store.put(b("e"), 7, b("s7"));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, 7).put(b("e"), b("s7"))));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 6).put(b("e"), b("x"))));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 8).put(b("f"), b("x"))));
        loader.runAll();
        for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
            loader.runAll();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("s3"), s.get(b("c")));
        assertArrayEquals(b("s5"), s.get(b("d")));
        assertArrayEquals(b("s7"), s.get(b("e")));
        assertEquals(7, s.readVersion());
        s.close();
        // SKIPPED at/below the loaded version, then INVALID for the same version again
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 7).put(b("e"), b("x"))));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, 9).put(b("e"), b("s9"))));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 8));
        assertEquals(8, s.readVersion());
        assertArrayEquals(b("s7"), s.get(b("e")));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertEquals(9, s.readVersion());
        assertArrayEquals(b("s9"), s.get(b("e")));
        s.dispose();
    }

    /** README 875, 995-998: a write above the last delivered version but at or below what a load copied is SKIPPED. */
    @Test
    void aWriteTheLoadCopiedIsSkippedThenItsVersionCountsAsDelivered() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 3, b("s3"));
        store.put(b("d"), 9, b("s9"));
        cache = RegionCache.create(BB.invoker().backingStore(store).build());
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("f"), 1)));
        for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        expect(cache, ResultCode.SKIPPED, cache.write(new WriteBatch(1, 1, 9).put(b("d"), b("s9"))));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 9).put(b("d"), b("s9"))));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("d"), b("s10"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("s10"), s.get(b("d")));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
        assertEquals(3, s.get(new UnsafeBuffer(b("d")), 0, 1, dst, 0));
        s.dispose();
    }

    /** README 1153-1156: after compaction reads at or below the safe point are refused; open snapshots keep reading. */
    @Test
    void compactionKeepsOpenSnapshotsAndRefusesOldReads() throws Exception
    {
        cache = RegionCache.create(BB.invoker().build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        for (int v = 1; v <= 5; v++)
        {
            expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, v).put(b("k"), b("v" + v))));
        }
        final Snapshot old = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, old.open(1, 1, 2));
        expect(cache, ResultCode.OK, cache.advanceSafePoint(1, 3));
        expect(cache, ResultCode.OK, cache.compact(1));
        cycles(200);
        assertArrayEquals(b("v2"), old.get(b("k")));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 3));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 4));
        assertArrayEquals(b("v4"), s.get(b("k")));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("v5"), s.get(b("k")));
        old.dispose();
        s.dispose();
    }
}
