package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.cycle;
import static io.regioncache.blackbox15.B.cycles;
import static io.regioncache.blackbox15.B.metric;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** The result codes of "The engine alone", each provoked deterministically (INVOKER mode). */
class CommandResultsTest
{
    /**
     * README: "`SKIPPED` (with the reason: ... a split of a region being evicted ...)" and "once an eviction is
     * applied the region is out of the index, so a later open answers `NOT_CACHED`, even while snapshots opened
     * before it still pin its memory".
     */
    @Test
    void splitOfARegionBeingEvictedIsSkipped() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v")))).code());
            final Snapshot pin = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, pin.open(1, 1, 10));
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            final Snapshot later = cache.newSnapshot();
            assertEquals(SnapshotStatus.NOT_CACHED, later.open(1, 1, 10), "evicted: out of the index");
            assertEquals("v", new String(pin.get(b("c"))), "the pinned snapshot still reads");
            final CommandResult split = cycle(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
            assertEquals(ResultCode.SKIPPED, split.code(), split.toString());
            pin.close();
            cycles(cache, 3);
            assertEquals(ResultCode.NOT_CACHED,
                cycle(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code());
            later.dispose();
            pin.dispose();
        }
    }

    /**
     * README: "`STATE_CONFLICT`: the sender expected another state; decided on the real one, counted and logged" and
     * "`split` (several keys at once, optionally with the state the host expected)".
     */
    @Test
    void splitExpectingAnotherStateIsAConflictDecidedOnTheRealState() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            final long conflicts = metric(cache, "conflicts");
            final CommandResult r = cycle(cache, cache.split(1, 1, new byte[][] {b("g"), b("p")}, new long[] {2, 3},
                2, RegionState.PENDING));
            assertEquals(ResultCode.STATE_CONFLICT, r.code(), r.toString());
            assertEquals(conflicts + 1, metric(cache, "conflicts"));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(RegionState.ACTIVE, cache.stateOf(2));
            assertEquals(RegionState.ACTIVE, cache.stateOf(3));
            assertArrayEquals(b("a"), cache.region(2).start());
            assertArrayEquals(b("g"), cache.region(2).end());
            assertArrayEquals(b("g"), cache.region(3).start());
            assertArrayEquals(b("p"), cache.region(3).end());
            assertArrayEquals(b("p"), cache.region(1).start());
            assertEquals(2, cache.region(1).epochVersion());
        }
    }

    /**
     * README: "`QUEUE_FULL` (counted back-pressure)" and "A batch refused at the call (`INVALID`, `QUEUE_FULL`,
     * `CLOSED`) was never handed over and is not sealed: the host may change it and write it again."
     */
    @Test
    void queueFullIsCountedAndLeavesTheBatchOpen() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().commandQueueCapacity(2).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            CompletableFuture<CommandResult> full = null;
            for (int i = 0; i < 64 && full == null; i++)
            {
                final CompletableFuture<CommandResult> f = cache.setKeepCached(1, true);
                if (f.isDone() && f.getNow(null).code() == ResultCode.QUEUE_FULL)
                {
                    full = f;
                }
            }
            assertNotNull(full, "a two-slot queue never filled");
            final WriteBatch batch = new WriteBatch(1, 1, 1).put(b("b"), b("1"));
            final CompletableFuture<CommandResult> w = cache.write(batch);
            assertTrue(w.isDone(), "QUEUE_FULL is answered at the call");
            assertEquals(ResultCode.QUEUE_FULL, w.getNow(null).code());
            assertTrue(metric(cache, "queue.full") >= 2);
            assertTrue(metric(cache, "results.QUEUE_FULL") >= 2);
            batch.put(b("c"), b("2")); // not sealed
            cycles(cache, 3);
            assertEquals(ResultCode.OK, cycle(cache, cache.write(batch)).code());
            try (Snapshot s = cache.snapshot(1, 1, 5))
            {
                assertEquals("2", new String(s.get(b("c"))));
            }
        }
    }

    /**
     * README: "`setEnabled` (disable at run time: every region is evicted with `EvictReason.DISABLED`, loads and
     * creations answer `SKIPPED`, writes and snapshots `NOT_CACHED`; enable: the host and the load policy load
     * again)" and "`SKIPPED` (... `setEnabled` to the state the cache is in ...)".
     */
    @Test
    void disableAndEnable() throws Exception
    {
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(false)
                 .loaderExecutor(Runnable::run).build()))
        {
            assertEquals(ResultCode.SKIPPED, cycle(cache, cache.setEnabled(true)).code());
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            cycle(cache, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            assertEquals(ResultCode.OK, cycle(cache, cache.setEnabled(false)).code());
            assertFalse(cache.isEnabled());
            assertEquals(2, metric(cache, "evictions.DISABLED"));
            assertNull(cache.stateOf(1));
            assertEquals(ResultCode.SKIPPED, cycle(cache, cache.setEnabled(false)).code());
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.SKIPPED, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.loadRegionKeepCached(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.NOT_CACHED,
                cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")))).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 1, 1));
            assertEquals(ResultCode.OK, cycle(cache, cache.setEnabled(true)).code());
            assertTrue(cache.isEnabled());
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(2, b("m"), b("z"), 1))).code());
            s.dispose();
        }
    }

    /**
     * README: "`SKIPPED` (... a write to a PENDING region ... also a load of a region cached already (same id, range
     * and epoch version; the conf version is not compared ...)" and "`STALE_EPOCH` ... a create or load naming a
     * region id cached at a newer epoch too, before its range and id are checked" and "a snapshot at a stale epoch
     * answers `EPOCH_MISMATCH` whatever the region's state (a PENDING or LOADING region too)".
     */
    @Test
    void pendingRegionAnswers() throws Exception
    {
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(false)
                 .loaderExecutor(Runnable::run).build()))
        {
            cache.pauseLoads(true);
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("c"), b("m"), 5, 1))).code());
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.loadRegion(new Region(1, b("c"), b("m"), 5, 7))).code(), "conf version ignored");
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.write(new WriteBatch(1, 5, 1).put(b("d"), b("1")))).code());
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.write(new WriteBatch(1, 6, 2).put(b("d"), b("1")))).code(),
                "a write at a newer epoch to a PENDING region is skipped, not a drift");
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.LOADING, s.open(1, 5, 10));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 10));
            // stale create / load: STALE_EPOCH before the (overlapping, inverted) range is looked at
            assertEquals(ResultCode.STALE_EPOCH,
                cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 4))).code());
            assertEquals(ResultCode.STALE_EPOCH,
                cycle(cache, cache.loadRegion(new Region(1, b("a"), b("d"), 4))).code());
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            s.dispose();
        }
    }

    /**
     * README: "a write above it but at or below what a load copied is `SKIPPED`: the load has it" and "versions not
     * above the last one the region's stream delivered (going backwards or repeated ...)" are `INVALID`.
     */
    @Test
    void writesAtOrBelowTheLoadedVersion() throws Exception
    {
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(false)
                 .loaderExecutor(Runnable::run).build()))
        {
            store.applyBatch(new WriteBatch(1, 1, 5).put(b("c"), b("5")));
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
            {
                cache.applyCycle();
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.write(new WriteBatch(1, 1, 3).put(b("c"), b("3")))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.write(new WriteBatch(1, 1, 3).put(b("c"), b("3")))).code(), "repeated");
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.write(new WriteBatch(1, 1, 2).put(b("c"), b("2")))).code(), "backwards");
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.write(new WriteBatch(1, 1, 5).put(b("c"), b("x")))).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.write(new WriteBatch(1, 1, 6).put(b("c"), b("6")))).code());
            try (Snapshot s = cache.snapshot(1, 1, 5))
            {
                assertEquals("5", new String(s.get(b("c"))));
            }
            try (Snapshot s = cache.snapshot(1, 1, 6))
            {
                assertEquals("6", new String(s.get(b("c"))));
            }
        }
    }

    /**
     * README: "A load at a newer epoch that is refused for memory (`SKIPPED`) has evicted the stale record first
     * (`EPOCH_DRIFT`, counted as a conflict): nothing of the region stays cached."
     */
    @Test
    void loadAtNewerEpochRefusedForMemoryEvictsTheStaleRecord() throws Exception
    {
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(false)
                 .loaderExecutor(Runnable::run).stopLoadThresholdBytes(1).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v"))));
            assertTrue(cache.memoryInUse() >= 1, "some memory in use");
            final long conflicts = metric(cache, "conflicts");
            final CommandResult r = cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 2)));
            assertEquals(ResultCode.SKIPPED, r.code(), r.toString());
            assertNull(cache.stateOf(1), "nothing of the region stays cached");
            assertEquals(1, metric(cache, "evictions.EPOCH_DRIFT"));
            assertEquals(conflicts + 1, metric(cache, "conflicts"));
        }
    }

    /** README: "`MEMORY_LIMIT`: the write would have passed the hard cap; the region was evicted." */
    @Test
    void writePastTheHardCapEvictsItsRegion() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().capacityBytes(256 << 10).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            final WriteBatch big = new WriteBatch(1, 1, 1);
            final byte[] value = new byte[1000];
            for (int i = 0; i < 400; i++)
            {
                big.put(b(String.format("b%05d", i)), value);
            }
            final CommandResult r = cycle(cache, cache.write(big));
            assertEquals(ResultCode.MEMORY_LIMIT, r.code(), r.toString());
            assertNull(cache.stateOf(1));
            assertEquals(1, metric(cache, "evictions.MEMORY_LIMIT"));
            assertEquals(1, metric(cache, "results.MEMORY_LIMIT"));
        }
    }

    /**
     * README: "commitMerge" evicts; "Commands: ... `prepareMerge` / `commitMerge` / `rollbackMerge`, `deleteRange`,
     * `ingest`, `applySnapshot`, `destroy`, `evict`" and "`NOT_CACHED`: ... also the answer for an id the cache does
     * not know".
     */
    @Test
    void evictingCommandsAndUnknownIds() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("g"), 1)));
            cycle(cache, cache.createRegion(new Region(2, b("g"), b("m"), 1)));
            cycle(cache, cache.createRegion(new Region(3, b("m"), b("t"), 1)));
            cycle(cache, cache.createRegion(new Region(4, b("t"), new byte[0], 1)));
            assertEquals(ResultCode.NOT_CACHED, cycle(cache, cache.prepareMerge(99)).code());
            assertEquals(ResultCode.NOT_CACHED, cycle(cache, cache.destroy(99)).code());
            assertEquals(ResultCode.NOT_CACHED, cycle(cache, cache.compact(99)).code());
            assertEquals(ResultCode.NOT_CACHED, cycle(cache, cache.setKeepCached(99, true)).code());
            assertEquals(ResultCode.NOT_CACHED, cycle(cache, cache.advanceSafePoint(99, 5)).code());
            assertEquals(ResultCode.NOT_CACHED,
                cycle(cache, cache.write(new WriteBatch(99, 1, 1).put(b("a"), b("1")))).code());
            assertEquals(ResultCode.NOT_CACHED,
                cycle(cache, cache.split(99, 1, new byte[][] {b("b")}, new long[] {100}, 2)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.commitMerge(1, 2)).code());
            assertNull(cache.stateOf(1));
            assertNull(cache.stateOf(2));
            assertEquals(2, metric(cache, "evictions.MERGE"));
            assertEquals(ResultCode.OK, cycle(cache, cache.ingest(b("n"), b("o"))).code());
            assertNull(cache.stateOf(3));
            assertEquals(1, metric(cache, "evictions.INGEST"));
            assertEquals(ResultCode.OK, cycle(cache, cache.deleteRange(b("u"), new byte[0], 9)).code());
            assertNull(cache.stateOf(4));
            assertEquals(1, metric(cache, "evictions.DELETE_RANGE"));
        }
    }
}
