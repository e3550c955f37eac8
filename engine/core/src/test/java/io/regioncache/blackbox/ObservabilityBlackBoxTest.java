package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.await;
import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.cycles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

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

/** README "How it works", "TiKV's shipped bugs", "Observability", "Reliability": public API only. */
class ObservabilityBlackBoxTest
{
    static void ok(final RegionCache c, final CompletableFuture<CommandResult> f) throws Exception
    {
        final CommandResult r = await(c, f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
    }

    static long m(final RegionCache c, final String key)
    {
        final Number n = c.metrics().values().get(key);
        assertTrue(n != null, "no metric " + key + " in " + c.metrics().values().keySet());
        return n.longValue();
    }

    /** "regions.draining: evicted or retired records still pinned"; "The unpin that leaves a PENDING_EVICT record with no pin moves it to EVICTING". */
    @Test
    void drainingCountsAnEvictedPinnedRecordUntilItsPinGoes() throws Exception
    {
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().build()))
        {
            ok(c, c.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            ok(c, c.write(new WriteBatch(1, 1, 5).put(b("k"), b("v"))));
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
            ok(c, c.evict(1, EvictReason.MANUAL));
            cycles(c, 5);
            assertEquals(0, m(c, "regions.ACTIVE"));
            assertEquals(1, m(c, "regions.draining"));
            assertEquals(1, m(c, "evictions.MANUAL"));
            assertEquals(0, m(c, "evict.count"), "timed only when GONE");
            assertArrayEquals(b("v"), s.get(b("k")));
            s.close();
            cycles(c, 20);
            assertEquals(0, m(c, "regions.draining"));
            assertEquals(1, m(c, "transitions.made.ACTIVE->PENDING_EVICT"));
            assertEquals(1, m(c, "transitions.made.PENDING_EVICT->EVICTING"));
            assertEquals(1, m(c, "evict.count"));
            assertEquals(0, c.memoryInUse());
        }
    }

    /** "An eviction cancels the load (LOADING_CANCELED → EVICTING)." and loads.canceled. */
    @Test
    void anEvictionCancelsALoad() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 100; i++)
        {
            store.put(b("k" + i), 1, b("v" + i));
        }
        final BB.HeldExecutor loader = new BB.HeldExecutor();
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().backingStore(store).loaderExecutor(loader).build()))
        {
            final CompletableFuture<CommandResult> load = c.loadRegion(new Region(1, new byte[0], new byte[0], 1));
            cycles(c, 5);
            assertEquals(RegionState.LOADING, c.stateOf(1));
            assertEquals(1, m(c, "regions.LOADING"));
            ok(c, c.evict(1, EvictReason.MANUAL));
            loader.runAll();
            cycles(c, 20);
            assertTrue(load.isDone());
            assertEquals(1, m(c, "transitions.made.NEW->PENDING"));
            assertEquals(1, m(c, "transitions.made.PENDING->LOADING"));
            assertEquals(1, m(c, "transitions.made.LOADING->LOADING_CANCELED"));
            assertEquals(1, m(c, "transitions.made.LOADING_CANCELED->EVICTING"));
            assertEquals(1, m(c, "loads.canceled"));
            assertEquals(0, m(c, "loads.finished"));
            assertEquals(1, m(c, "evictions.MANUAL"));
            assertEquals(1, m(c, "evict.count"));
            assertEquals(0, m(c, "regions.LOADING"));
            assertEquals(0, c.memoryInUse());
        }
    }

    /** "A failure ends in EVICTING with its reason counted." */
    @Test
    void aFailedLoadEndsEvictingWithItsReasonCounted() throws Exception
    {
        final io.regioncache.BackingStore store = new io.regioncache.BackingStore()
        {
            @Override
            public io.regioncache.BackingSnapshot openSnapshot()
            {
                throw new IllegalStateException("injected");
            }

            @Override
            public void close()
            {
            }
        };
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().backingStore(store).build()))
        {
            final CommandResult r = await(c, c.loadRegion(new Region(1, new byte[0], new byte[0], 1)));
            cycles(c, 20);
            assertNotEquals(RegionState.ACTIVE, c.stateOf(1), r::toString);
            assertEquals(1, m(c, "loads.failed"), c.metrics().values()::toString);
            assertEquals(1, m(c, "evictions.LOAD_FAILED"), c.metrics().values()::toString);
            assertEquals(0, c.memoryInUse());
        }
    }

    /** TiKV #17405: "a split or write at a newer epoch on a non-PENDING region is EPOCH_DRIFT: evicted, counted". */
    @Test
    void aWriteAtANewerEpochOnAnActiveRegionIsEpochDrift() throws Exception
    {
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().build()))
        {
            ok(c, c.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            ok(c, c.write(new WriteBatch(1, 1, 5).put(b("k"), b("v"))));
            final CommandResult r = await(c, c.write(new WriteBatch(1, 2, 6).put(b("k"), b("w"))));
            assertEquals(ResultCode.EPOCH_DRIFT, r.code(), r::toString);
            cycles(c, 20);
            assertEquals(1, m(c, "evictions.EPOCH_DRIFT"));
            assertEquals(1, m(c, "results.EPOCH_DRIFT"));
            assertEquals(0, m(c, "regions.ACTIVE"));
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 2, 10));
            s.dispose();
        }
    }

    /** TiKV #17405: a split at a newer epoch on an ACTIVE region is EPOCH_DRIFT too. */
    @Test
    void aSplitAtANewerEpochOnAnActiveRegionIsEpochDrift() throws Exception
    {
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().build()))
        {
            ok(c, c.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            final CommandResult r = await(c, c.split(1, 2, new byte[][] {b("m")}, new long[] {2}, 3));
            assertEquals(ResultCode.EPOCH_DRIFT, r.code(), r::toString);
            cycles(c, 20);
            assertEquals(1, m(c, "evictions.EPOCH_DRIFT"));
            assertEquals(0, m(c, "regions.ACTIVE"));
        }
    }

    /** TiKV #17548: a new region may reuse the id of one still evicting; the old one drains on its own. */
    @Test
    void aNewRegionReusesTheIdOfOneStillDraining() throws Exception
    {
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().build()))
        {
            ok(c, c.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            ok(c, c.write(new WriteBatch(1, 1, 5).put(b("k"), b("old"))));
            final Snapshot old = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, old.open(1, 1, 10));
            ok(c, c.evict(1, EvictReason.MANUAL));
            cycles(c, 5);
            ok(c, c.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            ok(c, c.write(new WriteBatch(1, 1, 6).put(b("k"), b("new"))));
            assertEquals(RegionState.ACTIVE, c.stateOf(1));
            final Snapshot now = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, now.open(1, 1, 10));
            assertArrayEquals(b("new"), now.get(b("k")));
            assertArrayEquals(b("old"), old.get(b("k")));
            assertEquals(1, m(c, "regions.draining"));
            old.close();
            now.close();
            cycles(c, 20);
            assertEquals(0, m(c, "regions.draining"));
            assertEquals(1, m(c, "regions.ACTIVE"));
        }
    }

    /** "memory per threshold", runtime changes via updateMemoryLimits. */
    @Test
    void memoryMetricsFollowUpdateMemoryLimits() throws Exception
    {
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().build()))
        {
            c.updateMemoryLimits(32L << 20, 24L << 20, 20L << 20);
            cycles(c, 5);
            assertEquals(32L << 20, m(c, "memory.capacity"));
            assertEquals(24L << 20, m(c, "memory.evict_threshold"));
            assertEquals(20L << 20, m(c, "memory.stop_load_threshold"));
        }
    }

    /** Every metric key and the JSON: each key appears once, and results per code cover every ResultCode. */
    @Test
    void everyResultCodeAndEvictReasonHasAKey() throws Exception
    {
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().build()))
        {
            final Map<String, Number> v = c.metrics().values();
            for (final ResultCode rc : ResultCode.values())
            {
                assertTrue(v.containsKey("results." + rc), rc::toString);
            }
            for (final EvictReason er : EvictReason.values())
            {
                assertTrue(v.containsKey("evictions." + er), er::toString);
            }
            for (final String k : new String[] {"regions.PENDING", "regions.LOADING", "regions.ACTIVE",
                "regions.draining", "transitions.refused", "loads.index_filled_during_copy", "queue.depth",
                "queue.full", "conflicts"})
            {
                assertTrue(v.containsKey(k), k);
            }
        }
    }
}
