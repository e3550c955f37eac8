package io.regioncache.blackbox11c;

import static io.regioncache.blackbox11c.B11.b;
import static io.regioncache.blackbox11c.B11.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.CommandResult;
import io.regioncache.CycleSignal;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Host code that runs on the dedicated apply thread (command futures' callbacks, the {@code onLoadInstalled} listener,
 * the configured idle strategy, a host store's {@code openSnapshot}) behaving badly: leaving the thread's interrupt
 * flag set, throwing an {@link Error} (a {@link StackOverflowError}, an {@link OutOfMemoryError} thrown on purpose),
 * or re-entering the engine. The standard: the apply thread survives, every later command is answered and applied,
 * and the fault is counted ({@code apply.errors}). When written, a callback that left the flag set stopped the apply
 * thread for good (Agrona's runner ends an interrupted idle agent): the next write was never answered. A store whose
 * {@code openSnapshot} threw an {@link Error} and an idle strategy that threw one killed it the same way.
 */
final class HostileCallbacksTest
{
    private static long applyErrors(final RegionCache cache)
    {
        return cache.metrics().get("apply.errors");
    }

    private static String read(final RegionCache cache, final long id, final long epoch, final String key)
    {
        final Snapshot snap = cache.newSnapshot();
        final SnapshotStatus st = snap.open(id, epoch, Long.MAX_VALUE);
        if (st != SnapshotStatus.OK)
        {
            return "status " + st;
        }
        try
        {
            final byte[] k = b(key);
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[4096]);
            final int n = snap.get(new UnsafeBuffer(k), 0, k.length, dst, 0);
            if (n < 0)
            {
                return null;
            }
            final byte[] v = new byte[n];
            dst.getBytes(0, v);
            return s(v);
        }
        finally
        {
            snap.close();
        }
    }

    @Test
    @Timeout(60)
    void aCallbackThatLeavesTheApplyThreadInterruptedDoesNotStopTheEngine() throws Exception
    {
        final CycleSignal cycles = new CycleSignal();
        try (RegionCache cache = RegionCache.create(B11.dedicated().idleStrategy(cycles).build()))
        {
            final long errorsBefore = applyErrors(cache);
            B11.ok(cache.createRegion(new Region(1, b("a"), b("m"), 1)), "create");
            final Thread test = Thread.currentThread();
            int onApplyThread = 0;
            long version = 0;
            for (int round = 1; round <= 5; round++)
            {
                // The callback runs on the apply thread (the future completes there: it is attached to the last of
                // many queued writes) and interrupts it, as a host restoring a flag after catching
                // InterruptedException would. Should it run here instead (already complete), it does nothing.
                final AtomicReference<Thread> ranOn = new AtomicReference<>();
                CompletableFuture<CommandResult> f = null;
                for (int i = 0; i < 500; i++)
                {
                    f = cache.write(new WriteBatch(1, 1, ++version).put(b("k"), b("v" + round)));
                }
                final CompletableFuture<CommandResult> dependent = f.whenComplete((r, t) ->
                {
                    ranOn.set(Thread.currentThread());
                    if (Thread.currentThread() != test)
                    {
                        Thread.currentThread().interrupt();
                    }
                });
                B11.ok(dependent, "write " + round);
                onApplyThread += ranOn.get() != test ? 1 : 0;
                // Whole duty cycles past the callback: the runner stops an interrupted agent only once it idles.
                cycles.awaitCycle();
                B11.ok(cache.write(new WriteBatch(1, 1, ++version).put(b("k2"), b("w" + round))),
                    "the write after callback " + round + " interrupted the apply thread (" + ranOn.get() + ")");
                assertEquals("w" + round, read(cache, 1, 1, "k2"), "round " + round);
            }
            assertTrue(onApplyThread > 0, "at least one callback ran on the apply thread");
            assertEquals("v5", read(cache, 1, 1, "k"));
            final long counted = applyErrors(cache) - errorsBefore;
            assertTrue(counted >= onApplyThread, "each left interrupt is counted in apply.errors: " + counted);
        }
    }

    @Test
    @Timeout(60)
    void aLoadListenerThatInterruptsOrThrowsAnErrorDoesNotStopTheEngine() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 6; i++)
        {
            store.put(b("r" + i), 1, b("v" + i));
        }
        final AtomicInteger heard = new AtomicInteger();
        final CycleSignal cycles = new CycleSignal();
        try (RegionCache cache = RegionCache.create(B11.dedicated().idleStrategy(cycles).backingStore(store)
            .onLoadInstalled(id ->
        {
            heard.incrementAndGet();
            if (id % 3 == 0)
            {
                Thread.currentThread().interrupt();
            }
            else if (id % 3 == 1)
            {
                throw new StackOverflowError("hostile listener " + id);
            }
            else
            {
                throw new OutOfMemoryError("hostile listener " + id + " (thrown on purpose)");
            }
        }).build()))
        {
            for (int i = 0; i < 6; i++)
            {
                final byte[] start = b("r" + i);
                final byte[] end = b("r" + i + "\u0000");
                B11.ok(cache.loadRegion(new Region(i, start, end, 1)), "load " + i);
                final long id = i;
                cycles.awaitUntil(() -> cache.stateOf(id) == RegionState.ACTIVE, B11.MAX_CYCLES, "region " + i);
                assertEquals(RegionState.ACTIVE, cache.stateOf(id), "region " + i + " loaded");
                cycles.awaitCycle(); // the apply thread idled with whatever the listener left
                B11.applyThreadAlive(cache, "after the listener of region " + i);
                assertEquals("v" + i, read(cache, i, 1, "r" + i));
            }
            assertEquals(6, heard.get());
        }
    }

    /** A host store whose {@code openSnapshot} throws {@code hostile} the first {@code times} calls. */
    private static final class HostileStore implements BackingStore
    {
        private final InMemoryBackingStore inner = new InMemoryBackingStore();
        private final List<Throwable> hostile = new ArrayList<>();

        @Override
        public BackingSnapshot openSnapshot()
        {
            synchronized (hostile)
            {
                if (!hostile.isEmpty())
                {
                    final Throwable t = hostile.remove(0);
                    if (t instanceof Error)
                    {
                        throw (Error)t;
                    }
                    throw (RuntimeException)t;
                }
            }
            return inner.openSnapshot();
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }

    @Test
    @Timeout(60)
    void aStoreWhoseSnapshotThrowsAnErrorFailsTheLoadNotTheApplyThread() throws Exception
    {
        final HostileStore store = new HostileStore();
        store.inner.put(b("c"), 1, b("stored"));
        store.hostile.add(new StackOverflowError("hostile openSnapshot"));
        store.hostile.add(new OutOfMemoryError("hostile openSnapshot (thrown on purpose)"));
        store.hostile.add(new IllegalStateException("hostile openSnapshot"));
        final CycleSignal cycles = new CycleSignal();
        try (RegionCache cache = RegionCache.create(B11.dedicated().idleStrategy(cycles).backingStore(store).build()))
        {
            for (int attempt = 0; attempt < 4; attempt++)
            {
                B11.ok(cache.loadRegionKeepCached(new Region(7, b("a"), b("m"), 1)), "load attempt " + attempt);
                cycles.awaitUntil(B11.loadEnded(cache, 7), B11.MAX_CYCLES, "load attempt " + attempt);
                B11.applyThreadAlive(cache, "after load attempt " + attempt);
                if (attempt < 3)
                {
                    assertEquals(null, cache.stateOf(7), "a load whose snapshot threw is failed and evicted");
                }
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(7), "the fourth load, with a working store, installs");
            assertEquals("stored", read(cache, 7, 1, "c"));
            assertTrue(cache.metrics().get("loads.failed") >= 3, () -> "three failed loads: " + cache.metrics());
        }
    }

    @Test
    @Timeout(60)
    void anIdleStrategyThatThrowsOrInterruptsDoesNotStopTheEngine() throws Exception
    {
        final AtomicInteger calls = new AtomicInteger();
        final IdleStrategy hostile = new IdleStrategy()
        {
            @Override
            public void idle(final int workCount)
            {
                final int n = calls.incrementAndGet();
                if (n % 1000 == 7)
                {
                    throw new StackOverflowError("hostile idle " + n);
                }
                if (n % 1000 == 500)
                {
                    throw new IllegalStateException("hostile idle " + n);
                }
                if (n % 1000 == 900)
                {
                    Thread.currentThread().interrupt();
                }
                Thread.onSpinWait();
            }

            @Override
            public void idle()
            {
                idle(0);
            }

            @Override
            public void reset()
            {
            }
        };
        try (RegionCache cache = RegionCache.create(B11.dedicated().idleStrategy(hostile).build()))
        {
            B11.ok(cache.createRegion(new Region(1, b("a"), b("m"), 1)), "create");
            final int until = 5_000;
            for (long v = 1; calls.get() < until; v++)
            {
                B11.ok(cache.write(new WriteBatch(1, 1, v).put(b("k"), b("v" + v))), "write " + v);
                assertEquals("v" + v, read(cache, 1, 1, "k"));
            }
            B11.applyThreadAlive(cache, "after " + calls.get() + " idle calls");
        }
    }

    @Test
    @Timeout(60)
    void callbacksThatReenterTheEngineOrThrowErrorsLeaveItServing() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B11.dedicated().build()))
        {
            B11.ok(cache.createRegion(new Region(1, b("a"), b("m"), 1)), "create");
            B11.ok(cache.createRegion(new Region(2, b("m"), b("z"), 1)), "create 2");
            final java.util.concurrent.atomic.AtomicLong version2 = new java.util.concurrent.atomic.AtomicLong();
            final List<CompletableFuture<CommandResult>> inner = new ArrayList<>();
            final List<CompletableFuture<?>> outer = new ArrayList<>();
            for (int v = 1; v <= 200; v++)
            {
                final long ver = v;
                final CompletableFuture<CommandResult> f =
                    cache.write(new WriteBatch(1, 1, ver * 2).put(b("k" + (v % 7)), b("v" + ver)));
                switch (v % 5)
                {
                    case 0 -> outer.add(f.thenAccept(r ->
                    {
                        throw new StackOverflowError("hostile callback " + ver);
                    }));
                    case 1 -> outer.add(f.thenAccept(r ->
                    {
                        throw new OutOfMemoryError("hostile callback " + ver + " (thrown on purpose)");
                    }));
                    case 2 -> outer.add(f.thenAccept(r ->
                    {
                        // re-entering: a write from the apply thread, queued behind the test thread's
                        synchronized (inner)
                        {
                            inner.add(cache.write(new WriteBatch(2, 1, version2.incrementAndGet())
                                .put(b("re" + ver), b("x"))));
                        }
                    }));
                    case 3 -> outer.add(f.thenAccept(r ->
                    {
                        // reads and metrics from the apply thread
                        assertEquals("v" + ver, read(cache, 1, 1, "k" + (ver % 7)));
                        cache.metrics().toJson();
                        cache.regions();
                    }));
                    default -> outer.add(f.thenAccept(r -> recurse(0)));
                }
            }
            for (final CompletableFuture<?> o : outer)
            {
                try
                {
                    o.get(B11.WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                }
                catch (final java.util.concurrent.ExecutionException expected)
                {
                    // the callbacks that threw fail their own stage only
                }
            }
            synchronized (inner)
            {
                for (final CompletableFuture<CommandResult> f : inner)
                {
                    B11.ok(f, "a write made from a callback");
                }
            }
            B11.applyThreadAlive(cache, "after the hostile callbacks");
            for (int v = 2; v <= 200; v += 5)
            {
                assertEquals("x", read(cache, 2, 1, "re" + v), "re-entered write " + v);
            }
        }
    }

    private static int recurse(final int depth)
    {
        return recurse(depth + 1) + 1; // a real StackOverflowError on the apply thread
    }
}
