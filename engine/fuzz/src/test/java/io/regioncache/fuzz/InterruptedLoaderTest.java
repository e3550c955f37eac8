package io.regioncache.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * The fuzzing finding on the engine (audit 32), as a plain test. The first fuzzing run of {@code EngineApiFuzzTest}
 * carried a JUnit {@code @Timeout}, which interrupted the fuzzing thread after 60 s; from then on a
 * {@code commitMerge} never completed (2,000 apply cycles). Reduced: with {@code Threading.INVOKER}, a host thread
 * whose interrupt flag is set while its {@code applyCycle()} calls install a finished load (the host's
 * {@code loaderExecutor} ran the job) leaves the engine applying no command ever again: the region is ACTIVE, but a
 * write stays queued (queue depth 1) through 10,000 {@code applyCycle()} calls made after the flag was cleared, with
 * {@code apply.errors} at 0; only {@code close()} completes it. README "Reliability" says every future completes, and
 * "Embedding" that an interrupted host thread "is served by every call of the engine". Fixed 2026-12-08: Agrona's
 * {@code AgentInvoker} stops for good on an idle cycle of an interrupted thread, and {@code applyCycle()} now runs
 * the cycle with the caller's flag put aside ({@code InvokerCycleAgent}; core's {@code InterruptedInvokerCycleTest}).
 */
class InterruptedLoaderTest
{
    @Test
    void aLoadRunOnAnInterruptedThreadLeavesTheEngineServing()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put("k".getBytes(), 1, "v".getBytes());
        final ArrayDeque<Runnable> loads = new ArrayDeque<>();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER)
            .capacityBytes(1 << 20)
            .segmentSize(4096)
            .backingStore(store)
            .loaderExecutor(loads::add)
            .build());
        try
        {
            final CompletableFuture<CommandResult> load = cache.loadRegion(new Region(3, new byte[0], new byte[0], 1));
            cycles(cache, load, 10);
            assertEquals(ResultCode.OK, load.join().code());
            assertEquals(1, loads.size(), "the load job, held by the host's executor");

            loads.poll().run(); // the host's executor runs the job
            Thread.currentThread().interrupt(); // the host's thread is interrupted while it runs apply cycles
            for (int i = 0; i < 100; i++)
            {
                cache.applyCycle(); // one of them installs the load
            }
            Thread.interrupted(); // and the host clears its flag afterwards
            assertEquals(RegionState.ACTIVE, cache.stateOf(3));

            final CompletableFuture<CommandResult> write =
                cache.write(new WriteBatch(3, 1, 5).put("x".getBytes(), "y".getBytes()));
            cycles(cache, write, 10_000);
            assertTrue(write.isDone(), "a write still pending after 10,000 apply cycles, queue depth " +
                cache.queueDepth() + ", apply.errors " + cache.metrics().get("apply.errors"));
            assertEquals(ResultCode.OK, write.join().code());
        }
        finally
        {
            Thread.interrupted();
            cache.close();
        }
    }

    private static void cycles(final RegionCache cache, final CompletableFuture<?> f, final int max)
    {
        for (int i = 0; i < max && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
    }
}
