package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.cycle;
import static io.regioncache.blackbox15.B.cycles;
import static io.regioncache.blackbox15.B.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.regioncache.ApplyThreadHook;
import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * "Host code that runs on the apply thread" (README, "The engine alone"), in INVOKER mode so that every step is one
 * apply cycle of the test thread.
 */
class HostCodeOnApplyThreadTest
{
    private static InMemoryBackingStore storeWithOneKey()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.applyBatch(new WriteBatch(1, 1, 5).put(b("c"), b("v")));
        return store;
    }

    /**
     * README: "an executor that throws fails its job as a rejection would (`loads.failed` for a load), and anything
     * but a `RejectedExecutionException` is counted in `apply.errors` too."
     */
    @Test
    void loaderExecutorRejectingFailsTheLoadWithoutAnApplyError() throws Exception
    {
        try (InMemoryBackingStore store = storeWithOneKey();
             RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(false)
                 .loaderExecutor(job -> { throw new RejectedExecutionException("full"); }).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            cycles(cache, 5);
            assertNull(cache.stateOf(1), "the failed load leaves nothing cached");
            assertEquals(1, metric(cache, "loads.failed"));
            assertEquals(0, metric(cache, "apply.errors"), "a RejectedExecutionException is not an apply error");
            assertEquals(1, metric(cache, "evictions.LOAD_FAILED"));
        }
    }

    /** As above: an executor throwing anything else also counts in {@code apply.errors}. */
    @Test
    void loaderExecutorThrowingFailsTheLoadAndCountsAnApplyError() throws Exception
    {
        try (InMemoryBackingStore store = storeWithOneKey();
             RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(false)
                 .loaderExecutor(job -> { throw new IllegalStateException("broken executor"); }).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            cycles(cache, 5);
            assertNull(cache.stateOf(1));
            assertEquals(1, metric(cache, "loads.failed"));
            assertEquals(1, metric(cache, "apply.errors"));
            // the engine goes on
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(2, b("m"), b("z"), 1))).code());
        }
    }

    /**
     * README: "a store's failed `openSnapshot` fails that load (`loads.failed`, the region evicted `LOAD_FAILED`)".
     */
    @Test
    void failedOpenSnapshotFailsTheLoad() throws Exception
    {
        final BackingStore broken = new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                throw new StackOverflowError("on purpose");
            }

            @Override
            public void close()
            {
            }
        };
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(broken).pipelinedLoads(false)
            .loaderExecutor(Runnable::run).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            cycles(cache, 5);
            assertNull(cache.stateOf(1));
            assertEquals(1, metric(cache, "loads.failed"));
            assertEquals(1, metric(cache, "evictions.LOAD_FAILED"));
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(2, b("m"), b("z"), 1))).code());
        }
    }

    /**
     * README: "a listener's or the idle strategy's is counted in `apply.errors`" and "One that throws ... is logged
     * and the thread goes on" (the region stays loaded).
     */
    @Test
    void throwingLoadListenerIsCountedAndTheRegionStaysActive() throws Exception
    {
        try (InMemoryBackingStore store = storeWithOneKey();
             RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(false)
                 .loaderExecutor(Runnable::run)
                 .onLoadInstalled(id -> { throw new IllegalStateException("listener on purpose"); }).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
            {
                cache.applyCycle();
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(1, metric(cache, "apply.errors"));
            assertEquals(1, metric(cache, "loads.finished"));
            try (var s = cache.snapshot(1, 1, 10))
            {
                assertEquals("v", new String(s.get(b("c"))));
            }
        }
    }

    /**
     * README: "A dependent stage's throw stays in its own stage (that future completes exceptionally)" and
     * "`RegionCache.isApplyThread()` tells such code where it runs" (INVOKER: "the apply thread is the host's own
     * inside `applyCycle()`").
     */
    @Test
    void dependentStageThrowStaysInItsStageAndSeesTheApplyThread() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertFalse(cache.isApplyThread(), "outside applyCycle the test thread is not the apply thread");
            final AtomicBoolean inside = new AtomicBoolean();
            final CompletableFuture<CommandResult> created = cache.createRegion(new Region(1, b("a"), b("m"), 1));
            final CompletableFuture<Void> stage = created.thenAccept(r ->
            {
                inside.set(cache.isApplyThread());
                throw new IllegalStateException("stage on purpose");
            });
            assertEquals(ResultCode.OK, cycle(cache, created).code());
            assertTrue(inside.get(), "a dependent stage inside applyCycle runs on the apply thread");
            assertTrue(stage.isCompletedExceptionally());
            final ExecutionException ex = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> stage.get(0, TimeUnit.SECONDS));
            assertEquals(IllegalStateException.class, ex.getCause().getClass());
            assertEquals(0, metric(cache, "apply.errors"), "a dependent stage's throw stays in its own stage");
            assertEquals(ResultCode.OK, cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")))).code());
        }
    }

    /**
     * README: "One that leaves the thread's interrupt flag set (a callback that restored a flag with
     * `Thread.currentThread().interrupt()`) has it cleared, counted in `apply.errors`" (the dedicated apply thread).
     */
    @Test
    void interruptLeftByACallbackIsClearedAndCounted() throws Exception
    {
        final ApplyThreadHook hook = new ApplyThreadHook();
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             RegionCache cache = RegionCache.create(B.cfg().backingStore(store).loaderExecutor(hook).build()))
        {
            B.r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            // The callback must run on the apply thread: a stage attached after the future completed would run on
            // this thread. Hold the apply thread (ApplyThreadHook) while the write is made and its stage attached.
            final AtomicBoolean interruptedApplyThread = new AtomicBoolean();
            long version = 1;
            final Runnable release = hook.hold(cache, () -> cache.loadRegion(new Region(900, b("y"), b("yy"), 1)));
            final CompletableFuture<CommandResult> f = cache.write(new WriteBatch(1, 1, version++).put(b("b"), b("1")));
            final CompletableFuture<Void> stage = f.thenRun(() ->
            {
                if (cache.isApplyThread())
                {
                    interruptedApplyThread.set(true);
                    Thread.currentThread().interrupt();
                }
            });
            release.run();
            // The stage, not the write: the write's future completes before the apply thread runs its stages.
            stage.get(10, TimeUnit.SECONDS);
            assertTrue(interruptedApplyThread.get(), "the callback ran on the apply thread");
            // Later commands are still applied (an interrupted Agrona runner would stop for good), and the flag is
            // counted once the cycle that ran the callback has ended: each write below is answered by a later one.
            for (int i = 0; i < 1_000 && metric(cache, "apply.errors") == 0; i++)
            {
                assertEquals(ResultCode.OK, B.r(cache.write(new WriteBatch(1, 1, version++).put(b("c"), b("2"))))
                    .code());
            }
            assertEquals(ResultCode.OK, B.r(cache.write(new WriteBatch(1, 1, version++).put(b("c"), b("3")))).code());
            assertTrue(metric(cache, "apply.errors") >= 1, "the flag left set is counted in apply.errors");
        }
    }
}
