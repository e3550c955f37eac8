package io.regioncache.blackbox13b;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
import io.regioncache.hybrid.HybridScan;
import io.regioncache.store.InMemoryBackingStore;

/** Audit 13b: README "The hybrid engine" and "How it works", through the public API over the in-memory store. */
class HybridHowItWorksTest
{
    private final ArrayDeque<Runnable> heldLoads = new ArrayDeque<>();
    private final ArrayDeque<Runnable> heldGc = new ArrayDeque<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(final byte[] v)
    {
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private RegionCacheConfig.Builder config(final boolean holdLoads, final boolean holdGc)
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(holdLoads ? heldLoads::add : Runnable::run)
            .gcExecutor(holdGc ? heldGc::add : Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000);
    }

    private HybridEngine engine(final InMemoryBackingStore store, final boolean holdLoads, final boolean holdGc)
    {
        final HybridEngine e = HybridEngine.create(store, config(holdLoads, holdGc));
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

    private static CommandResult ok(final HybridEngine e, final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = e.await(f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
        return r;
    }

    private static void cycles(final HybridEngine e, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            e.applyCycle();
        }
    }

    private static void cycleUntilActive(final HybridEngine e, final long id)
    {
        for (int i = 0; i < 100_000 && e.cache().stateOf(id) != RegionState.ACTIVE; i++)
        {
            e.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(id));
    }

    private void runHeld(final HybridEngine e, final ArrayDeque<Runnable> q)
    {
        int guard = 0;
        while (!q.isEmpty())
        {
            q.poll().run();
            cycles(e, 4);
            assertTrue(++guard < 10_000, "held jobs keep coming");
        }
        cycles(e, 8);
    }

    // ------------------------------------------------------------------ reconciliation

    /**
     * README 1131-1136: a STALE_EPOCH write (the store has it, the cache does not) evicts the cached range the batch
     * touched before the answer, so a read after the answer is the store's. Unusual sequence: the source region is
     * split, then a late write at the source's old epoch touches a key now in the new left child.
     */
    @Test
    void lateWriteAtOldEpochAfterSplitEvictsTheChildThatHoldsTheKey()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("v10")).put(b("p"), b("p10"))));
        ok(e, e.split(1, 5, new byte[][] {b("m")}, new long[] {2}, 6));
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(2));
        final long before = e.metrics().reconciliations();
        final CommandResult r = e.await(e.write(new WriteBatch(1, 5, 11).put(b("c"), b("v11"))));
        assertEquals(ResultCode.STALE_EPOCH, r.code(), r::toString);
        assertEquals(before + 1, e.metrics().reconciliations());
        try (HybridReader rd = e.newReader())
        {
            assertEquals("v11", s(rd.get(2, 6, 100, b("c"))), "a read after the answer is the store's");
            // The right piece (id 1) was not touched by the batch's range and stays cached.
            assertEquals("p10", s(rd.get(1, 6, 100, b("p"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
        }
        assertTrue(CrossCheck.checkAll(e).stream().allMatch(CrossCheck.Report::ok));
    }

    /**
     * Table row #17405: a write at a newer epoch on a non-PENDING region is EPOCH_DRIFT: evicted, counted. Through the
     * hybrid engine the store has the write, so a read after the answer must see it, at either epoch.
     */
    @Test
    void writeAtNewerEpochOnActiveRegionIsEpochDriftAndReadsAfterItSeeTheWrite()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("v10"))));
        final CommandResult r = e.await(e.write(new WriteBatch(1, 7, 11).put(b("c"), b("v11"))));
        assertEquals(ResultCode.EPOCH_DRIFT, r.code(), r::toString);
        try (HybridReader rd = e.newReader())
        {
            assertEquals("v11", s(rd.get(1, 7, 100, b("c"))));
            assertEquals("v11", s(rd.get(1, 5, 100, b("c"))), "old epoch: must not be the cache's stale v10");
            assertNotEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("v10", s(rd.get(1, 5, 10, b("c"))));
        }
        assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(1));
    }

    /** Same row: a split at a newer epoch than the region's on an ACTIVE region is EPOCH_DRIFT and evicts it. */
    @Test
    void splitAtNewerEpochOnActiveRegionIsEpochDrift()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("v10"))));
        final CommandResult r = e.await(e.split(1, 7, new byte[][] {b("m")}, new long[] {2}, 8));
        assertEquals(ResultCode.EPOCH_DRIFT, r.code(), r::toString);
        assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(1));
        try (HybridReader rd = e.newReader())
        {
            assertEquals("v10", s(rd.get(2, 8, 100, b("c"))));
        }
    }

    // ------------------------------------------------------------------ safe points

    /**
     * README 1366-1369 / 1115-1123: reads at or below the cache's safe point are refused by the cache (TOO_OLD_READ)
     * and the hybrid reader goes to the store; the store refuses only below its sweep. So at exactly the safe point
     * the store answers the kept version; one below throws StoreException; one above is the cache's.
     */
    @Test
    void readsAroundTheSafePoint()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 5).put(b("k"), b("v5"))));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("k"), b("v10"))));
        ok(e, e.write(new WriteBatch(1, 5, 15).put(b("k"), b("v15"))));
        assertTrue(e.gc(10) >= 1, "v5 swept");
        try (HybridReader rd = e.newReader())
        {
            final long tooOld = e.metrics().fallbacks(SnapshotStatus.TOO_OLD_READ);
            assertEquals("v10", s(rd.get(1, 5, 10, b("k"))));
            assertEquals(SnapshotStatus.TOO_OLD_READ, rd.lastStatus());
            assertEquals(tooOld + 1, e.metrics().fallbacks(SnapshotStatus.TOO_OLD_READ));
            assertThrows(StoreException.class, () -> rd.get(1, 5, 9, b("k")));
            assertEquals("v10", s(rd.get(1, 5, 11, b("k"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("v10", s(rd.get(1, 5, 14, b("k"))));
            assertEquals("v15", s(rd.get(1, 5, 15, b("k"))));
            try (HybridScan sc = rd.scan(1, 5, 10, b("a"), b("z")))
            {
                assertFalse(sc.servedByCache());
                assertTrue(sc.next());
                assertEquals("v10", s(sc.valueBytes()));
                assertFalse(sc.next());
            }
            assertThrows(StoreException.class, () -> rd.scan(1, 5, 9, b("a"), b("z")).close());
        }
        // a cache snapshot at the safe point is refused
        try (Snapshot snap = e.cache().newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, snap.open(1, 5, 10));
            assertEquals(SnapshotStatus.OK, snap.open(1, 5, 11));
        }
    }

    /** README 1118-1121: an engine started over a swept store starts the cache at that safe point. */
    @Test
    void secondEngineOverSweptStoreStartsAtItsSafePoint()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e1 = engine(store, false, false);
        ok(e1, e1.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e1, e1.write(new WriteBatch(1, 5, 5).put(b("k"), b("v5"))));
        ok(e1, e1.write(new WriteBatch(1, 5, 10).put(b("k"), b("v10"))));
        e1.gc(10);
        e1.close();
        final HybridEngine e2 = engine(store, false, false);
        ok(e2, e2.loadRegion(new Region(1, b("a"), b("z"), 5)));
        cycleUntilActive(e2, 1);
        try (HybridReader rd = e2.newReader())
        {
            assertThrows(StoreException.class, () -> rd.get(1, 5, 7, b("k")));
            assertEquals(SnapshotStatus.TOO_OLD_READ, rd.lastStatus());
            assertEquals("v10", s(rd.get(1, 5, 10, b("k"))));
            assertEquals(SnapshotStatus.TOO_OLD_READ, rd.lastStatus());
            assertEquals("v10", s(rd.get(1, 5, 11, b("k"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
        }
    }

    /** gc with a negative safe point: refused (IAE) and the store is not swept (README 1106, HybridEngine#gc). */
    @Test
    void negativeGcIsRefusedAndSweepsNothing()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 5).put(b("k"), b("v5"))));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("k"), b("v10"))));
        final int entries = store.entryCount();
        assertThrows(IllegalArgumentException.class, () -> e.gc(-1));
        assertEquals(entries, store.entryCount());
        assertEquals(0, store.gcBelow(-5), "a negative one drops nothing");
        assertEquals(entries, store.entryCount());
        try (HybridReader rd = e.newReader())
        {
            assertEquals("v5", s(rd.get(1, 5, 5, b("k"))));
        }
    }

    // ------------------------------------------------------------------ loads

    /**
     * README 1139-1141 and 1311: writes that arrive during a load are buffered and replayed; a write both in the
     * snapshot and in the replay buffer is applied once. Writes to the same keys are queued before the load starts
     * (so the store has them when the snapshot opens) and while it copies.
     */
    @Test
    void loadRacingWritesToTheSameKeysMissesNoneAndAppliesNoneTwice()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, true, false);
        for (int i = 0; i < 20; i++)
        {
            store.put(b("k" + (char)('a' + i)), 1, b("s1-" + i));
        }
        final Region region = new Region(1, b("k"), b("l"), 5);
        final CompletableFuture<CommandResult> load = e.loadRegion(region);
        // queued behind the load: in the store before the snapshot opens, and replayed from the buffer too
        final CompletableFuture<CommandResult> w2 = e.write(new WriteBatch(1, 5, 2).put(b("ka"), b("w2")).delete(b("kb")));
        cycles(e, 4);
        assertEquals(1, heldLoads.size(), "the load is held on its executor");
        assertEquals(RegionState.LOADING, e.cache().stateOf(1));
        final CompletableFuture<CommandResult> w3 = e.write(new WriteBatch(1, 5, 3).put(b("ka"), b("w3")).put(b("kz"), b("new")));
        cycles(e, 4);
        try (HybridReader rd = e.newReader())
        {
            assertEquals("w3", s(rd.get(1, 5, 3, b("ka"))));
            assertEquals(SnapshotStatus.LOADING, rd.lastStatus());
        }
        runHeld(e, heldLoads);
        assertEquals(ResultCode.OK, e.await(load).code());
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
        assertTrue(w2.isDone() && w3.isDone());
        final CommandResult r2 = e.await(w2);
        final CommandResult r3 = e.await(w3);
        assertTrue(r2.code() == ResultCode.OK || r2.code() == ResultCode.SKIPPED, r2::toString);
        assertTrue(r3.code() == ResultCode.OK || r3.code() == ResultCode.SKIPPED, r3::toString);
        try (HybridReader rd = e.newReader())
        {
            assertEquals("s1-0", s(rd.get(1, 5, 1, b("ka"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("w2", s(rd.get(1, 5, 2, b("ka"))));
            assertEquals("w3", s(rd.get(1, 5, 3, b("ka"))));
            assertEquals("s1-1", s(rd.get(1, 5, 1, b("kb"))));
            assertNull(rd.get(1, 5, 3, b("kb")));
            assertEquals("new", s(rd.get(1, 5, 3, b("kz"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            int n = 0;
            try (HybridScan sc = rd.scan(1, 5, 3, b("k"), b("l")))
            {
                assertTrue(sc.servedByCache());
                while (sc.next())
                {
                    n++;
                }
            }
            assertEquals(20, n, "20 keys - kb + kz");
        }
        final CrossCheck.Report rep = CrossCheck.check(e, 1);
        assertTrue(rep.ok(), rep::toString);
    }

    /**
     * README 1312 and table row #17403: a split during loading moves the job to the children; each becomes ACTIVE
     * when it finishes. Unusual sequence: the split lands right after the load was asked, before the apply thread
     * started it, and a write to one child follows.
     */
    @Test
    void splitRightAfterTheLoadWasAskedBothChildrenBecomeActive()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, true, false);
        for (int i = 0; i < 26; i++)
        {
            store.put(new byte[] {(byte)('a' + i)}, 1, b("v" + i));
        }
        final CompletableFuture<CommandResult> load = e.loadRegion(new Region(1, b("a"), b("z"), 5));
        final CompletableFuture<CommandResult> split = e.split(1, 5, new byte[][] {b("m")}, new long[] {2}, 6);
        final CompletableFuture<CommandResult> w = e.write(new WriteBatch(2, 6, 2).put(b("c"), b("c2")));
        cycles(e, 8);
        final CommandResult sr = e.await(split);
        assertEquals(ResultCode.OK, sr.code(), sr::toString);
        runHeld(e, heldLoads);
        e.await(load);
        e.await(w);
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(2));
        assertArrayEquals(b("m"), e.cache().region(1).start());
        assertArrayEquals(b("m"), e.cache().region(2).end());
        try (HybridReader rd = e.newReader())
        {
            assertEquals("c2", s(rd.get(2, 6, 2, b("c"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("v2", s(rd.get(2, 6, 1, b("c"))));
            assertEquals("v20", s(rd.get(1, 6, 2, b("u"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertThrows(IllegalArgumentException.class, () -> rd.get(1, 6, 2, b("c")), "key outside the cached child");
        }
        assertTrue(CrossCheck.checkAll(e).stream().allMatch(CrossCheck.Report::ok));
    }

    /** README 1313: an eviction cancels the load (LOADING_CANCELED -> EVICTING); the store serves; memory returns. */
    @Test
    void evictionDuringLoadCancelsItAndReadsGoToTheStore()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, true, false);
        store.put(b("c"), 1, b("v1"));
        final CompletableFuture<CommandResult> load = e.loadRegion(new Region(1, b("a"), b("z"), 5));
        cycles(e, 4);
        assertEquals(RegionState.LOADING, e.cache().stateOf(1));
        final long canceledBefore = e.cache().metrics().get("transitions.made.LOADING->LOADING_CANCELED");
        ok(e, e.evict(1, EvictReason.MANUAL));
        final CompletableFuture<CommandResult> w = e.write(new WriteBatch(1, 5, 2).put(b("c"), b("v2")));
        runHeld(e, heldLoads);
        e.await(load);
        e.await(w);
        assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(1));
        assertEquals(canceledBefore + 1, e.cache().metrics().get("transitions.made.LOADING->LOADING_CANCELED"));
        try (HybridReader rd = e.newReader())
        {
            assertEquals("v2", s(rd.get(1, 5, 5, b("c"))));
            assertNotEquals(SnapshotStatus.OK, rd.lastStatus());
        }
        assertEquals(0, e.cache().memoryInUse());
    }

    // ------------------------------------------------------------------ eviction, records never reused

    /**
     * README 1223-1226 and table row #17548: evict while a snapshot is pinned; the snapshot reads on; a reload under the
     * same id is a new record that serves new data while the old one drains; memory is freed once unpinned.
     */
    @Test
    void evictWhilePinnedThenReloadSameIdThenReadThroughBoth()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, false);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("old"))));
        final Snapshot pinned = e.cache().snapshot(1, 5, 10);
        assertNotNull(pinned);
        assertTrue(pinned.isOpen());
        ok(e, e.evict(1, EvictReason.MANUAL));
        cycles(e, 4);
        assertEquals(1, e.cache().metrics().get("regions.draining"));
        // a write the store takes while the region is not cached
        final CommandResult wr = e.await(e.write(new WriteBatch(1, 5, 11).put(b("c"), b("new"))));
        assertEquals(ResultCode.NOT_CACHED, wr.code(), wr::toString);
        ok(e, e.loadRegion(new Region(1, b("a"), b("z"), 5)));
        cycleUntilActive(e, 1);
        assertEquals("old", s(pinned.get(b("c"))), "the pinned snapshot reads the evicted record's table");
        try (HybridReader rd = e.newReader())
        {
            assertEquals("new", s(rd.get(1, 5, 11, b("c"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("old", s(rd.get(1, 5, 10, b("c"))));
        }
        final long inUse = e.cache().memoryInUse();
        pinned.close();
        cycles(e, 8);
        assertEquals(0, e.cache().metrics().get("regions.draining"));
        assertTrue(e.cache().memoryInUse() < inUse, "the old table is freed once unpinned");
    }

    // ------------------------------------------------------------------ key-space ends

    /**
     * A region covering the whole key space (start empty, end empty), keys at both ends; deleteRange over everything
     * ([empty, empty) = +infinity) at a version writes tombstones in the store (history below stays readable) and
     * evicts the cached region (README 1132-1138, HybridEngine#deleteRange).
     */
    @Test
    void wholeKeySpaceRegionAndDeleteRangeToInfinity()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, false, false);
        ok(e, e.createRegion(new Region(1, new byte[0], new byte[0], 5)));
        final byte[] lo = {0};
        final byte[] hi = {(byte)0xff, (byte)0xff, (byte)0xff};
        ok(e, e.write(new WriteBatch(1, 5, 10).put(lo, b("lo")).put(hi, b("hi")).put(b("m"), b("mid"))));
        try (HybridReader rd = e.newReader())
        {
            final List<String> all = new ArrayList<>();
            try (HybridScan sc = rd.scan(1, 5, 10, new byte[0], new byte[0]))
            {
                assertTrue(sc.servedByCache());
                while (sc.next())
                {
                    all.add(s(sc.valueBytes()));
                }
            }
            assertEquals(List.of("lo", "mid", "hi"), all);
        }
        ok(e, e.split(1, 5, new byte[][] {new byte[] {(byte)0x80}}, new long[] {2}, 6));
        final CommandResult dr = e.await(e.deleteRange(new byte[0], new byte[0], 20));
        assertTrue(dr.code() == ResultCode.OK || dr.code() == ResultCode.NOT_CACHED, dr::toString);
        try (HybridReader rd = e.newReader())
        {
            assertNull(rd.get(2, 6, 20, lo));
            assertNull(rd.get(1, 6, 20, hi));
            assertNull(rd.get(2, 6, 25, b("m")));
            assertEquals("lo", s(rd.get(2, 6, 19, lo)), "history below the delete-range stays readable");
            assertEquals("hi", s(rd.get(1, 6, 19, hi)));
            try (HybridScan sc = rd.scan(1, 6, 30, new byte[] {(byte)0x80}, new byte[0]))
            {
                assertFalse(sc.next());
            }
        }
        assertTrue(CrossCheck.checkAll(e).stream().allMatch(CrossCheck.Report::ok));
    }

    // ------------------------------------------------------------------ write order

    /** README 1126-1129: a batch refused by the checks at the call answers INVALID before the store sees it. */
    @Test
    void batchRefusedAtTheCallNeverReachesTheStore()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = HybridEngine.create(store, config(false, false).maxValueLength(8).maxKeyLength(4));
        toClose.add(e);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        final int before = store.entryCount();
        assertEquals(ResultCode.INVALID, e.await(e.write(new WriteBatch(1, 5, 10).put(b("c"), new byte[9]))).code());
        assertEquals(ResultCode.INVALID, e.await(e.write(new WriteBatch(1, 5, 10).put(b("c"), b("ok")).put(b("ccccc"), b("x")))).code());
        assertEquals(before, store.entryCount(), "neither batch reached the store");
        // a batch whose region is checked only on the apply thread (key outside the cached region) is in the store
        final CommandResult r = e.await(e.write(new WriteBatch(1, 5, 11).put(b("c"), b("in")).put(b("zz"), b("out"))));
        assertEquals(ResultCode.INVALID, r.code(), r::toString);
        assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(1), "the range the batch touched is evicted");
        try (HybridReader rd = e.newReader())
        {
            assertEquals("in", s(rd.get(1, 5, 11, b("c"))));
        }
    }

    // ------------------------------------------------------------------ compaction

    /**
     * README 1364-1368: compaction keeps the newest version at or below the safe point, replays batches that land
     * meanwhile, swaps a successor; snapshots already open keep their table; reads at or below the safe point are
     * refused (TOO_OLD_READ).
     */
    @Test
    void compactionWithWritesLandingMeanwhileAndAPinnedSnapshot()
    {
        final HybridEngine e = engine(new InMemoryBackingStore(), false, true);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        for (int v = 1; v <= 10; v++)
        {
            ok(e, e.write(new WriteBatch(1, 5, v).put(b("k"), b("v" + v))));
        }
        ok(e, e.advanceSafePoint(6));
        final Snapshot old = e.cache().snapshot(1, 5, 8);
        assertNotNull(old);
        final CompletableFuture<CommandResult> c = e.cache().compact(1);
        cycles(e, 4);
        final CompletableFuture<CommandResult> w = e.write(new WriteBatch(1, 5, 11).put(b("k"), b("v11")).put(b("n"), b("n11")));
        cycles(e, 4);
        runHeld(e, heldGc);
        final CommandResult cr = e.await(c);
        assertEquals(ResultCode.OK, cr.code(), cr::toString);
        ok(e, w);
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
        assertEquals("v8", s(old.get(b("k"))), "an open snapshot keeps its table");
        try (HybridReader rd = e.newReader())
        {
            assertEquals("v6", s(rd.get(1, 5, 6, b("k"))));
            assertEquals(SnapshotStatus.TOO_OLD_READ, rd.lastStatus());
            assertEquals("v7", s(rd.get(1, 5, 7, b("k"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("v11", s(rd.get(1, 5, 11, b("k"))));
            assertEquals("n11", s(rd.get(1, 5, 11, b("n"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
        }
        old.close();
        assertTrue(CrossCheck.check(e, 1).ok());
    }
}
