package io.regioncache.blackbox17;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.MetricsSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;

/** README "Observability": results per code, apply.errors. */
class ResultsAndErrorsTest
{
    /**
     * README: "results per code of the commands the cache answered (the engine's own load and compaction completions
     * included; a HybridEngine answers two results without the cache, so they are not among them: INVALID for a
     * batch or delete-range its own check refuses before the store, and STORE_ERROR, counted in
     * HybridMetrics.storeWriteErrors())".
     */
    @Test
    void aHybridEnginesOwnInvalidAndStoreErrorAreNotAmongTheCachesResults() throws Exception
    {
        final B.FailingWrites store = new B.FailingWrites();
        try (HybridEngine engine = HybridEngine.create(store, B.invoker()))
        {
            final RegionCache cache = engine.cache();
            assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            final MetricsSnapshot before = cache.metrics();

            // Its own checks, before the store.
            assertEquals(ResultCode.INVALID, engine.await(engine.write(null)).code());
            assertEquals(ResultCode.INVALID,
                engine.await(engine.write(new WriteBatch(1, 1, 10).put(new byte[0], b("v")))).code());
            assertEquals(ResultCode.INVALID, engine.await(engine.deleteRange(b("m"), b("a"), 5)).code());
            assertEquals(ResultCode.INVALID, engine.await(engine.deleteRange(b("a"), b("m"), -1)).code());
            // The store refuses.
            store.failWrites = true;
            assertEquals(ResultCode.STORE_ERROR,
                engine.await(engine.write(new WriteBatch(1, 1, 11).put(b("c"), b("v")))).code());
            assertEquals(ResultCode.STORE_ERROR, engine.await(engine.deleteRange(b("x"), b("y"), 12)).code());
            store.failWrites = false;
            assertEquals(2, engine.metrics().storeWriteErrors());

            final MetricsSnapshot after = cache.metrics();
            assertEquals(before.get("results.INVALID"), after.get("results.INVALID"), "hybrid's own INVALIDs");
            assertEquals(before.get("results.STORE_ERROR"), after.get("results.STORE_ERROR"), "hybrid's STORE_ERRORs");
        }
    }

    /**
     * README: "results per code of the commands the cache answered (the engine's own load and compaction completions
     * included ...)": a compaction whose region was evicted meanwhile completes SKIPPED (abandoned), counted.
     */
    @Test
    void anAbandonedCompactionsCompletionIsCounted() throws Exception
    {
        final B.Held gc = new B.Held();
        try (RegionCache cache = RegionCache.create(B.invoker().gcExecutor(gc).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("1"))));
            cycle(cache, cache.write(new WriteBatch(1, 1, 11).put(b("c"), b("2"))));
            cycle(cache, cache.advanceSafePoint(1, 20));
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            final long skipped = metric(cache, "results.SKIPPED");
            final long ok = metric(cache, "results.OK");
            assertEquals(1, gc.runAll());
            until(cache, "the compaction's completion", () -> metric(cache, "results.SKIPPED") == skipped + 1);
            assertEquals(ok, metric(cache, "results.OK"));
            assertEquals(1, metric(cache, "compactions.started"));
            assertEquals(0, metric(cache, "compactions.finished"));
        }
    }

    /**
     * README: "results per code ... (the engine's own load ... completions included ...)": a load counts OK for its
     * request and OK for its completion; a load of a region cached already is SKIPPED, counted.
     */
    @Test
    void aLoadCountsItsRequestAndItsCompletion() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).build()))
        {
            final long ok = metric(cache, "results.OK");
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            until(cache, "loaded", () -> cache.stateOf(1) == RegionState.ACTIVE);
            cache.applyCycle();
            assertEquals(ok + 2, metric(cache, "results.OK"));
            assertEquals(ResultCode.SKIPPED,
                cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(1, metric(cache, "results.SKIPPED"));
            assertEquals(1, metric(cache, "loads.started"));
            assertEquals(1, metric(cache, "loads.finished"));
            assertEquals(1, metric(cache, "load.count"));
        }
    }

    /**
     * README "Observability": "apply.errors: what the apply thread caught and went on from (... host code on the
     * apply thread that threw ..., see \"The engine alone\")", which says: "A dependent stage's throw stays in its
     * own stage (that future completes exceptionally); a listener's or the idle strategy's is counted in
     * apply.errors". So a throwing dependent stage is not counted, and the engine goes on.
     */
    @Test
    void aThrowingDependentStageStaysInItsStage() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            final CompletableFuture<CommandResult> f = cache.createRegion(new Region(1, b("a"), b("z"), 1));
            final AtomicInteger ran = new AtomicInteger();
            final CompletableFuture<CommandResult> stage = f.whenComplete((r, t) ->
            {
                ran.incrementAndGet();
                throw new IllegalStateException("host callback fails");
            });
            assertEquals(ResultCode.OK, cycle(cache, f).code());
            assertEquals(1, ran.get());
            assertTrue(stage.isCompletedExceptionally());
            assertEquals(0, metric(cache, "apply.errors"));
            assertEquals(ResultCode.OK, cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v")))).code());
        }
    }

    /**
     * README: "apply.errors: ... host code on the apply thread that threw": an onLoadInstalled listener that throws is
     * counted; the region stays ACTIVE.
     */
    @Test
    void aThrowingLoadListenerIsCountedInApplyErrors() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).onLoadInstalled(id ->
        {
            throw new IllegalStateException("listener fails for " + id);
        }).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            until(cache, "loaded", () -> cache.stateOf(1) == RegionState.ACTIVE);
            cache.applyCycle();
            assertEquals(1, metric(cache, "apply.errors"));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        }
    }

    /**
     * README: "apply.errors: ... host code on the apply thread that threw": a loader executor that throws instead of
     * taking the job is counted; the load fails (loads.failed, evictions.LOAD_FAILED).
     */
    @Test
    void aThrowingLoaderExecutorIsCountedInApplyErrors() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).loaderExecutor(job ->
        {
            throw new IllegalStateException("executor refuses by throwing");
        }).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            until(cache, "the failed load is cleaned up", () -> cache.stateOf(1) == null);
            cache.applyCycle();
            assertEquals(1, metric(cache, "apply.errors"));
            assertEquals(1, metric(cache, "loads.failed"));
            assertEquals(1, metric(cache, "evictions.LOAD_FAILED"));
            assertTrue(metric(cache, "results.OK") >= 1);
        }
    }
}
