package io.regioncache.blackbox9;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CommandResult;
import io.regioncache.CountersFile;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 9 (2026-12-05): resources across an embedding's lifecycle, through the public API only. A host that opens
 * and closes the engine many times (tests, restarts, tenants) must find, after each {@code close()}, no thread the
 * engine started (apply, loader, load-scan, GC, counters), no file descriptor (the counters file), no direct or
 * mapped buffer and no memory in use left, and the engine itself collectable; repeating the cycle must not
 * accumulate anything. Threads of executors the host passed in are the host's and must keep running.
 */
class EngineLifecycleResourcesTest
{
    private static final int CYCLES = 20;
    /** Past the 65,536 entries a load copies inline, so the load-scan threads run too. */
    private static final int KEYS = 70_000;
    private static final byte[] START = bytes("k");
    private static final byte[] END = bytes("l");

    private static InMemoryBackingStore store;
    /** The next write's version: every cycle writes above what the store (and so a load) holds. */
    private static long version = 2;

    @TempDir
    Path dir;

    @BeforeAll
    static void fillStore()
    {
        store = new InMemoryBackingStore();
        for (int i = 0; i < KEYS; i++)
        {
            store.put(key(i), 1, bytes("v" + i));
        }
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] key(final int i)
    {
        return bytes(String.format("k%06d", i));
    }

    private static CommandResult await(final CompletableFuture<CommandResult> f) throws Exception
    {
        return f.get(30, TimeUnit.SECONDS);
    }

    /** One embedding's life on the dedicated apply thread: a large load (scanned in two halves), writes, reads, GC. */
    private RegionCache cycle(final RegionCacheConfig.Builder b) throws Exception
    {
        final RegionCache cache = RegionCache.create(b.build());
        final Region region = new Region(1, START, END, 1);
        assertEquals(ResultCode.OK, await(cache.loadRegion(region)).code());
        assertTrue(Leaks9.await(10_000, () -> cache.stateOf(1) == io.regioncache.RegionState.ACTIVE),
            "load never finished: " + cache.stateOf(1));
        final long first = version;
        for (int i = 0; i < 4; i++)
        {
            final long v = version++; // above everything the store holds, so above what the load copied
            final WriteBatch batch = new WriteBatch(1, 1, v).put(key(7), bytes("w" + (v % 10)));
            store.applyBatch(batch); // the host writes its store first, whole
            assertEquals(ResultCode.OK, await(cache.write(batch)).code());
        }
        final Snapshot snap = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, snap.open(1, 1, version - 1));
        try
        {
            final UnsafeBuffer k = new UnsafeBuffer(key(7));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            assertEquals(2, snap.get(k, 0, k.capacity(), dst, 0));
        }
        finally
        {
            snap.close();
        }
        await(cache.advanceSafePoint(first + 2));
        await(cache.compact(1)); // the GC thread's job (whatever it answers, it runs on the engine's GC executor)
        cache.close();
        assertEquals(0, cache.memoryInUse(), "memory in use after close");
        return cache;
    }

    private RegionCacheConfig.Builder dedicated(final Path counters)
    {
        return RegionCacheConfig.builder().capacityBytes(256L << 20).backingStore(store).loadScanThreads(2)
            .countersFile(counters).countersIntervalMillis(5).closeTimeoutMillis(5_000);
    }

    @Test
    void openCloseCyclesLeaveNoThreadsFilesOrBuffers() throws Exception
    {
        final Path counters = dir.resolve("rc.counters"); // the same file every cycle: reopened right after close
        cycle(dedicated(counters)); // warm-up: JVM-wide lazily started threads (cleaners, timers) start here
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        for (int i = 0; i < CYCLES; i++)
        {
            cycle(dedicated(counters));
            // Right as close() returned, with no wait: close() joins the apply thread and waits (bounded) for its
            // own loader, GC, load-scan and counters threads once nothing runs on them (README, "Embedding").
            assertTrue(Leaks9.threadsNamed("regioncache").isEmpty(),
                "cycle " + i + ": engine threads alive when close() returned: " + Leaks9.threadsNamed("regioncache"));
        }
        // One cycle's buffers (the pool's segments, the index) are far above 16 MB; a leak of one per cycle shows.
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), Leaks9.explain(base, after, CYCLES));
        // The final values stay readable after close.
        final Map<String, Long> values = CountersFile.read(counters);
        assertFalse(values.isEmpty());
    }

    @Test
    void invokerCyclesLeaveNothing() throws Exception
    {
        final Runnable one = () ->
        {
            final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(64L << 20)
                .threading(RegionCacheConfig.Threading.INVOKER).build());
            final CompletableFuture<CommandResult> c = cache.createRegion(new Region(1, START, END, 1));
            final CompletableFuture<CommandResult> w = cache.write(new WriteBatch(1, 1, 1).put(key(1), bytes("x")));
            while (!w.isDone())
            {
                cache.applyCycle();
            }
            assertEquals(ResultCode.OK, c.join().code());
            assertEquals(ResultCode.OK, w.join().code());
            cache.close();
            assertEquals(0, cache.memoryInUse());
        };
        one.run();
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        for (int i = 0; i < CYCLES; i++)
        {
            one.run();
        }
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), Leaks9.explain(base, after, CYCLES));
    }

    @Test
    void aClosedEngineBecomesCollectable() throws Exception
    {
        final WeakReference<RegionCache> ref = new WeakReference<>(cycle(dedicated(dir.resolve("c.counters"))));
        assertTrue(Leaks9.await(10_000, () -> ref.get() == null),
            "a closed engine the host dropped is still reachable (a static registry, a thread, a cleaner?)");
    }

    /**
     * README (Reliability): memory a snapshot pins past {@code closeTimeoutMillis} "is left to the GC, never freed
     * under a reader, and stays counted in memoryInUse()". Once the host closes that snapshot and drops both, the
     * engine and its direct buffers must go (nothing static keeps them, the snapshot's cleaner registration included).
     */
    @Test
    void memoryASnapshotHeldPastCloseGoesToTheGcOnceDropped() throws Exception
    {
        cycle(dedicated(dir.resolve("w.counters")));
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        final WeakReference<RegionCache> ref = closedUnderAnOpenSnapshot();
        assertTrue(Leaks9.await(10_000, () -> ref.get() == null), "the closed engine is still reachable");
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), Leaks9.explain(base, after, 1));
    }

    private WeakReference<RegionCache> closedUnderAnOpenSnapshot() throws Exception
    {
        final RegionCache cache =
            RegionCache.create(dedicated(dir.resolve("s.counters")).closeTimeoutMillis(50).build());
        assertEquals(ResultCode.OK, await(cache.loadRegion(new Region(1, START, END, 1))).code());
        assertTrue(Leaks9.await(10_000, () -> cache.stateOf(1) == io.regioncache.RegionState.ACTIVE));
        final Snapshot snap = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, snap.open(1, 1, version));
        cache.close(); // waits 50 ms for the snapshot, then leaves its memory to the GC
        assertTrue(cache.memoryInUse() > 0, "the open snapshot's region is still counted");
        final UnsafeBuffer k = new UnsafeBuffer(key(3));
        assertEquals(2, snap.get(k, 0, k.capacity(), new UnsafeBuffer(new byte[64]), 0)); // still reads: "v3"
        snap.close();
        return new WeakReference<>(cache);
    }

    @Test
    void theHostsOwnExecutorsAreNotShutDown() throws Exception
    {
        final ExecutorService loader = Executors.newSingleThreadExecutor();
        final ExecutorService gc = Executors.newSingleThreadExecutor();
        try
        {
            cycle(dedicated(dir.resolve("h.counters")).loaderExecutor(loader).gcExecutor(gc));
            assertFalse(loader.isShutdown(), "close() shut the host's loader executor down");
            assertFalse(gc.isShutdown(), "close() shut the host's GC executor down");
            assertEquals("ran", loader.submit(() -> "ran").get(5, TimeUnit.SECONDS));
            assertEquals("ran", gc.submit(() -> "ran").get(5, TimeUnit.SECONDS));
        }
        finally
        {
            loader.shutdownNow();
            gc.shutdownNow();
        }
    }

    @Test
    void aCreateThatFailsLeavesNothing() throws Exception
    {
        final Path aDirectory = Files.createDirectories(dir.resolve("is-a-dir"));
        final Path noParent = dir.resolve("missing").resolve("rc.counters");
        final RegionCacheConfig.Builder[] bad = {
            dedicated(aDirectory), dedicated(noParent),
        };
        for (final RegionCacheConfig.Builder b : bad)
        {
            assertThrows(RuntimeException.class, () -> RegionCache.create(b.build()));
        }
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        for (int i = 0; i < CYCLES; i++)
        {
            for (final RegionCacheConfig.Builder b : bad)
            {
                assertThrows(RuntimeException.class, () -> RegionCache.create(b.build()));
            }
        }
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), Leaks9.explain(base, after, CYCLES));
        // and an engine opens on the same file once it is a valid path again
        Files.delete(aDirectory);
        final RegionCache ok = RegionCache.create(dedicated(aDirectory).build());
        ok.close();
    }

    @Test
    void closeFromACallbackOnTheApplyThreadLeavesNoThreads() throws Exception
    {
        final Runnable one = () ->
        {
            final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(64L << 20).build());
            final CompletableFuture<Void> closed = cache.createRegion(new Region(1, START, END, 1))
                .thenAccept(r -> cache.close()); // on the apply thread: the shutdown runs on a thread of its own
            closed.join();
            cache.close(); // waits for that shutdown
            assertTrue(cache.isClosed());
        };
        one.run();
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        for (int i = 0; i < CYCLES; i++)
        {
            one.run();
        }
        assertTrue(Leaks9.await(5_000, () -> Leaks9.threadsNamed("regioncache").isEmpty()),
            "engine threads left: " + Leaks9.threadsNamed("regioncache"));
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), Leaks9.explain(base, after, CYCLES));
    }
}
