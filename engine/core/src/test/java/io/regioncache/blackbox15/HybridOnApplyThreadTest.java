package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.regioncache.ApplyThreadHook;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README ("The engine alone", host code on the apply thread): "A `HybridEngine` command made there answers
 * `QUEUE_FULL` when the cache's queue is full, rather than retry for the thread it runs on (...), and its `await` (of
 * a future not yet done) and `gc` throw `IllegalStateException` there instead of waiting for themselves."
 * <p>
 * When written (audit 15) three tests failed: {@code gc} on the dedicated apply thread with the queue full swept the
 * store below a safe point the cache answered {@code QUEUE_FULL} to, and with {@code Threading.INVOKER} a callback
 * inside {@code applyCycle()} ran apply cycles nested in the running one instead of throwing or answering
 * {@code QUEUE_FULL} (its {@code gc} swept the store).
 */
class HybridOnApplyThreadTest
{
    /** Where the hook's loads go: a range no test here touches otherwise. */
    private static final Region HOOK_LOAD = new Region(900, b("zz"), b("zzz"), 1);

    /**
     * Runs {@code body} once on the dedicated apply thread (the loader executor's hand-over of a load job,
     * {@link ApplyThreadHook}), with the cache's queue full. It used to run {@code body} in a command's dependent
     * stage, retried until one ran on the apply thread: in one CI run all 1,000 tries ran on the test thread (the
     * apply thread, still spinning after each command, completed the next before the stage was attached).
     */
    private static void onApplyThreadWithQueueFull(
        final HybridEngine engine, final ApplyThreadHook hook, final Consumer<HybridEngine> body) throws Exception
    {
        final RegionCache cache = engine.cache();
        hook.runOnApplyThread(cache, () ->
        {
            // The apply thread is here, so nothing drains the queue: fill it.
            boolean full = false;
            for (int k = 0; k < 64 && !full; k++)
            {
                final CompletableFuture<CommandResult> x = cache.setKeepCached(777, true);
                full = x.isDone() && x.getNow(null).code() == ResultCode.QUEUE_FULL;
            }
            if (!full)
            {
                throw new AssertionError("queue never filled");
            }
            body.accept(engine);
        }, () -> engine.loadRegion(HOOK_LOAD));
    }

    /** The command answers {@code QUEUE_FULL} on the apply thread rather than retry for good. */
    @Test
    void commandOnTheApplyThreadWithAFullQueueAnswersQueueFull() throws Exception
    {
        final ApplyThreadHook hook = new ApplyThreadHook();
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             HybridEngine engine = HybridEngine.create(store, B.cfg().commandQueueCapacity(2).loaderExecutor(hook)))
        {
            r(engine.createRegion(new Region(1, b("a"), b("m"), 1)));
            final AtomicReference<CommandResult> answer = new AtomicReference<>();
            onApplyThreadWithQueueFull(engine, hook, e ->
            {
                final CompletableFuture<CommandResult> f = e.createRegion(new Region(2, b("m"), b("z"), 1));
                assertTrue(f.isDone(), "answered at once, not retried");
                answer.set(f.getNow(null));
            });
            assertEquals(ResultCode.QUEUE_FULL, answer.get().code());
        }
    }

    /**
     * "`gc` throw[s] `IllegalStateException` there instead of waiting for [itself]"; `gc`'s Javadoc: "if called on
     * the dedicated apply thread ..., which cannot wait for the safe point it has yet to apply: the store is not
     * swept". With the cache's queue full, the safe point is answered {@code QUEUE_FULL} at once (not applied), and
     * {@code gc} then sweeps the store anyway.
     */
    @Test
    void gcOnTheApplyThreadWithAFullQueueThrowsAndDoesNotSweep() throws Exception
    {
        final ApplyThreadHook hook = new ApplyThreadHook();
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             HybridEngine engine = HybridEngine.create(store, B.cfg().commandQueueCapacity(2).loaderExecutor(hook)))
        {
            store.put(b("k"), 1, b("old"));
            store.put(b("k"), 2, b("new"));
            final int before = store.entryCount();
            final AtomicReference<Object> outcome = new AtomicReference<>();
            onApplyThreadWithQueueFull(engine, hook, e ->
            {
                try
                {
                    outcome.set(e.gc(5));
                }
                catch (final RuntimeException ex)
                {
                    outcome.set(ex);
                }
            });
            assertNotNull(outcome.get());
            assertEquals(IllegalStateException.class, outcome.get().getClass(),
                "gc on the apply thread answered " + outcome.get());
            assertEquals(before, store.entryCount(), "the store must not be swept");
            assertEquals(-1, store.gcSafePoint());
        }
    }

    /** The same without a full queue: `gc` on the apply thread throws and the store is not swept. */
    @Test
    void gcOnTheApplyThreadThrows() throws Exception
    {
        final ApplyThreadHook hook = new ApplyThreadHook();
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             HybridEngine engine = HybridEngine.create(store, B.cfg().loaderExecutor(hook)))
        {
            store.put(b("k"), 1, b("old"));
            store.put(b("k"), 2, b("new"));
            final int before = store.entryCount();
            final AtomicReference<Object> outcome = new AtomicReference<>();
            hook.runOnApplyThread(engine.cache(), () ->
            {
                try
                {
                    outcome.set(engine.gc(5));
                }
                catch (final RuntimeException ex)
                {
                    outcome.set(ex);
                }
            }, () -> engine.loadRegion(HOOK_LOAD));
            assertNotNull(outcome.get());
            assertEquals(IllegalStateException.class, outcome.get().getClass(), String.valueOf(outcome.get()));
            assertEquals(before, store.entryCount());
        }
    }

    /** A write made there with the queue full: `QUEUE_FULL`, once the store has it and the cached range is evicted. */
    @Test
    void writeOnTheApplyThreadWithAFullQueueIsReconciled() throws Exception
    {
        final ApplyThreadHook hook = new ApplyThreadHook();
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             HybridEngine engine = HybridEngine.create(store, B.cfg().commandQueueCapacity(2).loaderExecutor(hook)))
        {
            r(engine.createRegion(new Region(1, b("a"), b("m"), 1)));
            assertEquals(ResultCode.OK, r(engine.write(new WriteBatch(1, 1, 1).put(b("c"), b("1")))).code());
            final AtomicReference<CompletableFuture<CommandResult>> w = new AtomicReference<>();
            onApplyThreadWithQueueFull(engine, hook, e -> w.set(e.write(new WriteBatch(1, 1, 2).put(b("c"), b("2")))));
            assertEquals(ResultCode.QUEUE_FULL, r(w.get()).code());
            assertEquals(null, engine.cache().stateOf(1), "the cached range was evicted before the answer");
            final byte[] v = new byte[8];
            assertEquals(1, store.get(new org.agrona.concurrent.UnsafeBuffer(b("c")), 0, 1, 10,
                new org.agrona.concurrent.UnsafeBuffer(v), 0));
            assertEquals('2', v[0], "the store has the write");
        }
    }

    /**
     * The same sentence with {@code Threading.INVOKER}, "where the apply thread is the host's own inside
     * `applyCycle()`" (README) and where {@code isApplyThread()} is true: `await` of a future not yet done and `gc`
     * made from a callback inside {@code applyCycle()} should throw {@code IllegalStateException}.
     */
    @Test
    void awaitAndGcInsideApplyCycleThrow() throws Exception
    {
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             HybridEngine engine = HybridEngine.create(store, B.invoker()))
        {
            store.put(b("k"), 1, b("old"));
            store.put(b("k"), 2, b("new"));
            final int before = store.entryCount();
            final AtomicReference<Object> awaited = new AtomicReference<>();
            final AtomicReference<Object> gced = new AtomicReference<>();
            final CompletableFuture<CommandResult> f = engine.createRegion(new Region(1, b("a"), b("m"), 1));
            f.thenRun(() ->
            {
                assertTrue(engine.cache().isApplyThread());
                try
                {
                    awaited.set(engine.await(engine.createRegion(new Region(2, b("m"), b("z"), 1))));
                }
                catch (final RuntimeException ex)
                {
                    awaited.set(ex);
                }
                try
                {
                    gced.set(engine.gc(5));
                }
                catch (final RuntimeException ex)
                {
                    gced.set(ex);
                }
            });
            assertEquals(ResultCode.OK, engine.await(f).code());
            assertNotNull(awaited.get());
            assertEquals(IllegalStateException.class, awaited.get().getClass(), "await answered " + awaited.get());
            assertEquals(IllegalStateException.class, gced.get().getClass(), "gc answered " + gced.get());
            assertEquals(before, store.entryCount(), "the store must not be swept");
        }
    }

    /** A delete-range made there with the queue full: `QUEUE_FULL`, once the overlapping cached regions are evicted. */
    @Test
    void deleteRangeOnTheApplyThreadWithAFullQueueIsReconciled() throws Exception
    {
        final ApplyThreadHook hook = new ApplyThreadHook();
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             HybridEngine engine = HybridEngine.create(store, B.cfg().commandQueueCapacity(2).loaderExecutor(hook)))
        {
            r(engine.createRegion(new Region(1, b("a"), b("m"), 1)));
            assertEquals(ResultCode.OK, r(engine.write(new WriteBatch(1, 1, 1).put(b("c"), b("1")))).code());
            final AtomicReference<CompletableFuture<CommandResult>> d = new AtomicReference<>();
            onApplyThreadWithQueueFull(engine, hook, e -> d.set(e.deleteRange(b("b"), b("d"), 2)));
            assertEquals(ResultCode.QUEUE_FULL, r(d.get()).code());
            assertEquals(null, engine.cache().stateOf(1), "the overlapping cached region was evicted before the answer");
            assertEquals(-1, store.get(new org.agrona.concurrent.UnsafeBuffer(b("c")), 0, 1, 10,
                new org.agrona.concurrent.UnsafeBuffer(new byte[8]), 0), "the store deleted the range");
        }
    }

    /**
     * "A `HybridEngine` command made there answers `QUEUE_FULL` when the cache's queue is full, rather than retry for
     * the thread it runs on", with {@code Threading.INVOKER}: a callback inside {@code applyCycle()} is "there"
     * ({@code isApplyThread()} is true).
     */
    @Test
    void commandInsideApplyCycleWithAFullQueueAnswersQueueFull() throws Exception
    {
        try (InMemoryBackingStore store = new InMemoryBackingStore();
             HybridEngine engine = HybridEngine.create(store, B.invoker().commandQueueCapacity(2)))
        {
            final RegionCache cache = engine.cache();
            final AtomicReference<Object> answer = new AtomicReference<>();
            final CompletableFuture<CommandResult> f = cache.createRegion(new Region(1, b("a"), b("m"), 1));
            f.thenRun(() ->
            {
                try
                {
                    boolean full = false;
                    for (int k = 0; k < 64 && !full; k++)
                    {
                        final CompletableFuture<CommandResult> x = cache.setKeepCached(777, true);
                        full = x.isDone() && x.getNow(null).code() == ResultCode.QUEUE_FULL;
                    }
                    assertTrue(full, "queue never filled");
                    final CompletableFuture<CommandResult> c = engine.createRegion(new Region(2, b("m"), b("z"), 1));
                    answer.set(c.isDone() ? c.getNow(null).code() : "not done");
                }
                catch (final Throwable t)
                {
                    answer.set(t);
                }
            });
            assertEquals(ResultCode.OK, engine.await(f).code());
            assertEquals(ResultCode.QUEUE_FULL, answer.get());
        }
    }
}
