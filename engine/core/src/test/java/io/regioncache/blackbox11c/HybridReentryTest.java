package io.regioncache.blackbox11c;

import static io.regioncache.blackbox11c.B11.b;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@link HybridEngine}'s commands made from a callback that runs on the cache's apply thread (a command future's
 * dependent stage, the dedicated thread; or a host thread inside {@code applyCycle()}). The engine retries a command
 * refused {@code QUEUE_FULL} until the cache takes it, and {@code gc}/{@code await} wait for a future: both wait on
 * the apply thread, which is the one thread that could make progress. The standard: typed answers, no hang, and the
 * store and the cache still agree.
 */
final class HybridReentryTest
{
    /** Waits for {@code f} without waiting forever; on a stuck apply thread the engine is not closed (close would wait). */
    private static <T> T bounded(final CompletableFuture<T> f, final String what) throws Exception
    {
        try
        {
            return f.get(B11.WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            fail(what + ": no answer within " + B11.WAIT_SECONDS + " s: the apply thread waits on itself");
            throw ex;
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void writesFromTheApplyThreadIntoAFullQueueAreAnsweredNotSpunOn() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine engine = HybridEngine.owning(store, B11.dedicated().commandQueueCapacity(16));
        engine.await(engine.createRegion(new Region(1, b("a"), b("z"), 1)));
        final List<CompletableFuture<CommandResult>> inner = new ArrayList<>();
        final CompletableFuture<Void> callback = engine.write(new WriteBatch(1, 1, 1).put(b("k0"), b("v0")))
            .thenAccept(r ->
            {
                // On the apply thread: 64 writes into a 16-slot queue that only this thread drains.
                for (int v = 2; v <= 65; v++)
                {
                    inner.add(engine.write(new WriteBatch(1, 1, v).put(b("k" + v), b("v" + v))));
                }
            });
        bounded(callback, "a callback writing 64 batches through a 16-slot queue");
        int ok = 0;
        for (final CompletableFuture<CommandResult> f : inner)
        {
            final CommandResult r = bounded(f, "a write made on the apply thread");
            assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.QUEUE_FULL ||
                r.code() == ResultCode.NOT_CACHED, r::toString);
            ok += r.code() == ResultCode.OK ? 1 : 0;
        }
        System.out.println(ok + " of 64 writes made on the apply thread answered OK");
        // The engine serves afterwards, and whatever the cache holds agrees with the store.
        engine.await(engine.advanceSafePoint(0));
        for (final CrossCheck.Report report : CrossCheck.checkAll(engine))
        {
            assertTrue(report.ok(), report::toString);
        }
        engine.close();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void gcAndAwaitFromTheApplyThreadAreRefusedTypedNotDeadlocked() throws Exception
    {
        final HybridEngine engine = HybridEngine.owning(new InMemoryBackingStore(), B11.dedicated());
        engine.await(engine.createRegion(new Region(1, b("a"), b("z"), 1)));
        final AtomicReference<Object> gcAnswer = new AtomicReference<>();
        final CompletableFuture<Void> callback = engine.write(new WriteBatch(1, 1, 1).put(b("k"), b("v")))
            .thenAccept(r ->
            {
                try
                {
                    gcAnswer.set(engine.gc(0));
                }
                catch (final RuntimeException ex)
                {
                    gcAnswer.set(ex);
                }
            });
        bounded(callback, "gc() called from a callback on the apply thread");
        System.out.println("gc from the apply thread: " + gcAnswer.get());
        assertTrue(gcAnswer.get() instanceof IllegalStateException || gcAnswer.get() instanceof Long,
            () -> "typed: " + gcAnswer.get());
        engine.await(engine.advanceSafePoint(0));
        engine.close();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void invokerWritesFromInsideACycleIntoAFullQueueAreAnswered() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine engine = HybridEngine.owning(store, B11.dedicated()
            .threading(RegionCacheConfig.Threading.INVOKER).commandQueueCapacity(16)
            .loaderExecutor(Runnable::run).gcExecutor(Runnable::run));
        engine.await(engine.createRegion(new Region(1, b("a"), b("z"), 1)));
        final List<CompletableFuture<CommandResult>> inner = new ArrayList<>();
        final CompletableFuture<Void> callback = engine.write(new WriteBatch(1, 1, 1).put(b("k0"), b("v0")))
            .thenAccept(r ->
            {
                for (int v = 2; v <= 65; v++)
                {
                    inner.add(engine.write(new WriteBatch(1, 1, v).put(b("k" + v), b("v" + v))));
                }
            });
        final CompletableFuture<Void> driven = CompletableFuture.runAsync(() ->
        {
            for (int i = 0; i < 100_000 && !callback.isDone(); i++)
            {
                engine.applyCycle();
            }
        });
        bounded(driven, "apply cycles driving a callback that writes 64 batches through a 16-slot queue");
        bounded(callback, "the callback");
        for (final CompletableFuture<CommandResult> f : inner)
        {
            while (!f.isDone())
            {
                engine.applyCycle();
            }
            final CommandResult r = f.join();
            assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.QUEUE_FULL, r::toString);
        }
        engine.await(engine.advanceSafePoint(0));
        for (final CrossCheck.Report report : CrossCheck.checkAll(engine))
        {
            assertTrue(report.ok(), report::toString);
        }
        engine.close();
    }
}
