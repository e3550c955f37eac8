package io.regioncache.blackbox11c;

import static io.regioncache.blackbox11c.B11.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.regioncache.CycleSignal;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The host's {@code loaderExecutor} and {@code gcExecutor} (handed jobs on the apply thread) throwing something other
 * than {@link java.util.concurrent.RejectedExecutionException} from {@code execute}: an {@link IllegalStateException},
 * a {@link StackOverflowError}, an {@link OutOfMemoryError} thrown on purpose. The standard: the job fails typed and
 * is cleaned up (the region does not stay LOADING, a compaction gives its tables back), the apply thread survives,
 * later loads and compactions run, and {@code close()} ends with zero bytes in use.
 */
final class HostileExecutorsTest
{
    /** An executor that throws {@code hostile[i]} on its i-th call while there are any, then runs jobs on a thread. */
    private static final class HostileExecutor implements Executor
    {
        private final Throwable[] hostile;
        private final AtomicInteger calls = new AtomicInteger();
        private final ExecutorService real = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "host-executor");
            t.setDaemon(true);
            return t;
        });

        HostileExecutor(final Throwable... hostile)
        {
            this.hostile = hostile;
        }

        @Override
        public void execute(final Runnable job)
        {
            final int n = calls.getAndIncrement();
            if (n < hostile.length)
            {
                final Throwable t = hostile[n];
                if (t instanceof Error)
                {
                    throw (Error)t;
                }
                throw (RuntimeException)t;
            }
            real.execute(job);
        }
    }

    @Test
    @Timeout(60)
    void aLoaderExecutorThatThrowsFailsTheLoadNotTheEngine() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 1, b("stored"));
        final HostileExecutor loader = new HostileExecutor(new IllegalStateException("hostile loader"),
            new StackOverflowError("hostile loader"), new OutOfMemoryError("hostile loader (thrown on purpose)"));
        final CycleSignal cycles = new CycleSignal();
        try (RegionCache cache = RegionCache.create(B11.dedicated().idleStrategy(cycles).backingStore(store)
            .loaderExecutor(loader).pipelinedLoads(false).build()))
        {
            for (int attempt = 0; attempt < 4; attempt++)
            {
                B11.ok(cache.loadRegionKeepCached(new Region(7, b("a"), b("m"), 1)), "load attempt " + attempt);
                cycles.awaitUntil(B11.loadEnded(cache, 7), B11.MAX_CYCLES, "load attempt " + attempt);
                B11.applyThreadAlive(cache, "after load attempt " + attempt);
                final int a = attempt;
                assertTrue(cache.stateOf(7) == null || cache.stateOf(7) == RegionState.ACTIVE,
                    () -> "attempt " + a + ": the region is left " + cache.stateOf(7));
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(7), "the fourth load, with a working executor, installs");
            System.out.println("loader: " + cache.metrics().get("loads.failed") + " failed loads, apply.errors " +
                cache.metrics().get("apply.errors"));
            cache.close();
            assertEquals(0, cache.memoryInUse());
        }
    }

    @Test
    @Timeout(60)
    void aGcExecutorThatThrowsFailsTheCompactionNotTheEngine() throws Exception
    {
        final HostileExecutor gc = new HostileExecutor(new IllegalStateException("hostile gc"),
            new StackOverflowError("hostile gc"));
        final RegionCache cache = RegionCache.create(B11.dedicated().gcExecutor(gc).build());
        try
        {
            B11.ok(cache.createRegion(new Region(1, b("a"), b("m"), 1)), "create");
            for (int v = 1; v <= 50; v++)
            {
                cache.write(new WriteBatch(1, 1, v).put(b("k" + (v % 5)), b("v" + v)));
            }
            for (int attempt = 0; attempt < 3; attempt++)
            {
                final var r = B11.within(cache.compact(1), "compaction " + attempt);
                System.out.println("compaction " + attempt + ": " + r);
                B11.applyThreadAlive(cache, "after compaction " + attempt);
            }
        }
        finally
        {
            cache.close();
        }
        assertEquals(0, cache.memoryInUse(), "zero bytes in use after close");
    }

    /**
     * An executor that runs the job inline and then throws (what {@code Runnable::run} does when the job lets an
     * {@link Error} escape): the job already queued its own completion, so the throw must not finish it a second time
     * (a compaction finished twice would give its tables back twice).
     */
    @Test
    @Timeout(60)
    void executorsThatRunTheJobThenThrowFinishItOnce() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 200; i++)
        {
            store.put(b("k" + i), 1, b("v" + i));
        }
        final Executor runThenThrow = job ->
        {
            job.run();
            throw new StackOverflowError("thrown after the job ran");
        };
        final CycleSignal cycles = new CycleSignal();
        final RegionCache cache = RegionCache.create(B11.dedicated().idleStrategy(cycles).backingStore(store)
            .pipelinedLoads(false)
            .loaderExecutor(runThenThrow).gcExecutor(runThenThrow).build());
        try
        {
            for (int round = 0; round < 5; round++)
            {
                B11.ok(cache.loadRegionKeepCached(new Region(1, b("a"), b("m"), 1)), "load " + round);
                cycles.awaitUntil(() -> cache.stateOf(1) == RegionState.ACTIVE, B11.MAX_CYCLES, "round " + round);
                assertEquals(RegionState.ACTIVE, cache.stateOf(1), "round " + round + ": the load that ran installs");
                for (int v = 2; v <= 20; v++)
                {
                    cache.write(new WriteBatch(1, 1, round * 100L + v).put(b("k1"), b("w" + v)));
                }
                final var compacted = B11.within(cache.compact(1), "compaction " + round);
                B11.applyThreadAlive(cache, "after compaction " + round);
                System.out.println("round " + round + ": compaction " + compacted + ", state " + cache.stateOf(1));
                final io.regioncache.Snapshot snap = cache.snapshot(1, 1, Long.MAX_VALUE);
                final byte[] v = snap.get(b("k1"));
                snap.close();
                assertEquals("w20", new String(v, java.nio.charset.StandardCharsets.US_ASCII));
                B11.ok(cache.evict(1, io.regioncache.EvictReason.MANUAL), "evict " + round);
            }
        }
        finally
        {
            cache.close();
        }
        assertEquals(0, cache.memoryInUse(), "zero bytes in use after close: nothing freed twice or kept");
    }
}
