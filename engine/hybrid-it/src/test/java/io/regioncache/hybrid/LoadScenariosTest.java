package io.regioncache.hybrid;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.StoreException;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.WritableStore;
import io.regioncache.store.FailingStore;

import static io.regioncache.hybrid.HybridTestSupport.b;
import static io.regioncache.hybrid.HybridTestSupport.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TiKV's region-loading scenarios as deterministic interleavings: INVOKER mode (the test runs each apply cycle)
 * and a manual loader (load jobs wait in a queue until the test runs them).
 */
@ParameterizedClass
@EnumSource(Stores.class)
class LoadScenariosTest
{
    /** The durable store under the hybrid engine in this run. */
    @Parameter
    Stores stores;

    private static final byte[] EMPTY = new byte[0];

    @TempDir
    Path dir;

    private HybridTestSupport h;

    @AfterEach
    void tearDown()
    {
        if (h != null)
        {
            h.close();
        }
    }

    /** 100 keys k000..k099 in the store (k007 and k042 deleted later), region 1 = everything, epoch 1. */
    private void seed()
    {
        h = new HybridTestSupport(stores, dir.resolve("db"));
        for (int i = 0; i < 100; i++)
        {
            assertEquals(ResultCode.NOT_CACHED, h.put(1, 1, i + 1, key(i), "v" + i));
        }
        h.delete(1, 1, 101, key(7));
        h.delete(1, 1, 102, key(42));
    }

    private static Region whole()
    {
        return new Region(1, EMPTY, EMPTY, 1);
    }

    private int modelCount(final String lo, final String hi)
    {
        return h.visible(lo, hi, Long.MAX_VALUE).size();
    }

    @Test
    void splitBeforeTheLoadStarts()
    {
        seed();
        // Both commands land in one cycle: the split finds the region PENDING and queues its children instead.
        final CompletableFuture<CommandResult> load = h.engine.loadRegion(whole());
        final CompletableFuture<CommandResult> split = h.engine.split(1, 1, new byte[][] {b("k050")}, new long[] {2}, 2);
        h.ok(load);
        h.ok(split);
        assertEquals(2, h.loads.size(), "each child loads on its own");
        assertEquals(RegionState.LOADING, h.engine.cache().stateOf(1));
        assertEquals(RegionState.LOADING, h.engine.cache().stateOf(2));
        assertEquals(2, h.runLoads());
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(2));
        h.assertConsistent(2, modelCount(null, "k050"));
        h.assertConsistent(1, modelCount("k050", null));
        assertEquals(2, h.engine.cache().metrics().get("loads.started"));
    }

    @Test
    void splitWhileLoading()
    {
        seed();
        h.ok(h.engine.loadRegion(whole()));
        assertEquals(RegionState.LOADING, h.engine.cache().stateOf(1));
        h.ok(h.engine.split(1, 1, new byte[][] {b("k050")}, new long[] {2}, 2));
        // The job now loads for both children; writes at the new epoch are buffered per child.
        assertEquals(ResultCode.OK, h.put(2, 2, 200, key(10), "during"));
        assertEquals(ResultCode.OK, h.put(1, 2, 201, key(60), "during"));
        assertEquals(1, h.runLoads());
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(2));
        assertEquals(1, h.engine.cache().metrics().get("loads.started"));
        h.assertConsistent(2, modelCount(null, "k050"));
        h.assertConsistent(1, modelCount("k050", null));
        try (HybridReader r = h.engine.newReader())
        {
            assertArrayEquals(b("during"), r.get(2, 2, 200, b(key(10))));
            assertArrayEquals(b("v10"), r.get(2, 2, 199, b(key(10))));
            assertEquals(2, h.engine.metrics().cacheGets());
        }
    }

    @Test
    void splitAfterTheJobRanButBeforeInstall()
    {
        seed();
        h.ok(h.engine.loadRegion(whole()));
        h.loads.poll().run(); // completion waits in the internal queue
        final CompletableFuture<CommandResult> split = h.engine.split(1, 1, new byte[][] {b("k050")}, new long[] {2}, 2);
        h.cycle(); // internal queue first: installed ACTIVE, then the split of an ACTIVE region
        assertEquals(ResultCode.OK, h.run(split).code());
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(2));
        h.assertConsistent(2, modelCount(null, "k050"));
        h.assertConsistent(1, modelCount("k050", null));
    }

    @Test
    void severalSplitsDuringOneLoad()
    {
        seed();
        h.ok(h.engine.loadRegion(whole()));
        h.ok(h.engine.split(1, 1, new byte[][] {b("k050")}, new long[] {2}, 2)); // 2:[,k050) 1:[k050,)
        assertEquals(ResultCode.OK, h.put(2, 2, 300, key(5), "a"));
        h.ok(h.engine.split(2, 2, new byte[][] {b("k020")}, new long[] {3}, 3)); // 3:[,k020) 2:[k020,k050)
        assertEquals(ResultCode.OK, h.delete(3, 3, 301, key(5)));
        h.ok(h.engine.split(1, 2, new byte[][] {b("k070"), b("k080")}, new long[] {4, 5}, 3)); // 4 5 1
        assertEquals(ResultCode.OK, h.put(5, 3, 302, key(75), "b"));
        assertEquals(ResultCode.OK, h.put(1, 3, 303, key(99), "c"));
        assertEquals(1, h.loads.size(), "one job carries every child");
        assertEquals(1, h.runLoads());
        for (final long id : new long[] {1, 2, 3, 4, 5})
        {
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(id), "region " + id);
        }
        h.assertConsistent(3, modelCount(null, "k020"));
        h.assertConsistent(2, modelCount("k020", "k050"));
        h.assertConsistent(4, modelCount("k050", "k070"));
        h.assertConsistent(5, modelCount("k070", "k080"));
        h.assertConsistent(1, modelCount("k080", null));
        try (HybridReader r = h.engine.newReader())
        {
            assertNull(r.get(3, 3, 301, b(key(5))));
            assertArrayEquals(b("a"), r.get(3, 3, 300, b(key(5))));
            assertArrayEquals(b("b"), r.get(5, 3, 302, b(key(75))));
        }
    }

    @Test
    void evictionDuringLoadAbandonsTheJob()
    {
        seed();
        final long baseline = h.engine.cache().memoryInUse();
        h.ok(h.engine.loadRegion(whole()));
        h.ok(h.engine.evict(1, EvictReason.MANUAL));
        assertNull(h.engine.cache().stateOf(1));
        assertEquals(1, h.engine.cache().metrics().get("loads.canceled"));
        assertEquals(ResultCode.NOT_CACHED, h.put(1, 1, 400, key(1), "x"));
        h.runLoads();
        assertEquals(0, h.engine.cache().metrics().get("loads.finished"));
        assertEquals(baseline, h.engine.cache().memoryInUse());
        // Reads still work: from the store.
        try (HybridReader r = h.engine.newReader())
        {
            assertArrayEquals(b("x"), r.get(1, 1, 400, b(key(1))));
            assertEquals(1, h.engine.metrics().fallbacks(SnapshotStatus.NOT_CACHED));
        }
    }

    @Test
    void evictionRacingLoadCompletionInstallThenEvict()
    {
        seed();
        final long baseline = h.engine.cache().memoryInUse();
        h.ok(h.engine.loadRegion(whole()));
        h.loads.poll().run(); // the job finished; its completion is queued
        final CompletableFuture<CommandResult> evict = h.engine.evict(1, EvictReason.MANUAL);
        h.cycle(); // installs, then evicts
        assertEquals(ResultCode.OK, h.run(evict).code());
        assertEquals(1, h.engine.cache().metrics().get("loads.finished"));
        assertNull(h.engine.cache().stateOf(1));
        h.cycle(); // reclaim
        assertEquals(baseline, h.engine.cache().memoryInUse());
    }

    @Test
    void evictionRacingLoadCompletionEvictThenFinish()
    {
        seed();
        final long baseline = h.engine.cache().memoryInUse();
        h.ok(h.engine.loadRegion(whole()));
        h.ok(h.engine.evict(1, EvictReason.MANUAL)); // LOADING_CANCELED before the job runs
        h.runLoads();
        assertEquals(0, h.engine.cache().metrics().get("loads.finished"));
        assertNull(h.engine.cache().stateOf(1));
        assertEquals(baseline, h.engine.cache().memoryInUse());
        // The region can be loaded again at once.
        h.ok(h.engine.loadRegion(whole()));
        h.runLoads();
        h.assertConsistent(1, modelCount(null, null));
    }

    @Test
    void evictingOneChildDuringLoadKeepsTheOther()
    {
        seed();
        h.ok(h.engine.loadRegion(whole()));
        h.ok(h.engine.split(1, 1, new byte[][] {b("k050")}, new long[] {2}, 2));
        h.ok(h.engine.evict(2, EvictReason.MANUAL));
        assertEquals(0, h.engine.cache().metrics().get("loads.canceled"), "one target is still loading");
        h.runLoads();
        assertNull(h.engine.cache().stateOf(2));
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        h.assertConsistent(1, modelCount("k050", null));
    }

    @Test
    void loadFailureOnMemoryClearsEverythingItWrote()
    {
        h = new HybridTestSupport(stores, dir.resolve("db"),
            RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(512 * 1024));
        final String big = "x".repeat(200);
        for (int i = 0; i < 5000; i++)
        {
            h.put(1, 1, i + 1, String.format("k%05d", i), big); // ~1.2 MB: more than the cache may hold
        }
        final long baseline = h.engine.cache().memoryInUse();
        h.ok(h.engine.loadRegion(whole()));
        h.runLoads();
        assertNull(h.engine.cache().stateOf(1));
        assertEquals(1, h.engine.cache().metrics().get("loads.failed"));
        assertEquals(1, h.engine.cache().metrics().get("evictions.LOAD_FAILED"));
        assertEquals(baseline, h.engine.cache().memoryInUse());
        try (HybridReader r = h.engine.newReader())
        {
            assertArrayEquals(b(big), r.get(1, 1, 5000, b("k04999")));
        }
    }

    @Test
    void loadFailureOnStoreErrorClearsEverythingItWrote()
    {
        // A store whose snapshots fail after 50 entries, in front of the real RocksDB store.
        try (WritableStore rocks = stores.open(dir.resolve("db")))
        {
            final FailingStore failing = new FailingStore(rocks).failEveryScanAfter(50);
            final ArrayDeque<Runnable> loads = new ArrayDeque<>();
            try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
                .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(64 * 1024).backingStore(failing)
                .loaderExecutor(loads::add).build()))
            {
                for (int i = 0; i < 100; i++)
                {
                    rocks.applyBatch(new WriteBatch(0, 0, i + 1).put(b(key(i)), b("v" + i)));
                }
                final long baseline = cache.memoryInUse();
                cache.loadRegion(whole());
                cache.applyCycle();
                assertEquals(RegionState.LOADING, cache.stateOf(1));
                loads.poll().run();
                cache.applyCycle();
                assertNull(cache.stateOf(1));
                assertEquals(1, cache.metrics().get("loads.failed"));
                assertEquals(baseline, cache.memoryInUse());

                failing.failEveryScanAfter(Long.MAX_VALUE);
                cache.loadRegion(whole());
                cache.applyCycle();
                // The host's write path: store first, then the cache (buffered while LOADING).
                final WriteBatch wb = new WriteBatch(1, 1, 500).put(b(key(3)), b("new"));
                rocks.applyBatch(wb);
                cache.write(wb);
                cache.applyCycle();
                loads.poll().run();
                cache.applyCycle();
                assertEquals(RegionState.ACTIVE, cache.stateOf(1));
                final CrossCheck.Report report = CrossCheck.check(cache, rocks, 1);
                assertTrue(report.ok(), report::toString);
                assertEquals(100, report.keysCompared());
                assertEquals(500, report.readVersion());
            }
        }
    }

    @Test
    void regionReloadedAfterEvictionIsANewRecord()
    {
        seed();
        h.ok(h.engine.loadRegion(whole()));
        h.runLoads();
        final Snapshot old = h.engine.cache().newSnapshot();
        assertEquals(SnapshotStatus.OK, old.open(1, 1, Long.MAX_VALUE));
        h.ok(h.engine.evict(1, EvictReason.MANUAL));
        // While uncached, writes go to the store only.
        assertEquals(ResultCode.NOT_CACHED, h.put(1, 1, 600, key(1), "while-evicted"));
        h.ok(h.engine.loadRegion(whole()));
        h.runLoads();
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        h.assertConsistent(1, modelCount(null, null));
        try (HybridReader r = h.engine.newReader())
        {
            assertArrayEquals(b("while-evicted"), r.get(1, 1, 600, b(key(1))));
            assertEquals(SnapshotStatus.OK, r.lastStatus());
        }
        // The old handle still reads the old record's table, which never saw the write.
        assertArrayEquals(b("v1"), old.get(b(key(1))));
        old.dispose();
        assertEquals(2, h.engine.cache().metrics().get("loads.finished"));
    }

    @Test
    void writesDuringLoadingAreNeitherLostNorAppliedTwice()
    {
        final long withDuplicate = loadWithStraddlingWrite(dir.resolve("a"), true);
        h.close();
        h = null;
        final long withoutDuplicate = loadWithStraddlingWrite(dir.resolve("b"), false);
        // The duplicate was refused: byte-for-byte the same memory as the run that never sent it (each entry is a
        // dedicated allocation here, so one more node would show).
        assertEquals(withoutDuplicate, withDuplicate);
    }

    /**
     * A write whose store half lands before the load's snapshot and whose cache half arrives while LOADING (in
     * both: must be refused as a duplicate), plus writes only buffered (must not be lost).
     */
    private long loadWithStraddlingWrite(final Path db, final boolean sendStraddlingToCache)
    {
        h = new HybridTestSupport(stores, db, RegionCacheConfig.builder().segmentSize(4096).capacityBytes(64L << 20));
        final String big = "v".repeat(6000); // larger than a segment: every entry is its own allocation
        for (int i = 0; i < 20; i++)
        {
            h.put(1, 1, i + 1, key(i), big + i);
        }
        final WriteBatch straddling = new WriteBatch(1, 1, 30).put(b(key(3)), b(big + "S")).delete(b(key(4)));
        h.engine.store().applyBatch(straddling); // the host's store write...
        h.record(key(3), 30, b(big + "S"));
        h.record(key(4), 30, null);
        h.ok(h.engine.loadRegion(whole())); // ...the load's snapshot is opened here and contains it...
        assertEquals(RegionState.LOADING, h.engine.cache().stateOf(1));
        if (sendStraddlingToCache)
        {
            assertEquals(ResultCode.OK, h.run(h.engine.cache().write(straddling)).code()); // ...then the cache's
        }
        assertEquals(ResultCode.OK, h.put(1, 1, 31, key(3), big + "T"));
        assertEquals(ResultCode.OK, h.delete(1, 1, 32, key(5)));
        assertEquals(ResultCode.OK, h.put(1, 1, 33, key(25), big + "new"));
        assertEquals(1, h.runLoads());
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        h.assertConsistent(1, modelCount(null, null));
        try (HybridReader r = h.engine.newReader())
        {
            for (long v = 1; v <= 34; v++)
            {
                for (int i = 0; i < 26; i++)
                {
                    final long at = v;
                    final int k = i;
                    assertArrayEquals(h.expected(key(i), v), r.get(1, 1, v, b(key(i))), () -> key(k) + "@" + at);
                }
            }
            assertEquals(0, h.engine.metrics().storeGets());
        }
        return h.engine.cache().memoryInUse();
    }

}
