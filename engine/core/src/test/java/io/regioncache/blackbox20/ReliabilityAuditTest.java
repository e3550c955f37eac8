package io.regioncache.blackbox20;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.regioncache.blackbox17.B;
import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** README "## Reliability": black-box checks through the public API only. */
class ReliabilityAuditTest
{
    private static long counted(final RegionCache cache)
    {
        long n = 0;
        for (final Map.Entry<String, Number> e : cache.metrics().values().entrySet())
        {
            if (e.getKey().startsWith("evictions."))
            {
                n += e.getValue().longValue();
            }
        }
        return n;
    }

    private static long timed(final RegionCache cache)
    {
        return metric(cache, "evict.count");
    }

    private static InMemoryBackingStore store()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        store.put(b("p"), 5, b("y"));
        return store;
    }

    /**
     * README: "queued commands complete `CLOSED` at close" / "one queued command of every kind completes `CLOSED` by
     * the time `close()` returns, on the invoker".
     */
    @Test
    void queuedCommandsOfEveryKindCompleteClosedByCloseOnTheInvoker() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).build());
        cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final List<CompletableFuture<CommandResult>> queued = new ArrayList<>(List.of(
            cache.write(new WriteBatch(1, 1, 10).put(b("b"), b("1"))),
            cache.createRegion(new Region(2, b("m"), b("z"), 1)),
            cache.loadRegion(new Region(3, b("0"), b("1"), 1)),
            cache.loadRegionKeepCached(new Region(4, b("1"), b("2"), 1)),
            cache.split(1, 1, new byte[][] {b("g")}, new long[] {5}, 2),
            cache.prepareMerge(1), cache.commitMerge(1, 2), cache.rollbackMerge(1),
            cache.deleteRange(b("a"), b("b")), cache.deleteRange(b("a"), b("b"), 11), cache.ingest(b("a"), b("b")),
            cache.evictRange(new byte[0], new byte[0], EvictReason.MANUAL),
            cache.applySnapshot(1), cache.destroy(1), cache.evict(1, EvictReason.MANUAL),
            cache.advanceSafePoint(3), cache.advanceSafePoint(1, 3), cache.setKeepCached(1, true),
            cache.compact(1), cache.setEnabled(false), cache.setEnabled(true)));
        for (final CompletableFuture<CommandResult> f : queued)
        {
            assertTrue(!f.isDone(), "queued, not answered before a cycle");
        }
        cache.close();
        for (int i = 0; i < queued.size(); i++)
        {
            final CompletableFuture<CommandResult> f = queued.get(i);
            assertTrue(f.isDone(), "command " + i + " answered by the time close() returns");
            assertEquals(ResultCode.CLOSED, f.getNow(null).code(), "command " + i + ": " + f.getNow(null));
        }
        assertEquals(0, cache.memoryInUse());
    }

    /**
     * README: "Evictions are accounted from every state ... counted when asked, timed when the record reaches GONE
     * (PENDING at once ...)".
     */
    @Test
    void aPendingEvictionIsCountedAndTimedAtOnce() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).build()))
        {
            cache.pauseLoads(true);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(1, metric(cache, "evictions.MANUAL"));
            assertEquals(1, timed(cache), "PENDING: timed at once");
            assertEquals(null, cache.stateOf(1));
        }
    }

    /** README: "timed when the record reaches GONE (... LOADING when the load lets go ...)". */
    @Test
    void aLoadingEvictionIsCountedAtTheRequestAndTimedWhenTheLoadLetsGo() throws Exception
    {
        final B.Held loader = new B.Held();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).loaderExecutor(loader).build()))
        {
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            until(cache, "loading", () -> cache.stateOf(1) == RegionState.LOADING);
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            assertEquals(1, counted(cache), "counted at the request");
            assertEquals(0, timed(cache), "not timed while the load holds the record");
            loader.runAll();
            until(cache, "timed once the load lets go", () -> timed(cache) == 1);
            assertEquals(1, counted(cache));
            cache.close();
            assertEquals(counted(cache), timed(cache));
            assertEquals(0, cache.memoryInUse());
        }
    }

    /** README: "timed when the record reaches GONE (... ACTIVE when pins drain ...)". */
    @Test
    void aPinnedActiveEvictionIsTimedWhenPinsDrain() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1"))));
            final Snapshot s = cache.snapshot(1, 1, 20);
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            assertEquals(1, counted(cache));
            B.until(cache, "a few cycles", () -> true);
            for (int i = 0; i < 5; i++)
            {
                cache.applyCycle();
            }
            assertEquals(0, timed(cache), "pinned: not yet GONE");
            assertArrayEquals(b("1"), s.get(b("c")), "a pinned reader still reads");
            s.close();
            until(cache, "timed when pins drain", () -> timed(cache) == 1);
            until(cache, "memory back", () -> cache.memoryInUse() == 0);
        }
    }

    /**
     * README: "each state's eviction counted at the request and timed when the record reaches GONE (PENDING,
     * LOADING, ACTIVE pinned, a failed load, `setEnabled(false)`, close)".
     */
    @Test
    void setEnabledFalseAndCloseTimeEveryCountedEviction() throws Exception
    {
        final B.Held loader = new B.Held();
        final RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).loaderExecutor(loader).build());
        cycle(cache, cache.createRegion(new Region(1, b("a"), b("c"), 1)));
        cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("b"), b("1"))));
        cycle(cache, cache.loadRegion(new Region(2, b("c"), b("m"), 1)));
        until(cache, "loading", () -> cache.stateOf(2) == RegionState.LOADING);
        assertEquals(ResultCode.OK, cycle(cache, cache.setEnabled(false)).code());
        assertEquals(2, counted(cache));
        loader.runAll();
        until(cache, "every eviction timed", () -> timed(cache) == 2);
        assertEquals(ResultCode.OK, cycle(cache, cache.setEnabled(true)).code());
        cycle(cache, cache.createRegion(new Region(3, b("a"), b("c"), 1)));
        cache.pauseLoads(true);
        cycle(cache, cache.loadRegion(new Region(4, b("m"), b("z"), 1)));
        final Snapshot s = cache.snapshot(3, 1, 5);
        s.close();
        cache.close();
        assertEquals(4, counted(cache));
        assertEquals(counted(cache), timed(cache), "after close, timed evictions = counted evictions");
        assertEquals(0, cache.memoryInUse());
    }

    /**
     * README: "`close()` ... cancels at once every load no loader thread has started ... a canceled load never
     * starts, and its region's eviction is timed then".
     */
    @Test
    void closeCancelsAHeldLoadAndTimesItsEviction() throws Exception
    {
        final B.Held loader = new B.Held();
        final RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).loaderExecutor(loader)
            .closeTimeoutMillis(60_000).build());
        cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
        until(cache, "loading", () -> cache.stateOf(1) == RegionState.LOADING);
        final long t0 = System.nanoTime();
        cache.close();
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 50_000, "did not wait the timeout");
        assertEquals(1, metric(cache, "loads.canceled"));
        assertEquals(1, counted(cache));
        assertEquals(1, timed(cache));
        assertEquals(0, cache.memoryInUse());
        loader.runAll(); // the canceled job never starts
        assertEquals(0, metric(cache, "loads.finished"));
        assertEquals(0, cache.memoryInUse());
    }

    /**
     * README: "A region's safe point survives eviction and reload ... kept per region while above the global one";
     * "reads at the safe point just after a reload answer `TOO_OLD_READ`".
     */
    @Test
    void aRegionSafePointSurvivesEvictionAndReload() throws Exception
    {
        final InMemoryBackingStore store = store();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).build()))
        {
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            until(cache, "active", () -> cache.stateOf(1) == RegionState.ACTIVE);
            cycle(cache, cache.advanceSafePoint(3));
            assertEquals(ResultCode.OK, cycle(cache, cache.advanceSafePoint(1, 50)).code());
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            until(cache, "gone", () -> cache.stateOf(1) == null);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            until(cache, "active again", () -> cache.stateOf(1) == RegionState.ACTIVE);
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 50));
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 10));
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 51));
            assertArrayEquals(b("x"), s.get(b("c")));
            s.close();
        }
    }

    /**
     * README: "A stale epoch answers `EPOCH_MISMATCH` in every state ... epoch checked before state" (PENDING,
     * LOADING, ACTIVE, pinned; a stale and a future epoch).
     */
    @Test
    void aStaleOrFutureEpochAnswersEpochMismatchInEveryState() throws Exception
    {
        final B.Held loader = new B.Held();
        final B.Held gc = new B.Held();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).loaderExecutor(loader)
            .gcExecutor(gc).build()))
        {
            final Snapshot s = cache.newSnapshot();
            cache.pauseLoads(true);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 5)));
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            assertEquals(SnapshotStatus.LOADING, s.open(1, 5, 100));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 100), "PENDING, stale");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 6, 100), "PENDING, future");
            cache.pauseLoads(false);
            until(cache, "loading", () -> cache.stateOf(1) == RegionState.LOADING);
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 100), "LOADING, stale");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 6, 100), "LOADING, future");
            loader.runAll();
            until(cache, "active", () -> cache.stateOf(1) == RegionState.ACTIVE);
            cycle(cache, cache.advanceSafePoint(1, 50));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 100), "ACTIVE, stale");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 6, 100), "ACTIVE, future");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 10), "epoch before the safe point");
            final Snapshot pin = cache.snapshot(1, 5, 100);
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 100), "ACTIVE pinned, stale");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 6, 100), "ACTIVE pinned, future");
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 100), "compacting, stale");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 6, 100), "compacting, future");
            gc.runAll();
            until(cache, "compaction swapped", () -> metric(cache, "compactions.finished") == 1);
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 100), "after the swap, stale");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 6, 100), "after the swap, future");
            assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
            pin.close();
            s.dispose();
        }
    }

    /**
     * README: "after splits of PENDING and LOADING regions" a stale epoch answers `EPOCH_MISMATCH` ("a retired
     * record is answered first and retried through the index").
     */
    @Test
    void afterASplitOfAPendingRegionTheOldEpochIsEpochMismatch() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store()).build()))
        {
            cache.pauseLoads(true);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 1, 100));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(2, 1, 100));
            assertEquals(SnapshotStatus.LOADING, s.open(1, 2, 100));
            cache.pauseLoads(false);
            until(cache, "both active", () ->
                cache.stateOf(1) == RegionState.ACTIVE && cache.stateOf(2) == RegionState.ACTIVE);
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 1, 100));
            assertEquals(SnapshotStatus.OK, s.open(2, 2, 100));
            assertArrayEquals(b("x"), s.get(b("c")));
            s.close();
        }
    }

    /**
     * README: "refused `QUEUE_FULL` or `CLOSED` at the call it stays open too (it was never queued), one handed over
     * stays sealed (also when refused on the apply thread or completed `CLOSED` at close)".
     */
    @Test
    void refusedAtTheCallStaysOpenHandedOverStaysSealed() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.invoker().commandQueueCapacity(2).build());
        cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        final WriteBatch refusedOnApply = new WriteBatch(9, 1, 10).put(b("b"), b("1"));
        assertEquals(ResultCode.NOT_CACHED, cycle(cache, cache.write(refusedOnApply)).code());
        assertThrows(IllegalStateException.class, () -> refusedOnApply.put(b("c"), b("2")));
        final WriteBatch q1 = new WriteBatch(1, 1, 10).put(b("b"), b("1"));
        final WriteBatch q2 = new WriteBatch(1, 1, 11).put(b("b"), b("1"));
        final CompletableFuture<CommandResult> f1 = cache.write(q1);
        final CompletableFuture<CommandResult> f2 = cache.write(q2);
        CompletableFuture<CommandResult> full = null;
        WriteBatch refused = null;
        for (int i = 0; i < 8 && full == null; i++)
        {
            final WriteBatch w = new WriteBatch(1, 1, 20 + i).put(b("b"), b("1"));
            final CompletableFuture<CommandResult> f = cache.write(w);
            if (f.isDone() && f.getNow(null).code() == ResultCode.QUEUE_FULL)
            {
                full = f;
                refused = w;
            }
        }
        assertTrue(full != null, "a full queue answers QUEUE_FULL at the call");
        final WriteBatch open = refused;
        assertDoesNotThrow(() -> open.put(b("c"), b("2")), "refused QUEUE_FULL: still open");
        assertThrows(IllegalStateException.class, () -> q1.put(b("c"), b("2")));
        cache.close();
        assertEquals(ResultCode.CLOSED, f2.getNow(null).code());
        assertTrue(f1.isDone());
        assertThrows(IllegalStateException.class, () -> q2.put(b("c"), b("2")), "completed CLOSED: sealed");
        final WriteBatch afterClose = new WriteBatch(1, 1, 50).put(b("b"), b("1"));
        assertEquals(ResultCode.CLOSED, cache.write(afterClose).getNow(null).code());
        assertDoesNotThrow(() -> afterClose.put(b("c"), b("2")), "refused CLOSED: still open");
    }

    /** README: "`loadBackoffMillis`, default 60 s"; "`closeTimeoutMillis` (default 5 s)". */
    @Test
    void defaults() throws Exception
    {
        final RegionCacheConfig c = RegionCacheConfig.builder().build();
        assertEquals(60_000, c.loadBackoffMillis());
        assertEquals(5_000, c.closeTimeoutMillis());
    }

    /**
     * README: "Zero bytes in use after close ... waits up to `closeTimeoutMillis` ... for open snapshots";
     * "a snapshot open when `close()` begins still reads, and once it closes within the timeout zero bytes are in use".
     */
    @Test
    void aSnapshotOpenAtCloseStillReadsAndZeroBytesAfter() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.invoker().threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .closeTimeoutMillis(60_000).build());
        cache.createRegion(new Region(1, b("a"), b("z"), 1)).get(10, TimeUnit.SECONDS);
        cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1"))).get(10, TimeUnit.SECONDS);
        final Snapshot s = cache.snapshot(1, 1, 20);
        final Thread closer = new Thread(cache::close);
        closer.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cache.isClosed() && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertArrayEquals(b("1"), s.get(b("c")), "still reads while close() waits");
        s.close();
        closer.join(30_000);
        assertTrue(!closer.isAlive(), "close() returned once the snapshot closed");
        assertEquals(0, cache.memoryInUse());
    }

    /**
     * README: "memory a snapshot ... pins after that is left to the GC, never freed under a reader, and stays
     * counted in `memoryInUse()`".
     */
    @Test
    void aSnapshotPastTheTimeoutKeepsReadingAndStaysCounted() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.invoker().closeTimeoutMillis(100).build());
        cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1"))));
        final Snapshot s = cache.snapshot(1, 1, 20);
        cache.close();
        assertTrue(cache.memoryInUse() > 0, "stays counted");
        assertArrayEquals(b("1"), s.get(b("c")), "never freed under a reader");
        s.close();
    }

    /**
     * README: "the tables of an evicted record whose pins have drained come back after the command that evicted it,
     * not once the apply thread has drained its batch of up to `commandDrainLimit` commands".
     */
    @Test
    void evictedMemoryComesBackAfterTheEvictingCommand() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1"))));
            assertTrue(cache.memoryInUse() > 0);
            final AtomicLong seen = new AtomicLong(-1);
            final CompletableFuture<CommandResult> evict = cache.evict(1, EvictReason.MANUAL);
            final CompletableFuture<CommandResult> next = cache.write(new WriteBatch(7, 1, 11).put(b("c"), b("1")));
            next.whenComplete((r, t) -> seen.set(cache.memoryInUse()));
            cache.applyCycle();
            assertTrue(evict.isDone() && next.isDone(), "both applied in one cycle");
            assertEquals(ResultCode.NOT_CACHED, next.getNow(null).code());
            assertEquals(0, seen.get(), "memory back before the next command of the same batch completes");
        }
    }

    /**
     * README: "a compaction no GC thread has started by then (a busy or held executor) is canceled and gives back the
     * tables it holds (... a canceled job never starts)"; "Zero bytes in use after close".
     */
    @Test
    void aHeldCompactionIsCanceledAtCloseAndNeverStarts() throws Exception
    {
        final B.Held gc = new B.Held();
        final RegionCache cache = RegionCache.create(B.invoker().gcExecutor(gc).closeTimeoutMillis(200).build());
        cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1"))));
        cycle(cache, cache.write(new WriteBatch(1, 1, 11).put(b("c"), b("2"))));
        cycle(cache, cache.advanceSafePoint(1, 20));
        assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
        cache.close();
        assertEquals(0, cache.memoryInUse(), "zero bytes in use after close");
        gc.runAll();
        assertEquals(0, metric(cache, "compactions.finished"), "a canceled job never starts");
        assertEquals(0, cache.memoryInUse());
        assertEquals(counted(cache), timed(cache));
    }
}
