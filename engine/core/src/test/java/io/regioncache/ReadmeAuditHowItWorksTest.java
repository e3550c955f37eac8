package io.regioncache;

import static io.regioncache.ObservabilityContractTest.b;
import static io.regioncache.ObservabilityContractTest.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.ObservabilityContractTest.HeldExecutor;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit of README.md "## How it works" (with "TiKV's shipped bugs") and "## Reliability": promises, and edge cases
 * of promises, that the existing contract tests leave out. INVOKER engines driven by {@link RegionCache#applyCycle()};
 * loads and compactions that must stay in flight run on a {@link HeldExecutor}. No sleeps.
 */
class ReadmeAuditHowItWorksTest
{
    private RegionCache cache;

    @AfterEach
    void closeCache()
    {
        if (cache != null)
        {
            cache.close();
        }
    }

    private RegionCache start(final RegionCacheConfig.Builder builder)
    {
        cache = RegionCache.create(builder.build());
        return cache;
    }

    private CommandResult await(final CompletableFuture<CommandResult> f) throws Exception
    {
        return InvokerCommands.await(cache, f);
    }

    private CommandResult expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        return InvokerCommands.expect(cache, code, f);
    }

    private void cycleUntil(final String what, final BooleanSupplier done)
    {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++)
        {
            cache.applyCycle();
        }
        assertTrue(done.getAsBoolean(), what);
    }

    private void cycles(final int n)
    {
        for (int i = 0; i < n; i++)
        {
            cache.applyCycle();
        }
    }

    private long metric(final String name)
    {
        return cache.metrics().get(name);
    }

    private byte[] read(final long id, final long epoch, final long version, final String key)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(id, epoch, version), () -> "region " + id);
        try
        {
            return s.get(b(key));
        }
        finally
        {
            s.dispose();
        }
    }

    private List<String> keys(final long id, final long epoch, final long version)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(id, epoch, version), () -> "region " + id);
        try
        {
            final List<String> out = new ArrayList<>();
            final SnapshotIterator it = s.iterator();
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                out.add(new String(it.key(), StandardCharsets.US_ASCII));
            }
            return out;
        }
        finally
        {
            s.dispose();
        }
    }

    private SnapshotStatus open(final long id, final long epoch, final long version)
    {
        final Snapshot s = cache.newSnapshot();
        try
        {
            return s.open(id, epoch, version);
        }
        finally
        {
            s.dispose();
        }
    }

    // ------------------------------------------------------------------ split rules

    /**
     * README ("SKIPPED ... a split of a region being evicted"): a split of an ACTIVE region evicted while pinned
     * (PENDING_EVICT) and of a LOADING region whose canceled load still runs is SKIPPED, with its reason, and splits
     * nothing; once the record is gone the id is just not cached.
     */
    @Test
    void aSplitOfARegionBeingEvictedIsSkippedThenNotCached() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("p"), 5, b("p5"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10"))));
        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(1, 1, 10));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        final CommandResult skipped = expect(ResultCode.SKIPPED,
            cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        assertFalse(skipped.detail().isEmpty(), "the reason");
        assertNull(cache.stateOf(2), "nothing split");
        assertEquals(0, metric("splits"));
        assertArrayEquals(b("c10"), pinned.get(b("c")));
        pinned.dispose();
        cycleUntil("drained", () -> metric("regions.draining") == 0);
        expect(ResultCode.NOT_CACHED, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));

        expect(ResultCode.OK, cache.loadRegion(new Region(3, b("m"), b("z"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(3) == RegionState.LOADING);
        expect(ResultCode.OK, cache.evict(3, EvictReason.MANUAL));
        expect(ResultCode.SKIPPED, cache.split(3, 1, new byte[][] {b("p")}, new long[] {4}, 2));
        assertNull(cache.stateOf(4));
        loader.runAll();
        cycleUntil("the canceled load lets go", () -> metric("loads.canceled") == 1);
        expect(ResultCode.NOT_CACHED, cache.split(3, 1, new byte[][] {b("p")}, new long[] {4}, 2));
        assertEquals(0, metric("splits"));
        assertEquals(0, cache.memoryInUse());
    }

    /**
     * README ("split keys outside it" are INVALID on the apply thread before any state moves; "split keys empty,
     * unsorted or duplicated, one new id per key, new ids repeated or equal to the source's, a new epoch not above
     * the old" INVALID at the call): split keys exactly at the region's start or end, past it, unsorted, duplicated;
     * the region stays as it was. A key just above the start and several keys at once split as documented.
     */
    @Test
    void splitKeysAtTheRegionsEdgesUnsortedOrDuplicatedAreInvalidAndChangeNothing() throws Exception
    {
        start(config());
        final Region region = new Region(1, b("b"), b("m"), 1);
        expect(ResultCode.OK, cache.createRegion(region));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10")).put(b("k"), b("k10"))));
        expect(ResultCode.OK, cache.createRegion(new Region(5, b("p"), b("z"), 1)));
        final byte[][][] outside = {{b("b")}, {b("m")}, {b("a")}, {b("z")}, {b("c"), b("m")}};
        for (final byte[][] keys : outside)
        {
            final long[] ids = new long[keys.length];
            for (int i = 0; i < ids.length; i++)
            {
                ids[i] = 10 + i;
            }
            expect(ResultCode.INVALID, cache.split(1, 1, keys, ids, 2));
        }
        // Unsorted, duplicated, empty: refused at the call, whether or not the region is cached.
        for (final long id : new long[] {1, 77})
        {
            expect(ResultCode.INVALID, cache.split(id, 1, new byte[][] {b("h"), b("d")}, new long[] {10, 11}, 2));
            expect(ResultCode.INVALID, cache.split(id, 1, new byte[][] {b("d"), b("d")}, new long[] {10, 11}, 2));
            expect(ResultCode.INVALID, cache.split(id, 1, new byte[][] {new byte[0]}, new long[] {10}, 2));
            expect(ResultCode.INVALID, cache.split(id, 1, new byte[][] {b("d"), b("h")}, new long[] {10, 10}, 2));
            expect(ResultCode.INVALID, cache.split(id, 1, new byte[][] {b("d")}, new long[] {id}, 2));
            expect(ResultCode.INVALID, cache.split(id, 1, new byte[][] {b("d")}, new long[] {10}, 1));
            expect(ResultCode.INVALID, cache.split(id, 1, new byte[][] {b("d")}, new long[] {10, 11}, 2));
        }
        // A new id already in use (region 5), also as the second of two.
        expect(ResultCode.INVALID, cache.split(1, 1, new byte[][] {b("d"), b("h")}, new long[] {10, 5}, 2));
        // A split at a newer epoch with a key outside the region: INVALID before the drift eviction.
        expect(ResultCode.INVALID, cache.split(1, 2, new byte[][] {b("n")}, new long[] {10}, 3));
        assertEquals(region, cache.region(1), "unchanged");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertNull(cache.stateOf(10));
        assertNull(cache.stateOf(11));
        assertEquals(0, metric("splits"));
        assertEquals(0, metric("evictions.EPOCH_DRIFT"));
        assertArrayEquals(b("k10"), read(1, 1, 10, "k"));

        // Just above the start, and two keys at once: pieces [b, b\0) 10, [b\0, d) 11, [d, m) 1.
        final byte[] justAbove = {'b', 0};
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {justAbove, b("d")}, new long[] {10, 11}, 2));
        assertEquals(new Region(10, b("b"), justAbove, 2), cache.region(10));
        assertEquals(new Region(11, justAbove, b("d"), 2), cache.region(11));
        assertEquals(new Region(1, b("d"), b("m"), 2), cache.region(1));
        assertArrayEquals(b("c10"), read(11, 2, 10, "c"));
        assertArrayEquals(b("k10"), read(1, 2, 10, "k"));
        assertEquals(List.of(), keys(10, 2, 10));
        // An unbounded region splits anywhere above its start.
        expect(ResultCode.OK, cache.createRegion(new Region(20, b("zz"), new byte[0], 1)));
        expect(ResultCode.OK, cache.split(20, 1, new byte[][] {new byte[] {(byte)0xff}}, new long[] {21}, 2));
        assertEquals(new Region(20, new byte[] {(byte)0xff}, new byte[0], 2), cache.region(20));
        assertEquals(new Region(21, b("zz"), new byte[] {(byte)0xff}, 2), cache.region(21));
    }

    /**
     * README: "A split during loading moves the job to the children" and "Writes that arrive meanwhile are buffered
     * and replayed": a batch buffered on the parent before the split, spanning both halves, reaches each child, and
     * one child evicted before the load ends does not keep the other from its half.
     */
    @Test
    void writesBufferedOnTheParentBeforeASplitDuringLoadingReachEachChild() throws Exception
    {
        for (final boolean evictLeft : new boolean[] {false, true})
        {
            final HeldExecutor loader = new HeldExecutor();
            final InMemoryBackingStore store = new InMemoryBackingStore();
            store.put(b("c"), 5, b("c5"));
            store.put(b("k"), 5, b("k5"));
            start(config().backingStore(store).loaderExecutor(loader));
            expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
            cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 6).put(b("d"), b("d6")).put(b("h"), b("h6"))
                .delete(b("c"))));
            expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
            expect(ResultCode.OK, cache.write(new WriteBatch(1, 2, 7).put(b("k"), b("k7")).delete(b("h"))));
            expect(ResultCode.OK, cache.write(new WriteBatch(2, 2, 8).put(b("e"), b("e8"))));
            if (evictLeft)
            {
                expect(ResultCode.OK, cache.evict(2, EvictReason.MANUAL));
            }
            assertEquals(1, loader.runAll());
            cycleUntil("right child ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE);
            assertArrayEquals(b("h6"), read(1, 2, 6, "h"));
            assertNull(read(1, 2, 100, "h"));
            assertArrayEquals(b("k7"), read(1, 2, 100, "k"));
            assertArrayEquals(b("k5"), read(1, 2, 6, "k"));
            assertEquals(List.of("k"), keys(1, 2, 100));
            if (evictLeft)
            {
                assertNull(cache.stateOf(2));
            }
            else
            {
                assertEquals(RegionState.ACTIVE, cache.stateOf(2));
                assertNull(read(2, 2, 100, "c"));
                assertArrayEquals(b("c5"), read(2, 2, 5, "c"));
                assertArrayEquals(b("d6"), read(2, 2, 100, "d"));
                assertArrayEquals(b("e8"), read(2, 2, 100, "e"));
                assertEquals(List.of("d", "e"), keys(2, 2, 100));
            }
            cache.close();
            assertEquals(0, cache.memoryInUse());
            cache = null;
        }
    }

    /**
     * README: a write's or split's version rules follow the region through a split ("versions not above the last one
     * the region's stream delivered" are INVALID): each child starts from the parent's last version; and a LOADING
     * region refuses a version going backwards too, without disturbing the load.
     */
    @Test
    void versionsKeepRisingAcrossASplitAndWhileLoading() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("p"), 5, b("p5"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10"))));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(2, 2, 10).put(b("d"), b("d10"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 2, 9).put(b("h"), b("h9"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 2, 11).put(b("d"), b("d11"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 2, 11).put(b("h"), b("h11"))));

        expect(ResultCode.OK, cache.loadRegion(new Region(3, b("m"), b("z"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(3) == RegionState.LOADING);
        expect(ResultCode.OK, cache.write(new WriteBatch(3, 1, 7).put(b("q"), b("q7"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(3, 1, 7).put(b("q"), b("again"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(3, 1, 6).put(b("q"), b("older"))));
        loader.runAll();
        cycleUntil("ACTIVE", () -> cache.stateOf(3) == RegionState.ACTIVE);
        assertArrayEquals(b("q7"), read(3, 1, 100, "q"));
        assertArrayEquals(b("p5"), read(3, 1, 100, "p"));
    }

    // ------------------------------------------------------------------ snapshots pinned across splits/evictions

    /**
     * README: "Memory is only ever released when no region and no pinned snapshot can reach it" and "Snapshots taken
     * before the split keep reading the same table": a snapshot of the parent holds the shared table after both
     * children are evicted, reads every key, and the memory comes back only when it closes.
     */
    @Test
    void aSnapshotOfASplitParentHoldsTheSharedTableAfterBothChildrenAreEvicted() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final WriteBatch wb = new WriteBatch(1, 1, 10);
        for (char c = 'a'; c < 'm'; c++)
        {
            wb.put(b(c + "1"), b("v" + c));
        }
        expect(ResultCode.OK, cache.write(wb));
        final Snapshot parent = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, parent.open(1, 1, 10));
        final long memory = cache.memoryInUse();
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        expect(ResultCode.OK, cache.evict(2, EvictReason.MANUAL));
        expect(ResultCode.OK, cache.commitMerge(1, 2)); // 2 not cached any more: 1 evicted, OK
        assertNull(cache.stateOf(1));
        assertNull(cache.stateOf(2));
        cycles(3);
        assertEquals(memory, cache.memoryInUse(), "the parent's snapshot still reaches the table");
        assertEquals(12, parent.asNavigableMap().size());
        assertArrayEquals(b("va"), parent.get(b("a1")));
        assertArrayEquals(b("vl"), parent.get(b("l1")));
        assertEquals(SnapshotStatus.NOT_CACHED, open(1, 2, 10));
        parent.dispose();
        cycleUntil("released once unpinned", () -> cache.memoryInUse() == 0);
        assertEquals(0, metric("regions.draining"));
        assertEquals(2, metric("evict.count"), "both children's evictions timed, once each");
    }

    /**
     * README: "The unpin that leaves a PENDING_EVICT record with no pin moves it to EVICTING (one CAS, so exactly
     * once)": with two pins, the first close leaves it PENDING_EVICT; a second close of the same handle changes
     * nothing; the last pin's close makes the move, counted once; the eviction is timed once.
     */
    @Test
    void theLastUnpinOfAPendingEvictRecordMovesItToEvictingExactlyOnce() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        final Snapshot s1 = cache.newSnapshot();
        final Snapshot s2 = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s1.open(1, 1, 10));
        assertEquals(SnapshotStatus.OK, s2.open(1, 1, 10));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertEquals(1, metric("transitions.made.ACTIVE->PENDING_EVICT"));
        assertEquals(0, metric("transitions.made.ACTIVE->EVICTING"));
        s1.close();
        s1.close();
        cycles(2);
        assertEquals(0, metric("transitions.made.PENDING_EVICT->EVICTING"), "one pin left");
        assertTrue(cache.memoryInUse() > 0);
        assertArrayEquals(b("v"), s2.get(b("c")));
        s2.dispose();
        assertEquals(1, metric("transitions.made.PENDING_EVICT->EVICTING"), "the last unpin made the move");
        cycleUntil("gone", () -> cache.memoryInUse() == 0);
        assertEquals(1, metric("transitions.made.EVICTING->GONE"));
        assertEquals(1, metric("evict.count"));
        assertEquals(0, metric("transitions.refused"));
    }

    // ------------------------------------------------------------------ MVCC GC by compaction

    /**
     * README: "keeping only the newest version at or below the safe point": a version exactly at the safe point is
     * the one kept; a delete that is the newest at or below it leaves nothing visible (the older put does not come
     * back); versions above it are all kept.
     */
    @Test
    void compactionKeepsTheVersionAtTheSafePointAndADeleteThereHidesTheKeyForGood() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10")).put(b("d"), b("d10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).delete(b("c")).put(b("d"), b("d20"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 30).put(b("d"), b("d30")).delete(b("e"))
            .put(b("f"), b("f30"))));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 20));
        expect(ResultCode.OK, cache.compact(1));
        cycleUntil("compacted", () -> metric("compactions.finished") == 1);
        assertTrue(metric("gc.versions_dropped") >= 2, "c@10 and d@10 at least");
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(1, 1, 20));
        assertNull(read(1, 1, 21, "c"), "the delete at the safe point still hides c@10");
        assertArrayEquals(b("d20"), read(1, 1, 21, "d"));
        assertArrayEquals(b("d20"), read(1, 1, 29, "d"));
        assertArrayEquals(b("d30"), read(1, 1, 30, "d"));
        assertNull(read(1, 1, 30, "e"));
        assertNull(read(1, 1, 29, "f"));
        assertEquals(List.of("d"), keys(1, 1, 21));
        assertEquals(List.of("d", "f"), keys(1, 1, 100));
    }

    /**
     * README ("SKIPPED ... a compaction that cannot start"; "an unknown id is NOT_CACHED"): compact answers
     * NOT_CACHED for an unknown id, SKIPPED for a PENDING or LOADING region and for one already compacting.
     */
    @Test
    void compactAnswersInEveryState() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final HeldExecutor gc = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("p"), 5, b("p5"));
        start(config().backingStore(store).loaderExecutor(loader).gcExecutor(gc));
        expect(ResultCode.NOT_CACHED, cache.compact(99));
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(3, b("m"), b("z"), 1)));
        assertFalse(expect(ResultCode.SKIPPED, cache.compact(3)).detail().isEmpty(), "PENDING");
        cache.pauseLoads(false);
        cycleUntil("LOADING", () -> cache.stateOf(3) == RegionState.LOADING);
        assertFalse(expect(ResultCode.SKIPPED, cache.compact(3)).detail().isEmpty(), "LOADING");
        loader.runAll();
        cycleUntil("ACTIVE", () -> cache.stateOf(3) == RegionState.ACTIVE);
        expect(ResultCode.OK, cache.compact(3));
        assertFalse(expect(ResultCode.SKIPPED, cache.compact(3)).detail().isEmpty(), "already compacting");
        assertEquals(1, gc.held());
        gc.runAll();
        cycleUntil("compacted", () -> metric("compactions.finished") == 1);
        assertEquals(1, metric("compactions.started"));
        assertArrayEquals(b("p5"), read(3, 1, 100, "p"));
    }

    /**
     * README: "GC swaps whole records"; "Records are never reused": a compaction whose region was destroyed and
     * created again (same id, same epoch) while it ran is discarded: the new region keeps its own data, and every
     * byte comes back.
     */
    @Test
    void aCompactionOfARegionDestroyedAndCreatedAgainMeanwhileIsDiscarded() throws Exception
    {
        final HeldExecutor gc = new HeldExecutor();
        start(config().gcExecutor(gc));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("old10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("old20")).put(b("d"), b("old"))));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 25));
        expect(ResultCode.OK, cache.compact(1));
        expect(ResultCode.OK, cache.destroy(1));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 30).put(b("c"), b("new"))));
        gc.runAll();
        cycleUntil("the compaction comes back", () -> metric("results.SKIPPED") == 1);
        assertEquals(0, metric("compactions.finished"));
        assertArrayEquals(b("new"), read(1, 1, 100, "c"));
        assertNull(read(1, 1, 100, "d"), "nothing of the old record's table");
        assertEquals(List.of("c"), keys(1, 1, 100));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cycleUntil("every byte back", () -> cache.memoryInUse() == 0);
    }

    /**
     * README: "A load or a compaction stops, failing for memory, when usage passes the copy ceiling": a compaction
     * whose copy would pass the ceiling stops; the region keeps its table and every read, and the copy's memory
     * comes back.
     */
    @Test
    void aCompactionStopsAtTheCopyCeilingAndTheRegionKeepsItsTable() throws Exception
    {
        start(config().maxValueLength(64));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        for (int v = 1; v <= 2; v++)
        {
            final WriteBatch wb = new WriteBatch(1, 1, 10 * v);
            for (int i = 0; i < 4_000; i++)
            {
                wb.put(b("k" + (10_000 + i)), new byte[60]);
            }
            expect(ResultCode.OK, cache.write(wb));
        }
        final long used = cache.memoryInUse();
        // Copy ceiling = evict + (cap - evict) / 2 = used + 32 KiB: far below what the copy needs.
        cache.updateMemoryLimits(used + (64 << 10), used, used);
        expect(ResultCode.OK, cache.advanceSafePoint(1, 15));
        expect(ResultCode.OK, cache.compact(1));
        cycleUntil("the compaction comes back", () -> metric("results.SKIPPED") >= 1);
        assertEquals(0, metric("compactions.finished"));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(used, cache.memoryInUse(), "the copy's memory came back");
        assertEquals(4_000, keys(1, 1, 100).size());
        assertEquals(60, read(1, 1, 100, "k13999").length);
        assertTrue(cache.memoryInUse() <= cache.config().capacityBytes());
    }

    // ------------------------------------------------------------------ safe points

    /**
     * README: "advanceSafePoint ... (ignored if lower)" for the engine-wide one, NOT_CACHED for an unknown id, and a
     * safe point set on a PENDING or LOADING region holds once it is ACTIVE.
     */
    @Test
    void safePointsOnUnknownLoadingAndPendingRegionsAndALowerGlobalOne() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("c5"));
        store.put(b("p"), 5, b("p5"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.NOT_CACHED, cache.advanceSafePoint(99, 5));
        expect(ResultCode.OK, cache.createRegion(new Region(9, b("x"), b("y"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(9, 1, 50).put(b("x1"), b("v"))));
        expect(ResultCode.OK, cache.advanceSafePoint(10));
        expect(ResultCode.OK, cache.advanceSafePoint(4));
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(9, 1, 10), "a lower global safe point is ignored");
        assertEquals(SnapshotStatus.OK, open(9, 1, 11));

        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 12));
        expect(ResultCode.OK, cache.loadRegion(new Region(2, b("m"), b("w"), 1)));
        cache.pauseLoads(false);
        cycleUntil("LOADING", () -> cache.stateOf(2) == RegionState.LOADING && cache.stateOf(1) == RegionState.LOADING);
        expect(ResultCode.OK, cache.advanceSafePoint(2, 14));
        loader.runAll();
        cycleUntil("ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE && cache.stateOf(2) == RegionState.ACTIVE);
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(1, 1, 12));
        assertEquals(SnapshotStatus.OK, open(1, 1, 13));
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(2, 1, 14));
        assertEquals(SnapshotStatus.OK, open(2, 1, 15));
        assertArrayEquals(b("p5"), read(2, 1, 15, "p"));
    }

    // ------------------------------------------------------------------ epochs

    /**
     * README (#17405): "a split or write at a newer epoch on a non-PENDING region is EPOCH_DRIFT: evicted, counted":
     * a snapshot pinned before the drift keeps reading, the old epoch then answers NOT_CACHED, and the memory comes
     * back when the snapshot closes; a write at the newer epoch whose key is outside the region is INVALID, nothing
     * evicted.
     */
    @Test
    void epochDriftUnderAPinnedSnapshotAndAnInvalidWriteAtANewerEpoch() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 2, 11).put(b("q"), b("v"))));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(0, metric("evictions.EPOCH_DRIFT"));
        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(1, 1, 10));
        expect(ResultCode.EPOCH_DRIFT, cache.write(new WriteBatch(1, 2, 11).put(b("d"), b("v"))));
        assertNull(cache.stateOf(1));
        assertEquals(1, metric("evictions.EPOCH_DRIFT"));
        assertEquals(1, metric("conflicts"));
        assertArrayEquals(b("c10"), pinned.get(b("c")));
        assertNull(pinned.get(b("d")));
        assertEquals(SnapshotStatus.NOT_CACHED, open(1, 1, 10));
        assertTrue(cache.memoryInUse() > 0);
        pinned.dispose();
        cycleUntil("released", () -> cache.memoryInUse() == 0);
        expect(ResultCode.NOT_CACHED, cache.write(new WriteBatch(1, 2, 12).put(b("d"), b("v"))));
        assertEquals(1, metric("evictions.EPOCH_DRIFT"), "counted once");
    }

    // ------------------------------------------------------------------ ranges

    /**
     * README: deleteRange / ingest / evictRange evict "every overlapping region", [start, end) with an empty end for
     * +infinity (and an empty start for -infinity): a range ending exactly at a region's start, or starting at its
     * end, does not touch it; an unbounded region is hit by any range above its start.
     */
    @Test
    void rangeEvictionsHitExactlyTheOverlappingRegions() throws Exception
    {
        start(config());
        final Region r1 = new Region(1, b("b"), b("g"), 1);
        final Region r2 = new Region(2, b("g"), b("m"), 1);
        final Region r3 = new Region(3, b("m"), new byte[0], 1);
        for (final Region r : new Region[] {r1, r2, r3})
        {
            expect(ResultCode.OK, cache.createRegion(r));
        }
        expect(ResultCode.NOT_CACHED, cache.deleteRange(b("a"), b("b")));
        expect(ResultCode.NOT_CACHED, cache.evictRange(new byte[0], b("b"), EvictReason.MANUAL));
        expect(ResultCode.OK, cache.deleteRange(new byte[0], b("g")));
        assertNull(cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        expect(ResultCode.OK, cache.createRegion(r1));
        expect(ResultCode.OK, cache.evictRange(b("l"), b("m"), EvictReason.MANUAL));
        assertNull(cache.stateOf(2));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(3));
        expect(ResultCode.OK, cache.createRegion(r2));
        expect(ResultCode.OK, cache.ingest(new byte[] {(byte)0xfe}, new byte[] {(byte)0xff}));
        assertNull(cache.stateOf(3), "an unbounded region overlaps a range far above its start");
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        expect(ResultCode.OK, cache.createRegion(r3));
        expect(ResultCode.OK, cache.evictRange(b("f"), new byte[0], EvictReason.MANUAL));
        assertNull(cache.stateOf(1));
        assertNull(cache.stateOf(2));
        assertNull(cache.stateOf(3));
        assertEquals(0, metric("regions.ACTIVE"));
    }

    // ------------------------------------------------------------------ loads and the budget

    /** A store holding {@code n} keys of 60-byte values in [a, m) at version 5. */
    private static InMemoryBackingStore storeWithKeys(final int n)
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < n; i++)
        {
            store.put(b("c" + (10_000 + i)), 5, new byte[60]);
        }
        return store;
    }

    /**
     * README: "after that the range is loaded only if its estimated size fits below the stop-load threshold ... The
     * estimate is the data it held when evicted"; "A PENDING region whose estimate no longer fits when its turn comes
     * waits (it holds no memory) instead of starting"; "A load the host asks to keep cached skips ... the estimate".
     */
    @Test
    void aPendingRegionWhoseEstimateNoLongerFitsWaitsAndAKeptCachedOneDoesNot() throws Exception
    {
        start(config().backingStore(storeWithKeys(2_000)));
        final Region region = new Region(1, b("a"), b("m"), 1);
        expect(ResultCode.OK, cache.loadRegion(region));
        cycleUntil("ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE);
        final long loaded = cache.memoryInUse();
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 1, 10).put(b("n"), b("v"))));
        final long used = cache.memoryInUse();
        assertTrue(used > 0 && used < loaded / 4, () -> "used " + used + ", loaded " + loaded);

        // At the call: refused for its estimate (SKIPPED, with the reason), nothing cached.
        cache.updateMemoryLimits(64L << 20, used + loaded / 4, used + loaded / 8);
        final CommandResult refused = expect(ResultCode.SKIPPED, cache.loadRegion(region));
        assertTrue(refused.detail().contains("estimate"), refused.detail());
        assertNull(cache.stateOf(1));
        // Queued while it fits, then the limits shrink before its turn: it waits, PENDING, holding nothing.
        cache.updateMemoryLimits(64L << 20, 48L << 20, 32L << 20);
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(region));
        assertEquals(RegionState.PENDING, cache.stateOf(1));
        cache.updateMemoryLimits(64L << 20, used + loaded / 4, used + loaded / 8);
        cache.pauseLoads(false);
        cycles(20);
        assertEquals(RegionState.PENDING, cache.stateOf(1), "waits: its estimate does not fit");
        assertEquals(used, cache.memoryInUse(), "a waiting PENDING region holds no memory");
        assertEquals(1, metric("loads.started"));
        cache.updateMemoryLimits(64L << 20, 48L << 20, 32L << 20);
        cycleUntil("loads once it fits", () -> cache.stateOf(1) == RegionState.ACTIVE);
        assertEquals(2_000, keys(1, 1, 100).size());

        // Kept cached: the estimate does not hold it back (the stop-load threshold itself is not reached).
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cycleUntil("evicted", () -> cache.memoryInUse() == used);
        cache.updateMemoryLimits(64L << 20, used + loaded / 4, used + loaded / 8);
        expect(ResultCode.SKIPPED, cache.loadRegion(region));
        expect(ResultCode.OK, cache.loadRegionKeepCached(region));
        cycleUntil("a kept-cached load starts despite its estimate", () -> cache.stateOf(1) != RegionState.PENDING);
    }

    /** README: "at or above stopLoadThreshold no new load starts": one byte below it a load is accepted and runs. */
    @Test
    void oneByteBelowTheStopLoadThresholdALoadStarts() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("p"), 5, b("p5"));
        start(config().backingStore(store));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        final long used = cache.memoryInUse();
        cache.updateMemoryLimits(64L << 20, used + 1, used + 1);
        expect(ResultCode.OK, cache.loadRegion(new Region(2, b("m"), b("z"), 1)));
        cycleUntil("ACTIVE", () -> cache.stateOf(2) == RegionState.ACTIVE);
        assertArrayEquals(b("p5"), read(2, 1, 100, "p"));
    }

    /**
     * README (#18101): "setEnabled(false) evicts every region (DISABLED) and refuses loads": a PENDING and a LOADING
     * region too (the load is canceled); then creations and loads are SKIPPED, writes, splits and compactions
     * NOT_CACHED, snapshots NOT_CACHED; every byte comes back.
     */
    @Test
    void disablingEvictsPendingAndLoadingRegionsToo() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("c5"));
        store.put(b("p"), 5, b("p5"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("g"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(2, b("g"), b("m"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(3, b("m"), b("z"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(3, 1, 10).put(b("p"), b("p10"))));
        final CommandResult off = expect(ResultCode.OK, cache.setEnabled(false));
        assertTrue(off.detail().contains("3"), off.detail());
        assertEquals(3, metric("evictions.DISABLED"));
        for (final long id : new long[] {1, 2, 3})
        {
            assertNull(cache.stateOf(id));
            assertEquals(SnapshotStatus.NOT_CACHED, open(id, 1, 100));
        }
        expect(ResultCode.SKIPPED, cache.createRegion(new Region(3, b("m"), b("z"), 1)));
        expect(ResultCode.SKIPPED, cache.loadRegion(new Region(2, b("g"), b("m"), 1)));
        expect(ResultCode.SKIPPED, cache.loadRegionKeepCached(new Region(2, b("g"), b("m"), 1)));
        expect(ResultCode.NOT_CACHED, cache.write(new WriteBatch(3, 1, 11).put(b("p"), b("p11"))));
        expect(ResultCode.NOT_CACHED, cache.split(2, 1, new byte[][] {b("h")}, new long[] {4}, 2));
        expect(ResultCode.NOT_CACHED, cache.compact(3));
        cache.pauseLoads(false);
        loader.runAll();
        cycleUntil("the canceled load lets go", () -> metric("evict.count") == 3);
        assertEquals(1, metric("loads.canceled"));
        assertEquals(0, cache.memoryInUse());
        expect(ResultCode.OK, cache.setEnabled(true));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("g"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        loader.runAll();
        cycleUntil("ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE);
        assertArrayEquals(b("c5"), read(1, 1, 100, "c"));
    }

    /**
     * README: "It never evicts ... a kept-cached one": the flag survives a compaction (a successor record) and a
     * split (the children), so the policy, evicting with every threshold at zero, leaves them all and takes only the
     * region that was never kept.
     */
    @Test
    void keptCachedSurvivesACompactionAndASplit() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(0);
        start(config().policyIntervalMillis(1_000).minResidencyMillis(0).maxEvictFractionPerRound(1.0)
            .nanoClock(clock));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10")).put(b("k"), b("k10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("c20"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 1, 10).put(b("p"), b("p10"))));
        expect(ResultCode.OK, cache.setKeepCached(1, true));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 25));
        expect(ResultCode.OK, cache.compact(1));
        cycleUntil("compacted", () -> metric("compactions.finished") == 1);
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {3}, 2));
        cache.updateMemoryLimits(64L << 20, 1, 1);
        for (int i = 1; i <= 5; i++)
        {
            clock.update(TimeUnit.SECONDS.toNanos(2L * i));
            cycles(2);
        }
        assertNull(cache.stateOf(2), "the region never kept cached goes");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1), "kept cached after compaction and split");
        assertEquals(RegionState.ACTIVE, cache.stateOf(3), "kept cached after compaction and split");
        assertEquals(1, metric("evictions.POLICY"));
        assertArrayEquals(b("c20"), read(3, 2, 100, "c"));
    }

    // ------------------------------------------------------------------ close

    /**
     * README (Reliability): "Zero bytes in use after close (no snapshot left open past closeTimeoutMillis)": a load
     * still held by the host's loader when close() runs out of time, run after close, must not leave bytes counted.
     */
    @Test
    void zeroBytesAfterCloseWhenALoadWasStillQueuedAtClose() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        start(config().backingStore(storeWithKeys(500)).loaderExecutor(loader).closeTimeoutMillis(20));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        cache.close();
        assertNull(cache.stateOf(1));
        loader.runAll(); // the host's loader gets to it late
        assertEquals(0, cache.memoryInUse(), "bytes in use after close with no snapshot open");
    }

    /** The same for a compaction still held by the GC executor at close. */
    @Test
    void zeroBytesAfterCloseWhenACompactionWasStillQueuedAtClose() throws Exception
    {
        final HeldExecutor gc = new HeldExecutor();
        start(config().gcExecutor(gc).closeTimeoutMillis(20));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("c20"))));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 25));
        expect(ResultCode.OK, cache.compact(1));
        assertEquals(1, gc.held());
        cache.close();
        assertNull(cache.stateOf(1));
        assertEquals(0, cache.memoryInUse(), "bytes in use when close() returns, no snapshot open");
        gc.runAll(); // the host's GC thread gets to it late
        assertEquals(0, cache.memoryInUse(), "bytes in use after close with no snapshot open");
    }

    /**
     * README (close): "waits up to closeTimeoutMillis ... for open snapshots and running loads": a load that the
     * loader finishes within the timeout (here: at once, on the closing thread's executor) ends with zero bytes.
     */
    @Test
    void aLoadRunningAtCloseThatEndsInTimeLeavesZeroBytes() throws Exception
    {
        start(config().backingStore(storeWithKeys(500)).closeTimeoutMillis(2_000));
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 1, 10).put(b("p"), b("p10"))));
        final CompletableFuture<CommandResult> queued = cache.write(new WriteBatch(2, 1, 11).put(b("p"), b("p11")));
        cache.close();
        assertEquals(ResultCode.CLOSED, queued.get(10, TimeUnit.SECONDS).code());
        assertEquals(0, cache.memoryInUse());
        assertEquals(2, metric("evictions.SHUTDOWN"));
        assertFalse(cache.isEnabled());
        assertEquals(ResultCode.CLOSED,
            cache.write(new WriteBatch(2, 1, 12).put(b("p"), b("v"))).get(10, TimeUnit.SECONDS).code());
        assertEquals(SnapshotStatus.CLOSED, cache.newSnapshot().open(2, 1, 100));
        cache.close(); // twice: nothing more
        assertEquals(0, cache.memoryInUse());
    }

    // ------------------------------------------------------------------ limits at their bounds

    /**
     * README ("keys empty or over maxKeyLength, values over maxValueLength" are INVALID): at the bound accepted, one
     * past it refused, for batch keys and values, region bounds and split keys; nothing changes.
     */
    @Test
    void keyAndValueLimitsAtTheirBoundsAcrossCommands() throws Exception
    {
        start(config()); // maxKeyLength 16, maxValueLength 64
        final byte[] k16 = b("k123456789012345");
        final byte[] k17 = b("k1234567890123456");
        expect(ResultCode.INVALID, cache.createRegion(new Region(1, b("a"), k17, 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(k16, new byte[64])));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 11).put(k17, new byte[1])));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 11).put(b("c"), new byte[65])));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 11).delete(k17)));
        expect(ResultCode.INVALID, cache.split(1, 1, new byte[][] {k17}, new long[] {2}, 2));
        assertEquals(64, read(1, 1, 100, "k123456789012345").length);
        assertEquals(List.of("k123456789012345"), keys(1, 1, 100));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 11).put(b("c"), new byte[0])));
        assertEquals(0, read(1, 1, 100, "c").length, "an empty value is a value");
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {k16}, new long[] {2}, 2));
        assertEquals(new Region(1, k16, b("z"), 2), cache.region(1));
    }
}
