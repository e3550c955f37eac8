package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

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
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/** Audit 13b: budget at its edges through the hybrid engine, CrossCheck's divergences, the exactly-once unpin move. */
class HybridMemoryAndChecksTest
{
    private static final int SEG = 1 << 16;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    private HybridEngine engine(final InMemoryBackingStore store, final RegionCacheConfig.Builder cfg)
    {
        final HybridEngine e = HybridEngine.create(store, cfg
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000));
        toClose.add(e);
        return e;
    }

    private static void ok(final HybridEngine e, final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = e.await(f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
    }

    private static void drainTo(final HybridEngine e, final long bytes)
    {
        for (int i = 0; i < 100_000 && e.cache().memoryInUse() > bytes; i++)
        {
            e.applyCycle();
        }
        assertEquals(bytes, e.cache().memoryInUse());
    }

    /** README 1273-1276: at exactly segmentSize every region's first write answers MEMORY_LIMIT (evicted, the engine
     * keeps serving, nothing leaks). Through the hybrid engine the store has the write: a read after the answer is
     * the store's. */
    @Test
    void budgetOfExactlyOneSegmentRefusesTheFirstWriteButTheStoreServesIt()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, RegionCacheConfig.builder().segmentSize(SEG).capacityBytes(SEG));
        for (long id = 1; id <= 3; id++)
        {
            final byte[] lo = {(byte)(id * 16)};
            final byte[] hi = {(byte)(id * 16 + 16)};
            ok(e, e.createRegion(new Region(id, lo, hi, 5)));
            final byte[] k = {(byte)(id * 16 + 1)};
            final CommandResult r = e.await(e.write(new WriteBatch(id, 5, 10).put(k, b("v" + id))));
            assertEquals(ResultCode.MEMORY_LIMIT, r.code(), r::toString);
            assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(id));
            try (HybridReader rd = e.newReader())
            {
                assertEquals("v" + id, s(rd.get(id, 5, 10, k)));
                assertNotEquals(SnapshotStatus.OK, rd.lastStatus());
            }
            drainTo(e, 0);
        }
        assertTrue(e.cache().metrics().get("evictions.MEMORY_LIMIT") >= 3);
    }

    /** README 1273-1276: with inlineNewestVersions(false), segmentSize + 128 bytes is enough for a region; filling it
     * past the cap answers MEMORY_LIMIT, the cap holds, every write is readable from the store after, memory returns. */
    @Test
    void slotsOnlyBudgetJustAboveOneSegmentFillsThenHoldsTheCap()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final long cap = SEG + 128;
        final HybridEngine e = engine(store, RegionCacheConfig.builder().segmentSize(SEG).capacityBytes(cap)
            .inlineNewestVersions(false));
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 1).put(b("k0000"), b("first"))));
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
        assertTrue(e.cache().memoryInUse() <= cap);
        int v = 2;
        CommandResult last = null;
        for (; v < 100_000; v++)
        {
            last = e.await(e.write(new WriteBatch(1, 5, v).put(b(String.format("k%04d", v % 5000)), new byte[64])));
            assertTrue(e.cache().memoryInUse() <= cap, "cap held: " + e.cache().memoryInUse());
            if (last.code() != ResultCode.OK)
            {
                break;
            }
        }
        assertEquals(ResultCode.MEMORY_LIMIT, last.code(), last::toString);
        try (HybridReader rd = e.newReader())
        {
            assertEquals("first", s(rd.get(1, 5, v, b("k0000"))));
            assertEquals(64, rd.get(1, 5, v, b(String.format("k%04d", v % 5000))).length, "the refused write is the store's");
        }
        drainTo(e, 0);
    }

    /** CrossCheck lists each divergence by kind (README 1162-1163) for writes made around the engine below the
     * version the cache applied last. */
    @Test
    void crossCheckListsEachKindOfDivergence()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, RegionCacheConfig.builder().segmentSize(SEG).capacityBytes(64L << 20));
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 8).put(b("same"), b("s")).put(b("gone"), b("g")).put(b("diff"), b("d"))));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("top"), b("t"))));
        assertTrue(CrossCheck.check(e, 1).ok());
        store.put(b("extra"), 9, b("x"));
        store.delete(b("gone"), 9);
        store.put(b("diff"), 9, b("D"));
        final CrossCheck.Report r = CrossCheck.check(e, 1);
        assertFalse(r.ok());
        assertEquals(SnapshotStatus.OK, r.status());
        assertEquals(10, r.readVersion());
        assertEquals(Set.of("MISSING_IN_CACHE:extra", "MISSING_IN_STORE:gone", "DIFFERENT:diff"),
            r.divergences().stream().map(d -> d.kind() + ":" + s(d.key())).collect(Collectors.toSet()), r::toString);
        assertEquals(3, r.divergences().size());
        final List<CrossCheck.Report> all = CrossCheck.checkAll(e);
        assertEquals(1, all.size());
        assertFalse(all.get(0).ok());
    }

    /** README 1222: the unpin that leaves a PENDING_EVICT record with no pin moves it to EVICTING exactly once, with
     * many snapshots closed at once from many threads. */
    @Test
    void lastOfManyConcurrentUnpinsMovesToEvictingExactlyOnce() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, RegionCacheConfig.builder().segmentSize(SEG).capacityBytes(64L << 20));
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try
        {
            for (int round = 0; round < 20; round++)
            {
                final long id = round + 1;
                final Region region = new Region(id, new byte[] {(byte)id}, new byte[] {(byte)(id + 1)}, 5);
                ok(e, e.createRegion(region));
                ok(e, e.write(new WriteBatch(id, 5, 10).put(new byte[] {(byte)id, 1}, b("v"))));
                final List<Snapshot> snaps = new ArrayList<>();
                for (int i = 0; i < 8; i++)
                {
                    final Snapshot sn = e.cache().snapshot(id, 5, 10);
                    assertNotNull(sn);
                    snaps.add(sn);
                }
                final long made = e.cache().metrics().get("transitions.made.PENDING_EVICT->EVICTING");
                ok(e, e.evict(id, EvictReason.MANUAL));
                for (int i = 0; i < 4; i++)
                {
                    e.applyCycle();
                }
                assertEquals(made, e.cache().metrics().get("transitions.made.PENDING_EVICT->EVICTING"), "pins held");
                for (final Snapshot sn : snaps)
                {
                    assertEquals("v", s(sn.get(new byte[] {(byte)id, 1})), "read through an evicted, pinned record");
                }
                final CountDownLatch go = new CountDownLatch(1);
                final List<Future<?>> fs = new ArrayList<>();
                for (final Snapshot sn : snaps)
                {
                    fs.add(pool.submit(() ->
                    {
                        go.await(10, TimeUnit.SECONDS);
                        sn.close();
                        return null;
                    }));
                }
                go.countDown();
                for (final Future<?> f : fs)
                {
                    f.get(10, TimeUnit.SECONDS);
                }
                for (int i = 0; i < 8; i++)
                {
                    e.applyCycle();
                }
                assertEquals(made + 1, e.cache().metrics().get("transitions.made.PENDING_EVICT->EVICTING"), "round " + round);
                drainTo(e, 0);
            }
        }
        finally
        {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** README 1238-1240 / 1366: split pieces share the parent's table (no new memory) until a compaction gives each
     * its own; the parent's table is freed only once no piece reaches it. */
    @Test
    void splitPiecesShareTheTableUntilCompacted()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, RegionCacheConfig.builder().segmentSize(SEG).capacityBytes(64L << 20));
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        for (char c = 'a'; c < 'z'; c++)
        {
            ok(e, e.write(new WriteBatch(1, 5, c).put(new byte[] {(byte)c}, b("v" + c))));
        }
        final long before = e.cache().memoryInUse();
        ok(e, e.split(1, 5, new byte[][] {b("h"), b("p")}, new long[] {2, 3}, 6));
        assertEquals(before, e.cache().memoryInUse(), "pieces share their parent's table");
        ok(e, e.cache().compact(2));
        for (int i = 0; i < 16; i++)
        {
            e.applyCycle();
        }
        assertTrue(e.cache().memoryInUse() > before, "child 2 has a table of its own, the shared one is still reached");
        ok(e, e.cache().compact(3));
        ok(e, e.cache().compact(1));
        for (int i = 0; i < 32; i++)
        {
            e.applyCycle();
        }
        try (HybridReader rd = e.newReader())
        {
            assertEquals("vb", s(rd.get(2, 6, 200, b("b"))));
            assertEquals("vk", s(rd.get(3, 6, 200, b("k"))));
            assertEquals("vy", s(rd.get(1, 6, 200, b("y"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
        }
        assertTrue(CrossCheck.checkAll(e).stream().allMatch(CrossCheck.Report::ok));
        final long three = e.cache().memoryInUse();
        ok(e, e.evict(1, EvictReason.MANUAL));
        ok(e, e.evict(2, EvictReason.MANUAL));
        ok(e, e.evict(3, EvictReason.MANUAL));
        drainTo(e, 0);
        assertTrue(three > 0);
    }

    /** README 1135-1137: a deleteRange the store refused answers STORE_ERROR once the overlapping cached regions are
     * evicted; a write the store refused answers STORE_ERROR and the cache never sees it. */
    @Test
    void storeRefusalsThroughTheEngine()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, RegionCacheConfig.builder().segmentSize(SEG).capacityBytes(64L << 20));
        ok(e, e.createRegion(new Region(1, b("a"), b("m"), 5)));
        ok(e, e.createRegion(new Region(2, b("m"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("c10"))));
        ok(e, e.write(new WriteBatch(2, 5, 10).put(b("p"), b("p10"))));
        store.close();
        final long errs = e.metrics().storeWriteErrors();
        final CommandResult w = e.await(e.write(new WriteBatch(2, 5, 11).put(b("p"), b("p11"))));
        assertEquals(ResultCode.STORE_ERROR, w.code(), w::toString);
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(2));
        try (Snapshot sn = e.cache().snapshot(2, 5, 20))
        {
            assertEquals("p10", s(sn.get(b("p"))), "the cache never saw the refused write");
        }
        final CommandResult dr = e.await(e.deleteRange(b("b"), b("d"), 12));
        assertEquals(ResultCode.STORE_ERROR, dr.code(), dr::toString);
        assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(1), "overlapping region evicted before the answer");
        assertEquals(RegionState.ACTIVE, e.cache().stateOf(2), "a region outside the range stays");
        assertEquals(errs + 2, e.metrics().storeWriteErrors());
        try (HybridReader rd = e.newReader())
        {
            assertThrows(StoreException.class, () -> rd.get(1, 5, 20, b("c")));
            assertEquals("p10", s(rd.get(2, 5, 20, b("p"))));
        }
    }

    /** README 1315: memory is released only when no region reaches it: evicting one of two pieces that share their
     * parent's table frees nothing; the other piece still serves from it; evicting both frees it. */
    @Test
    void evictingOneOfTwoSharingPiecesFreesNothing()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine e = engine(store, RegionCacheConfig.builder().segmentSize(SEG).capacityBytes(64L << 20));
        ok(e, e.createRegion(new Region(1, b("a"), b("z"), 5)));
        ok(e, e.write(new WriteBatch(1, 5, 10).put(b("c"), b("c10")).put(b("p"), b("p10"))));
        ok(e, e.split(1, 5, new byte[][] {b("m")}, new long[] {2}, 6));
        final long shared = e.cache().memoryInUse();
        ok(e, e.evict(2, EvictReason.MANUAL));
        for (int i = 0; i < 16; i++)
        {
            e.applyCycle();
        }
        assertEquals(shared, e.cache().memoryInUse(), "piece 1 still reaches the shared table");
        try (HybridReader rd = e.newReader())
        {
            assertEquals("p10", s(rd.get(1, 6, 10, b("p"))));
            assertEquals(SnapshotStatus.OK, rd.lastStatus());
            assertEquals("c10", s(rd.get(2, 6, 10, b("c"))));
            assertNotEquals(SnapshotStatus.OK, rd.lastStatus());
        }
        ok(e, e.evict(1, EvictReason.MANUAL));
        drainTo(e, 0);
    }
}
