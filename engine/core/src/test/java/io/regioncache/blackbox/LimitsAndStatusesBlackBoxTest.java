package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.await;
import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static io.regioncache.blackbox.BB.poll;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

class LimitsAndStatusesBlackBoxTest
{
    private final List<RegionCache> caches = new ArrayList<>();

    RegionCache cache(final RegionCacheConfig.Builder b)
    {
        final RegionCache c = RegionCache.create(b
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000)
            .build());
        caches.add(c);
        return c;
    }

    RegionCache small()
    {
        return cache(RegionCacheConfig.builder().capacityBytes(64L << 20).segmentSize(1 << 16).maxKeyLength(16)
            .maxValueLength(64));
    }

    @AfterEach
    void closeAll()
    {
        caches.forEach(RegionCache::close);
    }



    @Test
    void theLargestKeyAndAValueLargerThanASegmentAreWrittenAndRead() throws Exception
    {
        final RegionCache c = cache(RegionCacheConfig.builder().capacityBytes(16L << 20).segmentSize(4096)
            .maxKeyLength(65535).maxValueLength(100_000));
        expect(c, ResultCode.OK, c.createRegion(new Region(1, b(""), b(""), 1)));
        final byte[] k = new byte[65535];
        Arrays.fill(k, (byte)0x80);
        final byte[] v = new byte[100_000];
        for (int i = 0; i < v.length; i++)
        {
            v[i] = (byte)i;
        }
        expect(c, ResultCode.OK, c.write(new WriteBatch(1, 1, 1).put(k, v).put(b("a"), b("small"))));
        try (Snapshot s = c.snapshot(1, 1, 10))
        {
            assertArrayEquals(v, s.get(k));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[100_001]);
            assertEquals(100_000, s.get(new UnsafeBuffer(k), 0, k.length, dst, 1));
            assertEquals(-2 - 100_000, s.get(new UnsafeBuffer(k), 0, k.length, dst, 2));
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            assertTrue(s.getView(new UnsafeBuffer(k), 0, k.length, view));
            assertEquals(100_000, view.capacity());
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seekToLast());
            assertArrayEquals(k, it.key());
            assertArrayEquals(v, it.value());
            final NavigableMap<byte[], byte[]> m = s.asNavigableMap();
            assertEquals(2, m.size());
            assertArrayEquals(v, m.lastEntry().getValue());
            final Map.Entry<byte[], byte[]> e = m.higherEntry(b("a"));
            assertArrayEquals(k, e.getKey());
            final UnsafeBuffer keys = new UnsafeBuffer(new byte[65536]);
            keys.putBytes(0, b("a"));
            keys.putBytes(1, k);
            final int[] vo = new int[2];
            final int[] vl = new int[2];
            final UnsafeBuffer big = new UnsafeBuffer(new byte[100_005]);
            assertEquals(100_005, s.multiGet(keys, new int[] {0, 1}, new int[] {1, 65535}, 2, big, 0, vo, vl));
            assertArrayEquals(new int[] {5, 100_000}, vl);
            assertArrayEquals(new int[] {0, 5}, vo);
        }
    }

    @Test
    void theEngineWideSafePointIgnoresALowerOneAndTheRegionsRefusesIt() throws Exception
    {
        final RegionCache c = small();
        expect(c, ResultCode.OK, c.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(c, ResultCode.OK, c.write(new WriteBatch(1, 1, 5).put(b("c"), b("v5"))));
        expect(c, ResultCode.OK, c.write(new WriteBatch(1, 1, 50).put(b("c"), b("v50"))));
        expect(c, ResultCode.OK, c.advanceSafePoint(20));
        expect(c, ResultCode.OK, c.advanceSafePoint(10));
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 20), "at the safe point");
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 15), "the lower one was ignored");
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 21));
            assertArrayEquals(b("v5"), s.get(b("c")));
        }
        expect(c, ResultCode.SKIPPED, c.advanceSafePoint(1, 20));
        expect(c, ResultCode.SKIPPED, c.advanceSafePoint(1, 19));
        expect(c, ResultCode.OK, c.advanceSafePoint(1, 30));
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 30));
            assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
            assertEquals(50, s.readVersion());
            assertArrayEquals(b("v50"), s.get(b("c")));
        }
    }

    @Test
    void aDisabledCacheAnswersAsTheReadmeSays() throws Exception
    {
        final RegionCache c = small();
        expect(c, ResultCode.OK, c.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(c, ResultCode.SKIPPED, c.setEnabled(true));
        final Snapshot pinned = c.snapshot(1, 1, 10);
        expect(c, ResultCode.OK, c.setEnabled(false));
        expect(c, ResultCode.SKIPPED, c.setEnabled(false));
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 1, 10));
        }
        expect(c, ResultCode.NOT_CACHED, c.write(new WriteBatch(1, 1, 5).put(b("c"), b("v"))));
        expect(c, ResultCode.SKIPPED, c.createRegion(new Region(2, b("x"), b("z"), 1)));
        pinned.close();
        expect(c, ResultCode.OK, c.setEnabled(true));
        expect(c, ResultCode.OK, c.createRegion(new Region(2, b("x"), b("z"), 1)));
    }

    @Test
    void aStaleEpochIsHeardBeforeABadKey() throws Exception
    {
        final RegionCache c = small();
        expect(c, ResultCode.OK, c.createRegion(new Region(1, b("c"), b("m"), 3)));
        expect(c, ResultCode.STALE_EPOCH, c.write(new WriteBatch(1, 2, 5).put(b("z"), b("v"))));
        expect(c, ResultCode.STALE_EPOCH, c.split(1, 2, new byte[][] {b("z")}, new long[] {2}, 3));
        expect(c, ResultCode.STALE_EPOCH, c.createRegion(new Region(1, b("x"), b("z"), 2)));
        expect(c, ResultCode.INVALID, c.split(1, 3, new byte[][] {b("c")}, new long[] {2}, 4));
        expect(c, ResultCode.INVALID, c.split(1, 3, new byte[][] {b("m")}, new long[] {2}, 4));
        expect(c, ResultCode.INVALID, c.split(1, 3, new byte[][] {b("d")}, new long[] {2}, 3));
        expect(c, ResultCode.INVALID, c.split(1, 3, new byte[][] {b("d")}, new long[] {1}, 4));
        expect(c, ResultCode.OK, c.split(1, 3, new byte[][] {b("d")}, new long[] {2}, 4));
        assertNull(c.regionFor(null));
    }

    @Test
    void aSnapshotOfARegionBeingEvictedUnderAPin() throws Exception
    {
        final RegionCache c = small();
        expect(c, ResultCode.OK, c.createRegion(new Region(1, b("c"), b("m"), 3)));
        expect(c, ResultCode.OK, c.write(new WriteBatch(1, 3, 5).put(b("d"), b("v"))));
        final Snapshot pinned = c.snapshot(1, 3, 10);
        final CompletableFuture<CommandResult> ev = c.evict(1, EvictReason.MANUAL);
        for (int i = 0; i < 100; i++)
        {
            c.applyCycle();
        }
        try (Snapshot s = c.newSnapshot())
        {
            final SnapshotStatus st = s.open(1, 3, 10);
            assertTrue(st == SnapshotStatus.EVICTING || st == SnapshotStatus.NOT_CACHED, st::toString);
        }
        assertArrayEquals(b("v"), pinned.get(b("d")), "the pinned snapshot still reads");
        pinned.close();
        expect(c, ResultCode.OK, ev);
    }

    @Test
    void aLoadedRegionSkipsWritesItCopiedAndRefusesRepeats() throws Exception
    {
        final io.regioncache.store.InMemoryBackingStore store = new io.regioncache.store.InMemoryBackingStore();
        store.applyBatch(new WriteBatch(1, 1, 5).put(b("c"), b("v5")).put(b("d"), b("d5")));
        final RegionCache c = cache(RegionCacheConfig.builder().capacityBytes(64L << 20).segmentSize(1 << 16)
            .maxKeyLength(16).maxValueLength(64).backingStore(store));
        expect(c, ResultCode.OK, c.loadRegion(new Region(1, b("a"), b("m"), 1)));
        assertTrue(poll(c, 20_000, () -> c.stateOf(1) == io.regioncache.RegionState.ACTIVE));
        expect(c, ResultCode.SKIPPED, c.write(new WriteBatch(1, 1, 3).put(b("c"), b("older"))));
        expect(c, ResultCode.SKIPPED, c.write(new WriteBatch(1, 1, 5).put(b("c"), b("again"))));
        expect(c, ResultCode.INVALID, c.write(new WriteBatch(1, 1, 4).put(b("c"), b("backwards"))));
        expect(c, ResultCode.SKIPPED, c.loadRegion(new Region(1, b("a"), b("m"), 1, 7)));
        store.applyBatch(new WriteBatch(1, 1, 6).put(b("c"), b("v6")));
        expect(c, ResultCode.OK, c.write(new WriteBatch(1, 1, 6).put(b("c"), b("v6"))));
        expect(c, ResultCode.INVALID, c.write(new WriteBatch(1, 1, 6).put(b("c"), b("v6b"))));
        expect(c, ResultCode.INVALID, c.write(new WriteBatch(1, 1, 4).put(b("c"), b("v4"))));
        try (Snapshot s = c.snapshot(1, 1, 100))
        {
            assertArrayEquals(b("v6"), s.get(b("c")));
            assertArrayEquals(b("d5"), s.get(b("d")));
            assertEquals(6, s.readVersion());
        }
        try (Snapshot s = c.snapshot(1, 1, 5))
        {
            assertArrayEquals(b("v5"), s.get(b("c")));
        }
    }

    @Test
    void aRegionNotYetLoadedAnswersLoadingAndSkipsWritesWhilePending() throws Exception
    {
        final io.regioncache.store.InMemoryBackingStore store = new io.regioncache.store.InMemoryBackingStore();
        store.applyBatch(new WriteBatch(1, 1, 5).put(b("c"), b("v5")));
        final List<Runnable> held = new ArrayList<>();
        final RegionCache c = RegionCache.create(RegionCacheConfig.builder().capacityBytes(64L << 20)
            .segmentSize(1 << 16).maxKeyLength(16).maxValueLength(64).backingStore(store)
            .threading(RegionCacheConfig.Threading.INVOKER).loaderExecutor(held::add).gcExecutor(Runnable::run)
            .pipelinedLoads(false).closeTimeoutMillis(2_000).build());
        caches.add(c);
        final CompletableFuture<CommandResult> load = c.loadRegion(new Region(1, b("a"), b("m"), 1));
        for (int i = 0; i < 50; i++)
        {
            c.applyCycle();
        }
        final io.regioncache.RegionState st = c.stateOf(1);
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.LOADING, s.open(1, 1, 10), "state " + st);
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 0, 10), "a stale epoch first, state " + st);
        }
        if (st == io.regioncache.RegionState.PENDING)
        {
            expect(c, ResultCode.SKIPPED, c.write(new WriteBatch(1, 1, 6).put(b("c"), b("v6"))));
        }
        for (int i = 0; i < 1000 && c.stateOf(1) != io.regioncache.RegionState.ACTIVE; i++)
        {
            final List<Runnable> jobs = new ArrayList<>(held);
            held.clear();
            jobs.forEach(Runnable::run);
            c.applyCycle();
        }
        expect(c, ResultCode.OK, load);
        assertEquals(io.regioncache.RegionState.ACTIVE, c.stateOf(1));
        new ArrayList<>(held).forEach(Runnable::run);
        held.clear();
    }


    @Test
    void everyCommandOnAnUnknownIdAnswersNotCached() throws Exception
    {
        final RegionCache c = small();
        expect(c, ResultCode.OK, c.createRegion(new Region(1, b("a"), b("m"), 1)));
        final java.util.Map<String, CompletableFuture<CommandResult>> fs = new java.util.LinkedHashMap<>();
        fs.put("write", c.write(new WriteBatch(99, 1, 5).put(b("c"), b("v"))));
        fs.put("split", c.split(99, 1, new byte[][] {b("c")}, new long[] {98}, 2));
        fs.put("evict", c.evict(99, EvictReason.MANUAL));
        fs.put("destroy", c.destroy(99));
        fs.put("applySnapshot", c.applySnapshot(99));
        fs.put("setKeepCached", c.setKeepCached(99, true));
        fs.put("compact", c.compact(99));
        fs.put("advanceSafePoint", c.advanceSafePoint(99, 5));
        fs.put("prepareMerge", c.prepareMerge(99));
        fs.put("rollbackMerge", c.rollbackMerge(99));
        fs.put("commitMerge", c.commitMerge(99, 98));
        final List<String> bad = new ArrayList<>();
        for (final java.util.Map.Entry<String, CompletableFuture<CommandResult>> e : fs.entrySet())
        {
            final CommandResult r = await(c, e.getValue());
            if (r.code() != ResultCode.NOT_CACHED)
            {
                bad.add(e.getKey() + " -> " + r);
            }
        }
        assertEquals(List.of(), bad);
    }
}
