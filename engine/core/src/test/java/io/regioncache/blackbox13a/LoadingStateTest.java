package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

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

class LoadingStateTest
{
    static final class Held implements Executor
    {
        final ArrayDeque<Runnable> jobs = new ArrayDeque<>();

        @Override
        public synchronized void execute(final Runnable command)
        {
            jobs.add(command);
        }

        synchronized int size()
        {
            return jobs.size();
        }

        void runAll()
        {
            Runnable r;
            while ((r = poll()) != null)
            {
                r.run();
            }
        }

        private synchronized Runnable poll()
        {
            return jobs.poll();
        }
    }

    private static void waitFor(final RegionCache cache, final java.util.function.BooleanSupplier cond) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean() && System.nanoTime() < deadline)
        {
            r(cache.advanceSafePoint(0));
        }
        assertTrue(cond.getAsBoolean());
    }

    @Test
    void aLoadingRegionAnswersAndReplaysWrites() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("b"), 5, b("stored"));
        store.put(b("c"), 5, b("old"));
        final Held held = new Held();
        try (RegionCache cache = RegionCache.create(K.cfg().backingStore(store).loaderExecutor(held)
            .pipelinedLoads(false).build()))
        {
            assertEquals(ResultCode.OK, r(cache.loadRegion(new Region(1, b("a"), b("m"), 3))).code());
            waitFor(cache, () -> held.size() > 0);
            final RegionState st = cache.stateOf(1);
            assertEquals(RegionState.LOADING, st);
            assertEquals(1, cache.metrics().get("regions.LOADING"));
            assertEquals(0, cache.metrics().get("regions.PENDING"));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.LOADING, s.open(1, 3, 10));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 2, 10));
            store.put(b("c"), 6, b("new"));
            final CommandResult w = r(cache.write(new WriteBatch(1, 3, 6).put(b("c"), b("new"))));
            assertEquals(ResultCode.OK, w.code(), w.toString());
            assertEquals(ResultCode.SKIPPED, r(cache.loadRegion(new Region(1, b("a"), b("m"), 3, 4))).code());
            held.runAll();
            waitFor(cache, () -> cache.stateOf(1) == RegionState.ACTIVE);
            assertEquals(SnapshotStatus.OK, s.open(1, 3, 10));
            assertEquals("stored", new String(s.get(b("b"))));
            assertEquals("new", new String(s.get(b("c"))));
            s.dispose();
            assertEquals(1, cache.metrics().get("loads.finished"));
        }
    }

    @Test
    void anEvictionOfALoadingRegionCancelsItsLoad() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("b"), 5, b("stored"));
        final Held held = new Held();
        try (RegionCache cache = RegionCache.create(K.cfg().backingStore(store).loaderExecutor(held)
            .pipelinedLoads(false).build()))
        {
            assertEquals(ResultCode.OK, r(cache.loadRegion(new Region(1, b("a"), b("m"), 3))).code());
            waitFor(cache, () -> held.size() > 0);
            assertEquals(ResultCode.OK, r(cache.evict(1, EvictReason.MANUAL)).code());
            assertNull(cache.stateOf(1));
            assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 3, 10));
            held.runAll(); // the canceled job does nothing
            r(cache.advanceSafePoint(0));
            assertNull(cache.stateOf(1));
            assertEquals(0, cache.metrics().get("regions.LOADING"));
            assertEquals(0, cache.metrics().get("loads.finished"));
            assertEquals(1, cache.metrics().get("evictions.MANUAL"));
            // and it can be loaded again
            assertEquals(ResultCode.OK, r(cache.loadRegion(new Region(1, b("a"), b("m"), 3))).code());
            waitFor(cache, () -> held.size() > 0);
            held.runAll();
            waitFor(cache, () -> cache.stateOf(1) == RegionState.ACTIVE);
            try (Snapshot s = cache.snapshot(1, 3, 10))
            {
                assertEquals("stored", new String(s.get(b("b"))));
            }
        }
    }
}
