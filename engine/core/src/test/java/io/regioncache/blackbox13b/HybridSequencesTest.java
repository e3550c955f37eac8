package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/** Audit 13b: unusual-but-legal sequences around loads, compactions, safe points and delete-range. */
class HybridSequencesTest
{
    private final ArrayDeque<Runnable> heldLoads = new ArrayDeque<>();
    private final ArrayDeque<Runnable> heldGc = new ArrayDeque<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private HybridEngine engine(final InMemoryBackingStore store, final boolean holdLoads, final boolean holdGc)
    {
        final HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(holdLoads ? heldLoads::add : Runnable::run)
            .gcExecutor(holdGc ? heldGc::add : Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000));
        toClose.add(e);
        return e;
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    private static void ok(final HybridEngine e, final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = e.await(f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
    }

    private static void cycles(final HybridEngine e, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            e.applyCycle();
        }
    }

    private static void cycleUntil(final HybridEngine e, final long id, final RegionState state)
    {
        for (int i = 0; i < 100_000 && e.cache().stateOf(id) != state; i++)
        {
            e.applyCycle();
        }
        assertEquals(state, e.cache().stateOf(id));
    }

    private void runHeld(final HybridEngine e, final ArrayDeque<Runnable> q)
    {
        int guard = 0;
        while (!q.isEmpty())
        {
            q.poll().run();
            cycles(e, 4);
            assertTrue(++guard < 10_000);
        }
        cycles(e, 8);
    }

    private static boolean allOk(final HybridEngine e)
    {
        for (final CrossCheck.Report r : CrossCheck.checkAll(e))
        {
            if (!r.ok())
            {
                System.out.println(r);
                return false;
            }
        }
        return true;
    }

    /** A deleteRange landing while a load copies (snapshot opened before the store's tombstones) must not leave the
     * loaded region serving the deleted keys. */
    @Test
    void deleteRangeDuringALoadNeverLeavesDeletedDataCached()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, true, false);
        for (char c = 'a'; c < 'z'; c++)
        {
            store.put(new byte[] {(byte)c}, 1, b("v" + c));
        }
        final CompletableFuture<CommandResult> load = e.loadRegion(new Region(1, b("a"), b("z"), 5));
        cycles(e, 4);
        assertEquals(RegionState.LOADING, e.cache().stateOf(1));
        final CommandResult dr = e.await(e.deleteRange(b("c"), b("f"), 10));
        runHeld(e, heldLoads);
        e.await(load);
        try (HybridReader rd = e.newReader())
        {
            assertNull(rd.get(1, 5, 10, b("d")), "deleted at 10 (" + dr + ", state " + e.cache().stateOf(1) + ")");
            assertEquals("vd", s(rd.get(1, 5, 9, b("d"))));
            assertEquals("vg", s(rd.get(1, 5, 10, b("g"))));
        }
        assertTrue(allOk(e));
        // and a reload after it is exact
        ok(e, e.loadRegion(new Region(1, b("a"), b("z"), 5)));
        runHeld(e, heldLoads);
        cycleUntil(e, 1, RegionState.ACTIVE);
        try (HybridReader rd = e.newReader())
        {
            assertNull(rd.get(1, 5, 10, b("d")));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("vd", s(rd.get(1, 5, 9, b("d"))));
        }
    }

    /** A region loaded after gc() in the same engine never answers below the swept safe point from the cache. */
    @Test
    void regionLoadedAfterGcRefusesReadsBelowTheSweep()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, false);
        store.put(b("k"), 5, b("v5"));
        store.put(b("k"), 10, b("v10"));
        store.put(b("j"), 3, b("j3"));
        store.delete(b("j"), 8);
        e.gc(10);
        ok(e, e.loadRegion(new Region(1, b("a"), b("z"), 5)));
        cycleUntil(e, 1, RegionState.ACTIVE);
        try (HybridReader rd = e.newReader())
        {
            assertThrows(StoreException.class, () -> rd.get(1, 5, 6, b("j")));
            assertEquals(SnapshotStatus.TOO_OLD_READ, rd.lastStatus());
            assertEquals("v10", s(rd.get(1, 5, 11, b("k"))));
            assertNull(rd.get(1, 5, 11, b("j")));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
        }
    }

    /** A region created after gc(): the cache's safe point is the engine's, whatever region (README 1118-1121). */
    @Test
    void regionCreatedAfterGcRefusesReadsBelowTheSafePointToo()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, false);
        e.gc(10);
        ok(e, e.createRegion(new Region(2, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(2, 5, 20).put(b("k"), b("v20"))));
        try (Snapshot snap = e.cache().newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(2, 5, 10));
            assertEquals(SnapshotStatus.OK, snap.open(2, 5, 11));
        }
        try (HybridReader rd = e.newReader())
        {
            assertThrows(StoreException.class, () -> rd.get(2, 5, 9, b("k")));
        }
    }

    /** A per-region safe point survives a split: each child refuses reads at or below it. */
    @Test
    void perRegionSafePointIsKeptBySplitChildrenAndCompactedSuccessor()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        for (int v = 1; v <= 12; v++)
        {
            ok(e, e.write(new WriteBatch(1, 5, v).put(b("c"), b("c" + v)).put(b("p"), b("p" + v))));
        }
        ok(e, e.advanceSafePoint(1, 8));
        ok(e, e.split(1, 5, new byte[][] {b("m")}, new long[] {2}, 6));
        try (Snapshot snap = e.cache().newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(2, 6, 8));
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(1, 6, 8));
            assertEquals(SnapshotStatus.OK, snap.open(2, 6, 9));
            assertEquals("c9", s(snap.get(b("c"))));
            snap.close();
        }
        ok(e, e.cache().compact(2));
        cycles(e, 16);
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(2));
        try (Snapshot snap = e.cache().newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(2, 6, 8));
            assertEquals(SnapshotStatus.OK, snap.open(2, 6, 9));
            assertEquals("c9", s(snap.get(b("c"))));
        }
        try (HybridReader rd = e.newReader())
        {
            assertEquals("c8", s(rd.get(2, 6, 8, b("c"))), "store still has every version (not swept)");
            assertEquals("p3", s(rd.get(1, 6, 3, b("p"))));
        }
        assertTrue(allOk(e));
    }

    /** A compaction whose source was evicted and reloaded (a new record under the same id) while it ran must be
     * discarded: records are never reused. */
    @Test
    void compactionOfAnEvictedAndReloadedRegionIsDiscarded()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, true);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        for (int v = 1; v <= 6; v++)
        {
            ok(e, e.write(new WriteBatch(1, 5, v).put(b("k"), b("k" + v))));
        }
        ok(e, e.advanceSafePoint(4));
        final CompletableFuture<CommandResult> c = e.cache().compact(1);
        cycles(e, 4);
        final int held = heldGc.size();
        ok(e, e.evict(1, EvictReason.MANUAL));
        assertEquals(ResultCode.NOT_CACHED,
            e.await(e.write(new WriteBatch(1, 5, 7).put(b("k"), b("k7")).put(b("n"), b("n7")))).code());
        ok(e, e.loadRegion(new Region(1, b("a"), b("z"), 5)));
        cycleUntil(e, 1, RegionState.ACTIVE);
        ok(e, e.write(new WriteBatch(1, 5, 8).delete(b("n"))));
        runHeld(e, heldGc);
        e.await(c);
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(1), "held gc jobs: " + held);
        try (HybridReader rd = e.newReader())
        {
            assertEquals("k7", s(rd.get(1, 5, 8, b("k"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("n7", s(rd.get(1, 5, 7, b("n"))));
            assertNull(rd.get(1, 5, 8, b("n")));
            assertEquals("k5", s(rd.get(1, 5, 5, b("k"))));
        }
        assertTrue(allOk(e));
    }

    /** Compaction with a delete and a new key landing meanwhile: the replay applies both. */
    @Test
    void compactionReplaysDeletesThatLandMeanwhile()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, true);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        for (int v = 1; v <= 6; v++)
        {
            ok(e, e.write(new WriteBatch(1, 5, v).put(b("k"), b("k" + v)).put(b("d"), b("d" + v))));
        }
        ok(e, e.advanceSafePoint(3));
        final CompletableFuture<CommandResult> c = e.cache().compact(1);
        cycles(e, 4);
        final CompletableFuture<CommandResult> w = e.write(new WriteBatch(1, 5, 7).delete(b("d")).put(b("e"), b("e7")));
        cycles(e, 2);
        runHeld(e, heldGc);
        e.await(c);
        ok(e, w);
        try (HybridReader rd = e.newReader())
        {
            assertNull(rd.get(1, 5, 7, b("d")));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("d6", s(rd.get(1, 5, 6, b("d"))));
            assertEquals("d4", s(rd.get(1, 5, 4, b("d"))));
            assertEquals("e7", s(rd.get(1, 5, 7, b("e"))));
            assertNull(rd.get(1, 5, 6, b("e")));
        }
        assertTrue(allOk(e));
    }

    /** Epoch drift on a LOADING region through the hybrid engine: the load is given up, the store serves. */
    @Test
    void writeAtNewerEpochOnLoadingRegion()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, true, false);
        store.put(b("c"), 1, b("c1"));
        final CompletableFuture<CommandResult> load = e.loadRegion(new Region(1, b("a"), b("z"), 5));
        cycles(e, 4);
        assertEquals(RegionState.LOADING, e.cache().stateOf(1));
        final CommandResult r = e.await(e.write(new WriteBatch(1, 7, 2).put(b("c"), b("c2"))));
        assertEquals(ResultCode.EPOCH_DRIFT, r.code(), r::toString);
        runHeld(e, heldLoads);
        e.await(load);
        assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(1));
        try (HybridReader rd = e.newReader())
        {
            assertEquals("c2", s(rd.get(1, 5, 2, b("c"))));
            assertEquals("c2", s(rd.get(1, 7, 2, b("c"))));
        }
    }

    /** With loads paused a region stays PENDING; a split then, and a write at the new epoch to a child; both load. */
    @Test
    void splitOfAPendingRegionWithLoadsPaused()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, false);
        for (char c = 'a'; c < 'z'; c++)
        {
            store.put(new byte[] {(byte)c}, 1, b("v" + c));
        }
        e.cache().pauseLoads(true);
        ok(e, e.loadRegion(new Region(1, b("a"), b("z"), 5)));
        cycles(e, 8);
        assertEquals(RegionState.PENDING, e.cache().stateOf(1));
        final CommandResult sr = e.await(e.split(1, 5, new byte[][] {b("m")}, new long[] {2}, 6));
        assertEquals(ResultCode.OK, sr.code(), sr::toString);
        final CommandResult wr = e.await(e.write(new WriteBatch(2, 6, 2).put(b("c"), b("c2"))));
        e.cache().pauseLoads(false);
        cycleUntil(e, 1, RegionState.ACTIVE);
        cycleUntil(e, 2, RegionState.ACTIVE);
        try (HybridReader rd = e.newReader())
        {
            assertEquals("c2", s(rd.get(2, 6, 2, b("c"))), wr.toString());
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("vc", s(rd.get(2, 6, 1, b("c"))));
            assertEquals("vp", s(rd.get(1, 6, 2, b("p"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
        }
        assertTrue(allOk(e));
    }

    /** README 1146-1148: a key outside the region is refused only when the cache serves; the store path reads it. */
    @Test
    void keyOutsideRegionRefusedOnlyOnTheCachePath()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("m"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("c10"))));
        e.store().applyBatch(new WriteBatch(9, 1, 10).put(b("x"), b("x10")));
        try (HybridReader rd = e.newReader())
        {
            assertThrows(IllegalArgumentException.class, () -> rd.get(1, 5, 10, b("x")));
            assertEquals("x10", s(rd.get(1, 6, 10, b("x"))));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, rd.lastStatus());
        }
    }

    /** Visibility: write() returns once the store has the write; until the cache applied it, the cache (ACTIVE)
     * serves the previous value; CrossCheck compares at the version the cache applied last and so stays clean. */
    @Test
    void writeReturnsWithTheStoreHavingItBeforeTheCacheApplies()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("m"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("c10"))));
        final CompletableFuture<CommandResult> f = e.write(new WriteBatch(1, 5, 11).put(b("c"), b("c11")));
        assertFalse(f.isDone(), "INVOKER: nothing applied yet");
        try (HybridReader rd = e.newReader())
        {
            assertEquals("c10", s(rd.get(1, 5, 11, b("c"))), "cache serves at min(readVersion, last applied)");
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("c11", s(rd.get(1, 6, 11, b("c"))), "the store already has it");
            assertTrue(CrossCheck.check(e, 1).ok());
            ok(e, f);
            assertEquals("c11", s(rd.get(1, 5, 11, b("c"))));
        }
    }
}
