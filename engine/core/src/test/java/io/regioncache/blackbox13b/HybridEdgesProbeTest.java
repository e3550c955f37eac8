package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.store.InMemoryBackingStore;

/** Audit 13b: probes at the edges of the hybrid engine's promises. */
class HybridEdgesProbeTest
{
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    private HybridEngine engine(final InMemoryBackingStore store)
    {
        final HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run).gcExecutor(Runnable::run)
            .pipelinedLoads(false).closeTimeoutMillis(2_000));
        toClose.add(e);
        return e;
    }

    private static void ok(final HybridEngine e, final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = e.await(f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
    }

    private static void cycleUntilActive(final HybridEngine e, final long id)
    {
        for (int i = 0; i < 100_000 && e.cache().stateOf(id) != RegionState.ACTIVE; i++)
        {
            e.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(id));
    }

    /**
     * README 1118-1121: "a HybridEngine started over it starts the cache at that safe point". A sweep at safe point 0
     * is a sweep (it drops tombstones at version 0) and the store reports gcSafePoint() 0: the first engine refuses a
     * cache read at version 0 (at or below the safe point); an engine started over the store should too.
     */
    @Test
    void engineStartedOverAStoreSweptAtZeroStartsAtSafePointZero()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e1 = engine(store);
        ok(e1, e1.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e1, e1.write(new WriteBatch(1, 5, 1).put(b("k"), b("v1"))));
        e1.gc(0);
        assertEquals(0, store.gcSafePoint());
        try (Snapshot sn = e1.cache().newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, sn.open(1, 5, 0), "first engine: at the safe point is refused");
        }
        e1.close();
        final HybridEngine e2 = engine(store);
        ok(e2, e2.loadRegion(new Region(1, b("a"), b("z"), 5)));
        cycleUntilActive(e2, 1);
        try (Snapshot sn = e2.cache().newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, sn.open(1, 5, 0), "engine over the swept store: safe point 0");
        }
        try (HybridReader rd = e2.newReader())
        {
            assertNull(rd.get(1, 5, 0, b("k")));
            assertEquals("v1", s(rd.get(1, 5, 1, b("k"))));
        }
    }

    /** README 1126-1129: the epoch a state word holds is 32 bits; a batch with a larger epoch is refused at the call,
     * before the store sees it; the largest legal epoch goes through. */
    @Test
    void epochPastTheStateWordIsRefusedBeforeTheStore()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store);
        final long max = (1L << 32) - 1;
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), max)));
        ok(e, e.write(new WriteBatch(1, max, 1).put(b("k"), b("v1"))));
        final int entries = store.entryCount();
        assertEquals(ResultCode.INVALID, e.await(e.write(new WriteBatch(1, max + 1, 2).put(b("k"), b("v2")))).code());
        assertEquals(ResultCode.INVALID, e.await(e.write(new WriteBatch(-1, 5, 2).put(b("k"), b("v2")))).code());
        assertEquals(ResultCode.INVALID, e.await(e.write(new WriteBatch(1, max, 2).put(new byte[0], b("v2")))).code());
        assertEquals(entries, store.entryCount());
        try (HybridReader rd = e.newReader())
        {
            assertEquals("v1", s(rd.get(1, max, 5, b("k"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
        }
    }

    /** A hybrid scan served by the cache keeps its region pinned: an eviction mid-scan does not change what it
     * returns; a write landing meanwhile (the store's, at a newer version) is not in it; closing it lets the record
     * drain. */
    @Test
    void evictionInTheMiddleOfACacheScan()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store);
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        final WriteBatch w = new WriteBatch(1, 5, 10);
        for (char c = 'a'; c < 'z'; c++)
        {
            w.put(new byte[] {(byte)c}, b("v" + c));
        }
        ok(e, e.write(w));
        try (HybridReader rd = e.newReader())
        {
            final List<String> got = new ArrayList<>();
            try (HybridScan sc = rd.scan(1, 5, 10, b("a"), b("z")))
            {
                assertTrue(sc.servedByCache());
                for (int i = 0; i < 5 && sc.next(); i++)
                {
                    got.add(s(sc.valueBytes()));
                }
                ok(e, e.evict(1, EvictReason.MANUAL));
                assertEquals(ResultCode.NOT_CACHED,
                    e.await(e.write(new WriteBatch(1, 5, 11).put(b("m"), b("new")).delete(b("x")))).code());
                for (int i = 0; i < 8; i++)
                {
                    e.applyCycle();
                }
                assertEquals(1, e.cache().metrics().get("regions.draining"));
                while (sc.next())
                {
                    got.add(s(sc.valueBytes()));
                }
            }
            assertEquals(25, got.size());
            assertEquals("vm", got.get(12));
            assertEquals("vx", got.get(23));
            for (int i = 0; i < 8; i++)
            {
                e.applyCycle();
            }
            assertEquals(0, e.cache().metrics().get("regions.draining"));
            assertEquals(0, e.cache().memoryInUse());
            assertEquals("new", s(rd.get(1, 5, 11, b("m"))));
            assertNull(rd.get(1, 5, 11, b("x")));
        }
    }
}
