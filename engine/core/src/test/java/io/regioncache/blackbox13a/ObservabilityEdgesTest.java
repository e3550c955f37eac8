package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.MetricsSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

class ObservabilityEdgesTest
{
    private static Set<String> stableKeys(final MetricsSnapshot m)
    {
        final Set<String> out = new TreeSet<>();
        for (final String k : m.values().keySet())
        {
            if (!k.startsWith("transitions.refused."))
            {
                out.add(k);
            }
        }
        return out;
    }

    @Test
    void everyDocumentedKeyIsPresentAtZeroAndTheKeySetIsStable() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            final MetricsSnapshot m0 = cache.metrics();
            final Map<String, Number> v = m0.values();
            for (final String k : new String[] {"regions.PENDING", "regions.LOADING", "regions.ACTIVE", "regions.draining",
                "transitions.refused", "conflicts", "apply.errors", "loads.index_filled_during_copy", "queue.depth",
                "queue.full", "load.count", "evict.count", "compaction.count", "memory.used", "memory.peak", "memory.capacity",
                "memory.evict_threshold", "memory.stop_load_threshold", "transitions.made.NEW->PENDING",
                "transitions.made.NEW->ACTIVE", "transitions.made.ACTIVE->RETIRED"})
            {
                assertTrue(v.containsKey(k), "missing " + k + " in " + v.keySet());
            }
            for (final ResultCode c : ResultCode.values())
            {
                assertEquals(0, m0.get("results." + c), c.name());
                assertTrue(v.containsKey("results." + c), c.name());
            }
            for (final EvictReason e : EvictReason.values())
            {
                assertTrue(v.containsKey("evictions." + e), e.name());
            }
            for (final SnapshotStatus s : SnapshotStatus.values())
            {
                assertEquals(s != SnapshotStatus.OK, v.containsKey("snapshot.failures." + s), s.name());
            }
            for (final Map.Entry<String, Number> e : v.entrySet())
            {
                if (e.getKey().startsWith("transitions.made."))
                {
                    assertEquals(0, e.getValue().longValue(), e.getKey());
                }
                assertFalse(e.getKey().startsWith("transitions.refused."), e.getKey());
            }
            // activity
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))));
            r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
            r(cache.evict(2, EvictReason.MANUAL));
            final MetricsSnapshot m1 = cache.metrics();
            assertEquals(stableKeys(m0), stableKeys(m1));
            assertEquals(new ArrayList<>(m1.values().keySet()), new ArrayList<>(cache.metrics().values().keySet()),
                "ordered, the same order every time");
            assertTrue(m1.get("transitions.made.NEW->ACTIVE") >= 1, m1.toString());
            assertEquals(1, m1.get("evictions.MANUAL"));
            assertEquals(1, m1.get("regions.ACTIVE"));
            // point-in-time: the first snapshot did not move
            assertEquals(0, m0.get("evictions.MANUAL"));
            assertEquals(0, m0.get("results.OK"));
            assertEquals(4, m1.get("results.OK"));
            assertEquals(0, m1.get("absent.key"), "absent: 0");
        }
    }

    @Test
    void resultAndSnapshotFailureCountersMove() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(new byte[0], b("1"))));      // INVALID at the call
            r(cache.write(new WriteBatch(1, 1, 1).put(b("z"), b("1"))));           // INVALID on the apply thread
            r(cache.write(new WriteBatch(9, 1, 1).put(b("b"), b("1"))));           // NOT_CACHED
            r(cache.write(new WriteBatch(1, 0, 1).put(b("b"), b("1"))));           // STALE_EPOCH
            r(cache.advanceSafePoint(1, 0));                                       // SKIPPED
            final Snapshot s = cache.newSnapshot();
            s.open(5, 1, 1);
            s.open(5, 1, 1);
            s.open(1, 2, 1);
            s.open(1, 1, 0);
            final MetricsSnapshot m = cache.metrics();
            assertEquals(1, m.get("results.OK"));
            assertEquals(2, m.get("results.INVALID"));
            assertEquals(1, m.get("results.NOT_CACHED"));
            assertEquals(1, m.get("results.STALE_EPOCH"));
            assertEquals(1, m.get("results.SKIPPED"));
            assertEquals(2, m.get("snapshot.failures.NOT_CACHED"));
            assertEquals(1, m.get("snapshot.failures.EPOCH_MISMATCH"));
            assertEquals(1, m.get("snapshot.failures.TOO_OLD_READ"));
            assertEquals(0, m.get("snapshot.failures.CLOSED"));
            cache.close();
            assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 1));
            assertEquals(ResultCode.CLOSED, r(cache.evict(1, EvictReason.MANUAL)).code());
            final MetricsSnapshot after = cache.metrics();
            assertEquals(1, after.get("snapshot.failures.CLOSED"));
            assertTrue(after.get("results.CLOSED") >= 1);
            final String json = after.toJson();
            assertTrue(json.startsWith("{\"") && json.endsWith("}"), json);
            for (final String k : after.values().keySet())
            {
                assertTrue(json.contains("\"" + k + "\":"), k);
            }
        }
    }

    @Test
    void drainingCountsAnEvictedRecordStillPinned() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertEquals(ResultCode.OK, r(cache.evict(1, EvictReason.BECOME_FOLLOWER)).code());
            MetricsSnapshot m = cache.metrics();
            assertEquals(0, m.get("regions.ACTIVE"));
            assertEquals(1, m.get("evictions.BECOME_FOLLOWER"));
            s.close();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.metrics().get("regions.draining") != 0 && System.nanoTime() < deadline)
            {
                r(cache.advanceSafePoint(0)); // a no-op command: one apply cycle more
            }
            assertEquals(0, cache.metrics().get("regions.draining"));
        }
    }

    @Test
    void queueFullIsCountedAndLeavesTheBatchOpen() throws Exception
    {
        final RegionCacheConfig cfg = K.cfg().threading(RegionCacheConfig.Threading.INVOKER).commandQueueCapacity(2)
            .loaderExecutor(Runnable::run).gcExecutor(Runnable::run).build();
        try (RegionCache cache = RegionCache.create(cfg))
        {
            final List<CompletableFuture<CommandResult>> fs = new ArrayList<>();
            for (int i = 0; i < 64; i++)
            {
                fs.add(cache.createRegion(new Region(i, new byte[] {(byte)i}, new byte[] {(byte)i, 0}, 1)));
            }
            final WriteBatch w = new WriteBatch(0, 1, 1).put(new byte[] {0}, b("v"));
            final CommandResult full = r(cache.write(w));
            assertEquals(ResultCode.QUEUE_FULL, full.code());
            assertEquals(0, full.regionId());
            w.put(new byte[] {0}, b("w")); // not sealed
            final MetricsSnapshot m = cache.metrics();
            assertTrue(m.get("queue.full") >= 1);
            assertEquals(m.get("queue.full"), m.get("results.QUEUE_FULL"));
            assertTrue(m.get("queue.depth") >= 1, m.toString());
            assertEquals(cache.queueDepth(), m.get("queue.depth"));
            while (cache.queueDepth() > 0)
            {
                cache.applyCycle();
            }
            int ok = 0;
            for (final CompletableFuture<CommandResult> f : fs)
            {
                final CommandResult c = f.get(1, TimeUnit.SECONDS);
                ok += c.code() == ResultCode.OK ? 1 : 0;
                assertTrue(c.code() == ResultCode.OK || c.code() == ResultCode.QUEUE_FULL, c.toString());
            }
            assertEquals(ok, cache.metrics().get("regions.ACTIVE"));
            assertEquals(0, cache.metrics().get("queue.depth"));
        }
    }

    @Test
    void loadAnswersWithABackingStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("b"), 3, b("stored"));
        try (RegionCache cache = RegionCache.create(K.cfg().backingStore(store).build()))
        {
            final Region r1 = new Region(1, b("a"), b("m"), 1, 1);
            assertEquals(ResultCode.OK, r(cache.loadRegion(r1)).code());
            assertEquals(ResultCode.SKIPPED, r(cache.loadRegion(new Region(1, b("a"), b("m"), 1, 7))).code(),
                "same id, range and epoch; conf version differs");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                r(cache.advanceSafePoint(0));
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(ResultCode.SKIPPED, r(cache.loadRegion(new Region(1, b("a"), b("m"), 1, 9))).code());
            assertEquals(ResultCode.STALE_EPOCH, r(cache.loadRegion(new Region(1, b("x"), b("z"), 0))).code());
            assertEquals(ResultCode.SKIPPED, r(cache.write(new WriteBatch(1, 1, 3).put(b("b"), b("old")))).code(),
                "the load has it");
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 4).put(b("c"), b("new")))).code());
            try (Snapshot s = cache.snapshot(1, 1, 10))
            {
                assertEquals("stored", new String(s.get(b("b"))));
                assertEquals("new", new String(s.get(b("c"))));
            }
            assertEquals(1, cache.metrics().get("transitions.made.NEW->PENDING"));
            assertTrue(cache.metrics().get("load.count") >= 1);
            assertEquals(ResultCode.OK, r(cache.setEnabled(false)).code());
            assertEquals(ResultCode.SKIPPED, r(cache.loadRegion(r1)).code());
            assertEquals(ResultCode.SKIPPED, r(cache.loadRegionKeepCached(r1)).code());
        }
        // no store: INVALID, also after close
        final RegionCache c2 = K.cache();
        assertEquals(ResultCode.INVALID, r(c2.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
        c2.close();
        assertEquals(ResultCode.INVALID, r(c2.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
        assertThrows(IllegalStateException.class, () -> c2.newSnapshot().open(1, 1, 1).toString().chars()
            .forEach(ch -> { throw new IllegalStateException(); }));
    }

    private static long resultsTotal(final MetricsSnapshot m)
    {
        long t = 0;
        for (final ResultCode c : ResultCode.values())
        {
            t += m.get("results." + c);
        }
        return t;
    }

    @Test
    void resultsIncludeTheEnginesOwnLoadAndCompactionCompletions() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 50; i++)
        {
            store.put(b("b" + i), 1 + i, b("v" + i));
        }
        try (RegionCache cache = RegionCache.create(K.cfg().backingStore(store).build()))
        {
            long issued = 0;
            assertEquals(ResultCode.OK, r(cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            issued++;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                r(cache.advanceSafePoint(0));
                issued++;
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            for (int v = 100; v < 110; v++)
            {
                r(cache.write(new WriteBatch(1, 1, v).put(b("b1"), b("w" + v))));
                issued++;
            }
            r(cache.advanceSafePoint(1, 105));
            issued++;
            final CommandResult c = r(cache.compact(1));
            issued++;
            while (cache.metrics().get("compactions.finished") < cache.metrics().get("compactions.started") &&
                System.nanoTime() < deadline)
            {
                r(cache.advanceSafePoint(0));
                issued++;
            }
            // compactions.finished is counted while the apply thread handles the completion, its result just after:
            // the answer to one more command, applied after it on the same thread, is the signal that both are in.
            r(cache.advanceSafePoint(0));
            issued++;
            final MetricsSnapshot m = cache.metrics();
            assertEquals(1, m.get("loads.finished"), m.toString());
            assertEquals(issued + m.get("loads.finished") + m.get("compactions.finished"), resultsTotal(m),
                "compact answered " + c + "; " + m);
            assertEquals(1, m.get("load.count"));
            if (c.code() == ResultCode.OK)
            {
                assertTrue(m.get("gc.versions_dropped") > 0, "versions of b1 below safe point 105 dropped: " + m);
                assertEquals(1, m.get("compaction.count"), m.toString());
            }
            try (Snapshot s = cache.snapshot(1, 1, 200))
            {
                assertEquals("w109", new String(s.get(b("b1"))));
                assertEquals("v7", new String(s.get(b("b7"))));
            }
        }
    }
}
