package io.regioncache;

import static io.regioncache.ObservabilityContractTest.b;
import static io.regioncache.ObservabilityContractTest.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.ObservabilityContractTest.HeldExecutor;
import io.regioncache.store.FailingStore;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README.md "## How it works" and "### TiKV's shipped bugs, impossible here by design": each statement of behaviour
 * a host can observe through the public API (states, result codes, snapshot statuses, what a split, a load, an
 * eviction, a compaction and the policy do, the config's defaults, the counters). Internal layout (state word bits,
 * pin cells, index entries) is not observable this way and is left to the unit, Lincheck and jcstress tests.
 * Engines run in {@code Threading.INVOKER} mode; loads and compactions that must stay in flight run on a
 * {@link HeldExecutor}.
 */
class HowItWorksContractTest
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
        for (int i = 0; i < 10_000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        return f.get(5, TimeUnit.SECONDS);
    }

    private CommandResult expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        final CommandResult r = await(f);
        assertEquals(code, r.code(), () -> "result: " + r);
        return r;
    }

    private void cycleUntil(final String what, final BooleanSupplier done)
    {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++)
        {
            cache.applyCycle();
        }
        assertTrue(done.getAsBoolean(), what);
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

    // ------------------------------------------------------------------ batches, split

    /**
     * "A write batch becomes visible whole: a snapshot reads at min(readVersion, last batch published at open)":
     * the effective read version is the last batch applied, and batches applied after the open stay invisible.
     */
    @Test
    void aSnapshotReadsTheBatchesAppliedWhenItOpened() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10")).put(b("d"), b("d10"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 1_000));
        assertEquals(10, s.readVersion(), "min(requested 1000, last batch 10)");
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("c20")).delete(b("d"))));
        assertArrayEquals(b("c10"), s.get(b("c")), "a batch applied after the open is invisible");
        assertArrayEquals(b("d10"), s.get(b("d")));
        s.close();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 1_000));
        assertEquals(20, s.readVersion());
        assertArrayEquals(b("c20"), s.get(b("c")));
        assertNull(s.get(b("d")));
        s.dispose();
    }

    /**
     * "Split is O(1). The children reference the parent's table ...; Snapshots taken before the split keep reading
     * the same table, and opening the old epoch returns EPOCH_MISMATCH."
     */
    @Test
    void splitSharesTheTableAndOldSnapshotsKeepReading() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final WriteBatch wb = new WriteBatch(1, 1, 10);
        for (char c = 'a'; c < 'm'; c++)
        {
            wb.put(b(c + "1"), b("v" + c));
        }
        expect(ResultCode.OK, cache.write(wb));
        final Snapshot before = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, before.open(1, 1, 10));
        final long memory = cache.memoryInUse();

        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        assertEquals(memory, cache.memoryInUse(), "the children share the parent's table: nothing copied");
        // The old snapshot still reads the whole old range, both sides of the split key.
        assertArrayEquals(b("vb"), before.get(b("b1")));
        assertArrayEquals(b("vk"), before.get(b("k1")));
        assertEquals(12, before.asNavigableMap().size());
        // The old epoch is refused; the children serve their halves at the new one.
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, cache.newSnapshot().open(1, 1, 10));
        assertEquals(new Region(2, b("a"), b("g"), 2), cache.region(2));
        assertEquals(new Region(1, b("g"), b("m"), 2), cache.region(1));
        assertArrayEquals(b("vb"), read(2, 2, 10, "b1"));
        assertArrayEquals(b("vk"), read(1, 2, 10, "k1"));
        // The retired parent drains once its last snapshot closes.
        cache.applyCycle();
        assertEquals(1, metric("regions.draining"));
        before.dispose();
        cycleUntil("the parent record drains", () -> metric("regions.draining") == 0);
        assertEquals(2, metric("regions.ACTIVE"));
    }

    // ------------------------------------------------------------------ loading

    /**
     * "Loading (load(region) → PENDING). The apply thread opens the store snapshot and moves the record to LOADING";
     * "Writes that arrive meanwhile are buffered and replayed before the CAS LOADING → ACTIVE."
     */
    @Test
    void aLoadGoesPendingLoadingActiveAndReplaysWritesMadeMeanwhile() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("c5"));
        store.put(b("d"), 5, b("d5"));
        start(config().backingStore(store).loaderExecutor(loader));
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        assertEquals(RegionState.PENDING, cache.stateOf(1));
        cache.pauseLoads(false);
        cycleUntil("LOADING once the store snapshot is open", () -> cache.stateOf(1) == RegionState.LOADING);
        // Written to the store after the load's snapshot, so the load cannot see them: buffered, then replayed.
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 6).put(b("e"), b("e6")).delete(b("c"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 7).put(b("d"), b("d7"))));
        assertEquals(SnapshotStatus.LOADING, cache.newSnapshot().open(1, 1, 100));
        assertEquals(1, loader.runAll());
        cycleUntil("ACTIVE once installed", () -> cache.stateOf(1) == RegionState.ACTIVE);
        assertNull(read(1, 1, 100, "c"));
        assertArrayEquals(b("d7"), read(1, 1, 100, "d"));
        assertArrayEquals(b("e6"), read(1, 1, 100, "e"));
        assertArrayEquals(b("d5"), read(1, 1, 6, "d"), "the loaded version below the replayed one");
        assertEquals(1, metric("loads.finished"));
    }

    /** "A split during loading splits the job: each child becomes ACTIVE when it finishes." (TiKV #17403) */
    @Test
    void aSplitDuringLoadingSplitsTheJob() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("c5"));
        store.put(b("k"), 5, b("k5"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        assertEquals(RegionState.LOADING, cache.stateOf(2));
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 2, 6).put(b("d"), b("d6"))));
        loader.runAll();
        cycleUntil("both children ACTIVE",
            () -> cache.stateOf(1) == RegionState.ACTIVE && cache.stateOf(2) == RegionState.ACTIVE);
        assertArrayEquals(b("c5"), read(2, 2, 100, "c"));
        assertArrayEquals(b("d6"), read(2, 2, 100, "d"));
        assertArrayEquals(b("k5"), read(1, 2, 100, "k"));
        assertEquals(1, metric("loads.finished"));
    }

    /** "An eviction cancels the load (LOADING_CANCELED → EVICTING). A failure ends in EVICTING with its reason counted." */
    @Test
    void anEvictionCancelsALoadAndAFailureEndsEvictingWithItsReason() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore inner = new InMemoryBackingStore();
        inner.put(b("c"), 5, b("c5"));
        final FailingStore store = new FailingStore(inner);
        start(config().backingStore(store).loaderExecutor(loader));

        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertNull(cache.stateOf(1), "out of the cache at once");
        assertEquals(1, metric("transitions.made.LOADING->LOADING_CANCELED"));
        assertEquals(0, metric("evict.count"), "timed when the load lets go");
        loader.runAll();
        cycleUntil("the canceled load lets go", () -> metric("evict.count") == 1);
        assertEquals(1, metric("transitions.made.LOADING_CANCELED->EVICTING"));
        assertEquals(1, metric("loads.canceled"));
        assertEquals(0, metric("loads.failed"), "a cancellation is not a failure");

        store.failNextScan(new StoreException("injected"));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        loader.runAll();
        cycleUntil("the failed load is cleaned up", () -> metric("loads.failed") == 1);
        assertNull(cache.stateOf(1));
        assertEquals(1, metric("transitions.made.LOADING->EVICTING"));
        assertEquals(1, metric("evictions.LOAD_FAILED"));
        assertEquals(1, metric("results.STORE_ERROR"));
        assertEquals(0, cache.memoryInUse());

        // The range loads again afterwards.
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        loader.runAll();
        cycleUntil("ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE);
        assertArrayEquals(b("c5"), read(1, 1, 100, "c"));
    }

    // ------------------------------------------------------------------ memory

    /**
     * "The budget has TiKV's three thresholds": at or above stopLoadThreshold no new load starts (SKIPPED with the
     * reason, counted); "Memory is only ever released when no region and no pinned snapshot can reach it".
     */
    @Test
    void stopLoadThresholdRefusesLoadsAndPinnedMemoryStaysUntilUnpinned() throws Exception
    {
        start(config().backingStore(new InMemoryBackingStore()));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        final long used = cache.memoryInUse();
        assertTrue(used > 0);
        cache.updateMemoryLimits(64L << 20, used, used); // usage is now at the stop-load threshold
        final CommandResult refused = expect(ResultCode.SKIPPED, cache.loadRegion(new Region(2, b("m"), b("z"), 1)));
        assertTrue(refused.detail().contains("stop-load"), refused.detail());
        assertNull(cache.stateOf(2));
        assertEquals(1, metric("loads.refused"));
        assertTrue(expect(ResultCode.SKIPPED, cache.loadRegionKeepCached(new Region(2, b("m"), b("z"), 1))).detail()
            .contains("stop-load"), "a kept-cached load skips the back-off and the estimate, not the threshold");
        assertEquals(2, metric("loads.refused"));
        cache.updateMemoryLimits(64L << 20, 48L << 20, 32L << 20);
        expect(ResultCode.OK, cache.loadRegion(new Region(2, b("m"), b("z"), 1)));
        cycleUntil("region 2 loads", () -> cache.stateOf(2) == RegionState.ACTIVE);

        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(1, 1, 10));
        final long before = cache.memoryInUse();
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cache.applyCycle();
        assertEquals(before, cache.memoryInUse(), "a pinned snapshot keeps its table");
        assertArrayEquals(b("v"), pinned.get(b("c")));
        pinned.dispose();
        cycleUntil("memory released once unpinned", () -> cache.memoryInUse() < before);
        expect(ResultCode.OK, cache.evict(2, EvictReason.MANUAL));
        assertEquals(0, cache.memoryInUse(), "released memory is outside the budget's charge");
    }

    /** Documented defaults: entries inline on, huge pages off, the load back-off 60 s, thresholds by TiKV's rule. */
    @Test
    void documentedDefaults()
    {
        final RegionCacheConfig c = RegionCacheConfig.builder().build();
        assertTrue(c.inlineNewestVersions(), "inlineNewestVersions: on by default");
        assertFalse(c.hugePages(), "hugePages: off by default");
        assertEquals(60_000, c.loadBackoffMillis());
        final long cap = c.capacityBytes();
        final long evict = cap - Math.min(cap / 10, 200L << 20);
        assertEquals(evict, c.evictThresholdBytes());
        assertEquals(evict - Math.min(cap * 15 / 100, 2 * (96L << 20) + (200L << 20)), c.stopLoadThresholdBytes());
        assertTrue(c.stopLoadThresholdBytes() <= c.evictThresholdBytes() && c.evictThresholdBytes() < cap);
    }

    /** inlineNewestVersions(false) "keeps the 8-byte slots only": the same keys cost less memory, reads are the same. */
    @Test
    void slotsOnlyIndexHoldsTheSameDataInLessMemory() throws Exception
    {
        final long[] memory = new long[2];
        for (final boolean inline : new boolean[] {true, false})
        {
            start(config().inlineNewestVersions(inline));
            expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            final WriteBatch wb = new WriteBatch(1, 1, 10);
            for (int i = 0; i < 5_000; i++)
            {
                wb.put(b("k" + (10_000 + i)), b("v" + i));
            }
            expect(ResultCode.OK, cache.write(wb));
            memory[inline ? 0 : 1] = cache.memoryInUse();
            assertArrayEquals(b("v4321"), read(1, 1, 10, "k14321"));
            cache.close();
            cache = null;
        }
        assertTrue(memory[1] < memory[0], () -> "slots only " + memory[1] + " B, with entries " + memory[0] + " B");
    }

    // ------------------------------------------------------------------ MVCC GC by compaction

    /**
     * "Advancing the safe point lets ... compact(id) rebuild a region ..., keeping only the newest version at or
     * below the safe point. The apply thread replays the batches that landed meanwhile and swaps in a successor
     * record. Snapshots already open keep their table; reads at or below the safe point are refused."
     */
    @Test
    void compactionKeepsTheNewestAtTheSafePointReplaysAndSwaps() throws Exception
    {
        final HeldExecutor gc = new HeldExecutor();
        start(config().gcExecutor(gc));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("c20"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 30).put(b("c"), b("c30"))));
        final Snapshot old = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, old.open(1, 1, 15)); // opened below the coming safe point
        expect(ResultCode.OK, cache.advanceSafePoint(1, 25));
        assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(1, 1, 25), "at the safe point: refused");

        expect(ResultCode.OK, cache.compact(1));
        assertEquals(1, gc.held());
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 40).put(b("d"), b("d40")))); // lands meanwhile
        gc.runAll();
        cycleUntil("the successor is swapped in", () -> metric("compactions.finished") == 1);
        assertEquals(1, metric("gc.versions_dropped"), "c@10 is below c@20, the newest at or below 25");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertArrayEquals(b("c20"), read(1, 1, 26, "c"));
        assertArrayEquals(b("c30"), read(1, 1, 100, "c"));
        assertArrayEquals(b("d40"), read(1, 1, 100, "d"), "the batch that landed meanwhile was replayed");
        assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(1, 1, 20));
        // The snapshot opened before keeps its table: c@10 is still there for it.
        assertArrayEquals(b("c10"), old.get(b("c")));
        assertEquals(1, metric("regions.draining"), "the source waits for that snapshot");
        old.dispose();
        cycleUntil("the source drains", () -> metric("regions.draining") == 0);
    }

    /** TiKV #17667: "GC swaps whole records, and a compaction whose source was split is discarded". */
    @Test
    void aCompactionWhoseSourceWasSplitIsDiscarded() throws Exception
    {
        final HeldExecutor gc = new HeldExecutor();
        start(config().gcExecutor(gc));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10")).put(b("k"), b("k10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("c20")).put(b("k"), b("k20"))));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 25));
        expect(ResultCode.OK, cache.compact(1));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        gc.runAll();
        cycleUntil("the compaction comes back", () -> cache.metrics().get("compactions.started") == 1 &&
            cache.metrics().get("results.SKIPPED") == 1);
        assertEquals(0, metric("compactions.finished"), "discarded, not swapped");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertArrayEquals(b("c20"), read(2, 2, 30, "c"));
        assertArrayEquals(b("k20"), read(1, 2, 30, "k"));
        // "The same swap gives each child of a split its own table."
        final long shared = cache.memoryInUse();
        expect(ResultCode.OK, cache.compact(2));
        gc.runAll();
        cycleUntil("child 2 gets its own table", () -> metric("compactions.finished") == 1);
        assertTrue(cache.memoryInUse() > shared, "a table of its own beside the one region 1 still shares");
        assertArrayEquals(b("c20"), read(2, 2, 30, "c"));
        assertArrayEquals(b("k20"), read(1, 2, 30, "k"));
    }

    // ------------------------------------------------------------------ policies

    /**
     * "Eviction evicts only cold regions ... when usage passes the evict threshold. It never evicts ... a kept-cached
     * one, and caps each round": with every threshold at zero the policy evicts (POLICY, one region per round here)
     * every cold region, not the one being read nor the kept-cached one. The policy runs on the engine's clock: the
     * real one, 1 ms rounds.
     */
    @Test
    void thePolicyEvictsColdRegionsButNeverAKeptCachedOne() throws Exception
    {
        start(config().minResidencyMillis(0).policyIntervalMillis(1));
        for (int i = 0; i < 5; i++)
        {
            final String start = "" + (char)('a' + i);
            expect(ResultCode.OK, cache.createRegion(new Region(i + 1, b(start), b("" + (char)('b' + i)), 1)));
            expect(ResultCode.OK, cache.write(new WriteBatch(i + 1, 1, 10).put(b(start + "1"), b("v"))));
        }
        expect(ResultCode.OK, cache.setKeepCached(3, true));
        // Region 1 is read: hot, so not cold by the mean while the others are.
        final Snapshot reader = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, reader.open(1, 1, 10));
        for (int i = 0; i < 10_000; i++)
        {
            assertArrayEquals(b("v"), reader.get(b("a1")));
        }
        reader.dispose();
        cache.updateMemoryLimits(cache.config().capacityBytes(), 0, 0);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (metric("evictions.POLICY") < 3 && System.nanoTime() < deadline)
        {
            cache.applyCycle();
        }
        assertEquals(3, metric("evictions.POLICY"));
        assertEquals(RegionState.ACTIVE, cache.stateOf(3), "kept cached");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1), "hot: not cold by the moving average of reads");
        // More rounds still leave it alone.
        final long more = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        while (System.nanoTime() < more)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(3));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(3, metric("evictions.POLICY"));
        // Released to the policy, it goes too.
        expect(ResultCode.OK, cache.setKeepCached(3, false));
        final long last = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cache.stateOf(3) != null && System.nanoTime() < last)
        {
            cache.applyCycle();
        }
        assertNull(cache.stateOf(3), "region 3 evicted by the policy once released");
        assertEquals(4, metric("evictions.POLICY"));
    }

    // ------------------------------------------------------------------ TiKV's shipped bugs

    /**
     * TiKV #17405/#18008: "a split or write at a newer epoch on a non-PENDING region is EPOCH_DRIFT: evicted,
     * counted, logged once"; a PENDING region's epoch may lag, so there it is no drift.
     */
    @Test
    void newerEpochOnACachedRegionIsEpochDrift() throws Exception
    {
        start(config().backingStore(new InMemoryBackingStore()));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("g"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("g"), b("m"), 1)));
        expect(ResultCode.EPOCH_DRIFT, cache.split(1, 2, new byte[][] {b("c")}, new long[] {5}, 3));
        expect(ResultCode.EPOCH_DRIFT, cache.write(new WriteBatch(2, 2, 10).put(b("h"), b("v"))));
        assertNull(cache.stateOf(1));
        assertNull(cache.stateOf(2));
        assertNull(cache.stateOf(5), "nothing split");
        assertEquals(2, metric("evictions.EPOCH_DRIFT"));
        assertEquals(2, metric("conflicts"));

        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(3, b("p"), b("t"), 1)));
        expect(ResultCode.OK, cache.split(3, 2, new byte[][] {b("r")}, new long[] {4}, 3));
        assertEquals(RegionState.PENDING, cache.stateOf(3));
        assertEquals(RegionState.PENDING, cache.stateOf(4));
        assertEquals(2, metric("evictions.EPOCH_DRIFT"), "a PENDING region is not drifted");
    }

    /** TiKV #17548: "records are never reused; the old one drains on its own" while the id is cached again. */
    @Test
    void aRegionCreatedAgainWhileItsOldRecordDrainsIsANewRecord() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("old"))));
        final Snapshot old = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, old.open(1, 1, 10));
        expect(ResultCode.OK, cache.destroy(1));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 5).put(b("c"), b("new"))));
        assertArrayEquals(b("old"), old.get(b("c")), "the old record still serves its snapshot");
        assertArrayEquals(b("new"), read(1, 1, 10, "c"));
        cache.applyCycle();
        assertEquals(1, metric("regions.draining"));
        old.dispose();
        cycleUntil("the old record drains on its own", () -> metric("regions.draining") == 0);
        assertArrayEquals(b("new"), read(1, 1, 10, "c"));
    }

    /** TiKV #17645: two prepare-merges of one region: "each is a typed, idempotent eviction". */
    @Test
    void twoPrepareMergesAreTypedIdempotentEvictions() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final CompletableFuture<CommandResult> first = cache.prepareMerge(1);
        final CompletableFuture<CommandResult> second = cache.prepareMerge(1); // same duty cycle
        expect(ResultCode.OK, first);
        expect(ResultCode.NOT_CACHED, second);
        assertEquals(1, metric("evictions.MERGE"));
        expect(ResultCode.NOT_CACHED, cache.commitMerge(2, 1));
        expect(ResultCode.NOT_CACHED, cache.rollbackMerge(1));
        assertEquals(1, metric("evictions.MERGE"));
        assertEquals(0, metric("conflicts"));
    }

    // ------------------------------------------------------------------ probes of the second audit

    /**
     * "a split or write at a newer epoch on a non-PENDING region is EPOCH_DRIFT": LOADING is not PENDING, so a write
     * or a split at a newer epoch on a loading region evicts it (the load is canceled), counted once each.
     */
    @Test
    void newerEpochOnALoadingRegionIsEpochDrift() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("c5"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
        expect(ResultCode.EPOCH_DRIFT, cache.write(new WriteBatch(1, 2, 10).put(b("h"), b("v"))));
        assertNull(cache.stateOf(1));
        expect(ResultCode.OK, cache.loadRegion(new Region(2, b("m"), b("z"), 1)));
        cycleUntil("LOADING", () -> cache.stateOf(2) == RegionState.LOADING);
        expect(ResultCode.EPOCH_DRIFT, cache.split(2, 2, new byte[][] {b("p")}, new long[] {3}, 3));
        assertNull(cache.stateOf(2));
        assertNull(cache.stateOf(3), "nothing split");
        assertEquals(2, metric("evictions.EPOCH_DRIFT"));
        assertEquals(2, metric("conflicts"));
        assertEquals(2, metric("transitions.made.LOADING->LOADING_CANCELED"));
        loader.runAll();
        cycleUntil("both canceled loads let go", () -> metric("loads.canceled") == 2);
        assertEquals(0, metric("loads.finished"));
    }

    /**
     * "reads at or below the safe point are refused" (TOO_OLD_READ; above it they open), "Snapshots already open keep
     * their table", and Observability's "regions.draining: evicted or retired records still pinned": a compaction's
     * predecessor and a split parent, each pinned, are counted until the pin goes.
     */
    @Test
    void theSafePointRefusesReadsAtItAndRetiredPinnedRecordsCountAsDraining() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("c20"))));
        final Snapshot old = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, old.open(1, 1, 15));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 20));
        assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(1, 1, 20), "at the safe point");
        assertArrayEquals(b("c20"), read(1, 1, 21, "c"));
        expect(ResultCode.OK, cache.compact(1));
        cycleUntil("compacted, the pinned predecessor draining",
            () -> metric("compactions.finished") == 1 && metric("regions.draining") == 1);
        assertEquals(1, metric("regions.ACTIVE"));
        assertArrayEquals(b("c10"), old.get(b("c")), "the open snapshot keeps its table");
        old.dispose();
        cycleUntil("drained once unpinned", () -> metric("regions.draining") == 0);

        final Snapshot parent = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, parent.open(1, 1, 100));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        cache.applyCycle();
        assertEquals(1, metric("regions.draining"), "the pinned split parent");
        assertEquals(2, metric("regions.ACTIVE"));
        parent.dispose();
        cycleUntil("drained once unpinned", () -> metric("regions.draining") == 0);
    }

    /** Ten regions of 50 keys with 60-byte values, never read (cold), on the given clock; ids 1..10. */
    private void tenColdRegions(final CachedNanoClock clock, final double maxEvictFraction) throws Exception
    {
        clock.update(0);
        start(config().policyIntervalMillis(1_000).minResidencyMillis(0).maxEvictFractionPerRound(maxEvictFraction)
            .nanoClock(clock));
        for (int i = 0; i < 10; i++)
        {
            expect(ResultCode.OK, cache.createRegion(new Region(i + 1, b("r" + i), b("r" + i + "~"), 1)));
            final WriteBatch wb = new WriteBatch(i + 1, 1, 10);
            for (int k = 0; k < 50; k++)
            {
                wb.put(b("r" + i + "/" + k), new byte[60]);
            }
            expect(ResultCode.OK, cache.write(wb));
        }
    }

    private void at(final CachedNanoClock clock, final long millis)
    {
        clock.update(TimeUnit.MILLISECONDS.toNanos(millis));
        cache.applyCycle();
        cache.applyCycle();
    }

    /**
     * "While usage stays above the threshold, eviction-only rounds run every tenth of the policy interval", also
     * while a long snapshot pins a retired record: a split parent held by an open snapshot stopped them (only the
     * full rounds, a whole interval apart, evicted) until the snapshot closed.
     */
    @Test
    void evictionOnlyRoundsEveryTenthOfTheIntervalEvenWhileASnapshotPinsARetiredRecord() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        tenColdRegions(clock, 0.1); // one victim per round
        expect(ResultCode.OK, cache.createRegion(new Region(99, b("z"), b("zz"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(99, 1, 10).put(b("z1"), b("v"))));
        final Snapshot longScan = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, longScan.open(99, 1, 10));
        expect(ResultCode.OK, cache.split(99, 1, new byte[][] {b("z5")}, new long[] {98}, 2));
        cache.applyCycle();
        assertEquals(1, metric("regions.draining"), "the pinned split parent");
        cache.updateMemoryLimits(64L << 20, 1, 1);
        at(clock, 10_000);
        assertEquals(1, metric("evictions.POLICY"), "the full round");
        at(clock, 10_050);
        assertEquals(1, metric("evictions.POLICY"), "no round before a tenth of the interval");
        at(clock, 10_101);
        assertEquals(2, metric("evictions.POLICY"), "an eviction-only round a tenth of the interval later");
        at(clock, 10_202);
        assertEquals(3, metric("evictions.POLICY"));
        assertEquals(1, metric("regions.draining"), "the snapshot still pins the parent");
        longScan.dispose();
    }

    /**
     * "three quarters of the way from the threshold to the hard cap, the coldest regions go even if not cold by the
     * mean": two equally hot regions stay just above the evict threshold and one goes past the three-quarter mark.
     */
    @Test
    void threeQuartersOfTheWayToTheCapEvenHotRegionsGo() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(0);
        start(config().policyIntervalMillis(1_000).minResidencyMillis(0).maxEvictFractionPerRound(0.5).nanoClock(clock));
        for (int i = 0; i < 2; i++)
        {
            expect(ResultCode.OK, cache.createRegion(new Region(i + 1, b("r" + i), b("r" + i + "~"), 1)));
            expect(ResultCode.OK, cache.write(new WriteBatch(i + 1, 1, 10).put(b("r" + i + "/a"), b("v"))));
        }
        final long used = cache.memoryInUse();
        cache.updateMemoryLimits(used + 4_000, used - 1, used - 2); // above the threshold, far from the cap
        for (int round = 1; round <= 4; round++)
        {
            for (int i = 0; i < 2; i++)
            {
                assertEquals(100, readHot(i + 1), "both equally hot");
            }
            at(clock, 2_000L * round);
        }
        assertEquals(0, metric("evictions.POLICY"), "no region is cold by the mean");
        cache.updateMemoryLimits(used + 4, used - 100, used - 200); // past three quarters of the way to the cap
        readHot(1);
        readHot(2);
        at(clock, 20_000);
        assertEquals(1, metric("evictions.POLICY"), "the coldest goes, within the per-round cap");
    }

    private int readHot(final long id)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(id, 1, 10));
        int found = 0;
        for (int k = 0; k < 100; k++)
        {
            found += s.get(b("r" + (id - 1) + "/a")) != null ? 1 : 0;
        }
        s.dispose();
        return found;
    }

    /**
     * "Eviction evicts only cold regions, by a moving average of reads": reads through a snapshot's map view are
     * reads. A region scanned only through {@code asBytesMap()} counted no traffic (its cursors' steps were never
     * folded into the region's statistics), so the policy took it for cold and evicted it before a region nobody read.
     */
    @Test
    void readsThroughTheMapViewKeepARegionHot() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(0);
        start(config().policyIntervalMillis(1_000).minResidencyMillis(0).maxEvictFractionPerRound(0.5).nanoClock(clock));
        for (int i = 0; i < 2; i++)
        {
            expect(ResultCode.OK, cache.createRegion(new Region(i + 1, b("r" + i), b("r" + i + "~"), 1)));
            final WriteBatch wb = new WriteBatch(i + 1, 1, 10);
            for (int k = 0; k < 20; k++)
            {
                wb.put(b("r" + i + "/" + k), b("v"));
            }
            expect(ResultCode.OK, cache.write(wb));
        }
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        int seen = 0;
        for (int pass = 0; pass < 5; pass++)
        {
            seen += s.asBytesMap().size();
            for (final Bytes k : s.asBytesMap().keySet())
            {
                seen += k == null ? 0 : 1;
            }
        }
        s.close();
        assertEquals(200, seen);
        final RegionInfo scanned = cache.regions().stream().filter(i -> i.region().id() == 1).findFirst().orElseThrow();
        assertTrue(scanned.scanned() >= 100, () -> "the view's scans are counted: " + scanned);
        final long used = cache.memoryInUse();
        cache.updateMemoryLimits(used + (64 << 20), used - 1, used - 2); // above the threshold, far from the cap
        at(clock, 2_000);
        assertEquals(1, metric("evictions.POLICY"));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1), "the region read through the view stays");
        assertNull(cache.stateOf(2), "the region nobody read goes");
        s.dispose();
    }
}
