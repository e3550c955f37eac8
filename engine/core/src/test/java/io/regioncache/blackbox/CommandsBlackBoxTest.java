package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.atCall;
import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

class CommandsBlackBoxTest
{
    private static final long MAX_EPOCH = (1L << 32) - 1;
    private RegionCache cache;

    @AfterEach
    void close()
    {
        if (cache != null)
        {
            cache.close();
        }
    }

    private RegionCache start(final RegionCacheConfig.Builder builder)
    {
        cache = RegionCache.create(builder.build());
        return cache;
    }

    private SnapshotStatus open(final long id, final long epoch, final long rv)
    {
        final Snapshot s = cache.newSnapshot();
        try
        {
            return s.open(id, epoch, rv);
        }
        finally
        {
            s.dispose();
        }
    }

    private void createA() throws Exception
    {
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("b"), b("m"), 5)));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 5, 10).put(b("c"), b("v1"))));
    }

    private void region1Unchanged()
    {
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(new Region(1, b("b"), b("m"), 5), cache.region(1));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
        assertArrayEquals(b("v1"), s.get(b("c")));
        s.dispose();
    }

    /** README 994: "split keys outside it" INVALID on the apply thread; a key equal to the start or the end is outside. */
    @Test
    void splitKeyEqualToTheRegionsStartOrEndIsInvalidAndChangesNothing() throws Exception
    {
        start(BB.invoker());
        createA();
        for (final String k : new String[] {"b", "m", "a", "z"})
        {
            expect(cache, ResultCode.INVALID, cache.split(1, 5, new byte[][] {b(k)}, new long[] {2}, 6));
            region1Unchanged();
            assertNull(cache.stateOf(2) == null ? null : cache.stateOf(2));
        }
        // Just inside: a one-byte-longer key than the start.
        expect(cache, ResultCode.OK, cache.split(1, 5, new byte[][] {b("b\0")}, new long[] {2}, 6));
        assertEquals(new Region(2, b("b"), b("b\0"), 6), cache.region(2));
        assertEquals(new Region(1, b("b\0"), b("m"), 6), cache.region(1));
    }

    /** README 994: "new ids already in use" INVALID on the apply thread, nothing changed. */
    @Test
    void aSplitNamingAnIdInUseIsInvalid() throws Exception
    {
        start(BB.invoker());
        createA();
        expect(cache, ResultCode.OK, cache.createRegion(new Region(7, b("m"), b("z"), 1)));
        expect(cache, ResultCode.INVALID, cache.split(1, 5, new byte[][] {b("d"), b("g")}, new long[] {3, 7}, 6));
        region1Unchanged();
        assertNull(cache.stateOf(3));
        assertEquals(new Region(7, b("m"), b("z"), 1), cache.region(7));
    }

    /** README 902/984-986: at the call, INVALID even for an uncached region: ids, keys, epochs. */
    @Test
    void splitCallChecksAtTheBoundaries() throws Exception
    {
        start(BB.invoker());
        // uncached region: INVALID at the call
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a")}, new long[] {2}, 1)); // new epoch == old
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a")}, new long[] {2}, 0)); // below
        atCall(ResultCode.INVALID, cache.split(9, MAX_EPOCH, new byte[][] {b("a")}, new long[] {2}, MAX_EPOCH + 1));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a"), b("a")}, new long[] {2, 3}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("b"), b("a")}, new long[] {2, 3}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a"), b("b")}, new long[] {2, 2}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a")}, new long[] {9}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a")}, new long[] {-1}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a")}, new long[] {2, 3}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {new byte[0]}, new long[] {2}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {new byte[BB.MAX_KEY + 1]}, new long[] {2}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {null}, new long[] {2}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[0][], new long[0], 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, null, new long[] {2}, 2));
        atCall(ResultCode.INVALID, cache.split(9, 1, new byte[][] {b("a")}, null, 2));
        atCall(ResultCode.INVALID, cache.split(-1, 1, new byte[][] {b("a")}, new long[] {2}, 2));
        // well-formed at the limits: queued, NOT_CACHED
        expect(cache, ResultCode.NOT_CACHED,
            cache.split(9, MAX_EPOCH - 1, new byte[][] {new byte[BB.MAX_KEY]}, new long[] {Long.MAX_VALUE}, MAX_EPOCH));
    }

    /** README 858 (split with the state the host expected), 888: STATE_CONFLICT, decided on the real state. */
    @Test
    void aSplitExpectingAnotherStateIsAConflictButApplied() throws Exception
    {
        start(BB.invoker());
        createA();
        final long before = cache.metrics().get("conflicts");
        expect(cache, ResultCode.STATE_CONFLICT,
            cache.split(1, 5, new byte[][] {b("g")}, new long[] {2}, 6, RegionState.LOADING));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertEquals(new Region(1, b("g"), b("m"), 6), cache.region(1));
        assertEquals(before + 1, cache.metrics().get("conflicts"));
        // expected matches: OK
        expect(cache, ResultCode.OK, cache.split(1, 6, new byte[][] {b("h")}, new long[] {3}, 7, RegionState.ACTIVE));
    }

    /** README 877: SKIPPED for "a split of a region being evicted". */
    @Test
    void aSplitOfARegionBeingEvictedIsSkipped() throws Exception
    {
        start(BB.invoker());
        createA();
        final Snapshot pin = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pin.open(1, 5, 100));
        expect(cache, ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        final CommandResult r = expect(cache, ResultCode.SKIPPED,
            cache.split(1, 5, new byte[][] {b("g")}, new long[] {2}, 6));
        assertEquals(false, r.detail().isEmpty());
        pin.dispose();
    }

    /** README 994: "ranges overlapping a cached region" INVALID; adjacent half-open ranges do not overlap. */
    @Test
    void adjacentRegionsDoNotOverlapButOneSharedKeyDoes() throws Exception
    {
        start(BB.invoker());
        createA(); // [b, m)
        expect(cache, ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("q"), 1)));
        expect(cache, ResultCode.OK, cache.createRegion(new Region(3, new byte[0], b("b"), 1)));
        expect(cache, ResultCode.OK, cache.createRegion(new Region(4, b("q"), new byte[0], 1)));
        expect(cache, ResultCode.INVALID, cache.createRegion(new Region(5, b("p"), b("p\0"), 1)));
        expect(cache, ResultCode.INVALID, cache.createRegion(new Region(6, b("zzz"), new byte[0], 1)));
        expect(cache, ResultCode.INVALID, cache.createRegion(new Region(6, new byte[0], b("a"), 1)));
        assertNull(cache.stateOf(5));
        assertNull(cache.stateOf(6));
        region1Unchanged();
    }

    /** README 987-988: empty or inverted ranges INVALID at the call (deleteRange, ingest, evictRange, Region). */
    @Test
    void emptyOrInvertedRangesAreInvalidAtTheCall() throws Exception
    {
        start(BB.invoker());
        createA();
        atCall(ResultCode.INVALID, cache.deleteRange(b("c"), b("c")));
        atCall(ResultCode.INVALID, cache.deleteRange(b("d"), b("c"), 5));
        atCall(ResultCode.INVALID, cache.ingest(b("d"), b("c")));
        atCall(ResultCode.INVALID, cache.evictRange(b("c"), b("c"), EvictReason.MANUAL));
        atCall(ResultCode.INVALID, cache.createRegion(new Region(2, b("x"), b("x"), 1)));
        atCall(ResultCode.INVALID, cache.createRegion(new Region(2, b("y"), b("x"), 1)));
        region1Unchanged();
        // An empty end is +infinity: [x, +inf) is a range, not inverted.
        expect(cache, ResultCode.NOT_CACHED, cache.deleteRange(b("x"), new byte[0]));
        // [c, c\0) holds exactly the key c, inside region 1: evicted.
        expect(cache, ResultCode.OK, cache.ingest(b("c"), b("c\0")));
        assertNull(cache.stateOf(1));
    }

    /** README 880: a region's safe point below or equal SKIPPED; engine-wide lower one OK and ignored. */
    @Test
    void safePointsOnlyMoveForward() throws Exception
    {
        start(BB.invoker());
        createA();
        expect(cache, ResultCode.NOT_CACHED, cache.advanceSafePoint(42, 5));
        expect(cache, ResultCode.OK, cache.advanceSafePoint(50));
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(1, 5, 50));
        assertEquals(SnapshotStatus.OK, open(1, 5, 51));
        expect(cache, ResultCode.OK, cache.advanceSafePoint(20)); // lower: OK, ignored
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(1, 5, 30));
        expect(cache, ResultCode.SKIPPED, cache.advanceSafePoint(1, 50)); // equal to the region's
        expect(cache, ResultCode.SKIPPED, cache.advanceSafePoint(1, 10)); // below
        expect(cache, ResultCode.OK, cache.advanceSafePoint(1, 60));
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(1, 5, 60));
        assertEquals(SnapshotStatus.OK, open(1, 5, 61));
        expect(cache, ResultCode.OK, cache.advanceSafePoint(0)); // 0 is a good safe point
        atCall(ResultCode.INVALID, cache.advanceSafePoint(-1));
        atCall(ResultCode.INVALID, cache.advanceSafePoint(1, -1));
        atCall(ResultCode.INVALID, cache.advanceSafePoint(-1, 5));
        // A region created after the engine-wide safe point starts at it.
        expect(cache, ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
        assertEquals(SnapshotStatus.TOO_OLD_READ, open(2, 1, 50));
        expect(cache, ResultCode.SKIPPED, cache.advanceSafePoint(2, 50));
    }

    /** README 873, 882, 862: setKeepCached and compact answer NOT_CACHED / OK / SKIPPED; reserved ids INVALID. */
    @Test
    void keepCachedAndCompactAnswers() throws Exception
    {
        final BB.HeldExecutor loader = new BB.HeldExecutor();
        start(BB.invoker().backingStore(new InMemoryBackingStore()).loaderExecutor(loader));
        createA();
        expect(cache, ResultCode.NOT_CACHED, cache.setKeepCached(42, true));
        expect(cache, ResultCode.NOT_CACHED, cache.compact(42));
        expect(cache, ResultCode.OK, cache.setKeepCached(1, true));
        expect(cache, ResultCode.OK, cache.setKeepCached(1, false));
        atCall(ResultCode.INVALID, cache.setKeepCached(-1, true));
        atCall(ResultCode.INVALID, cache.compact(-1));
        expect(cache, ResultCode.OK, cache.compact(1));
        // A region that is not ACTIVE cannot be compacted: SKIPPED, with the reason.
        cache.pauseLoads(true);
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(2, b("m"), b("z"), 1)));
        assertEquals(RegionState.PENDING, cache.stateOf(2));
        expect(cache, ResultCode.SKIPPED, cache.compact(2));
        expect(cache, ResultCode.OK, cache.setKeepCached(2, true));
        assertEquals(RegionState.PENDING, cache.stateOf(2));
    }

    /** README 862-864, 873-874: disable / enable. */
    @Test
    void disableAndEnableAnswerAsListed() throws Exception
    {
        start(BB.invoker().backingStore(new InMemoryBackingStore()));
        createA();
        expect(cache, ResultCode.SKIPPED, cache.setEnabled(true));
        final CommandResult off = expect(cache, ResultCode.OK, cache.setEnabled(false));
        assertNull(cache.stateOf(1));
        assertEquals(1, cache.metrics().get("evictions.DISABLED"), off.toString());
        expect(cache, ResultCode.SKIPPED, cache.setEnabled(false));
        expect(cache, ResultCode.SKIPPED, cache.createRegion(new Region(1, b("b"), b("m"), 5)));
        expect(cache, ResultCode.SKIPPED, cache.loadRegion(new Region(1, b("b"), b("m"), 5)));
        expect(cache, ResultCode.SKIPPED, cache.loadRegionKeepCached(new Region(1, b("b"), b("m"), 5)));
        expect(cache, ResultCode.NOT_CACHED, cache.write(new WriteBatch(1, 5, 11).put(b("c"), b("v"))));
        assertEquals(SnapshotStatus.NOT_CACHED, open(1, 5, 100));
        assertEquals(false, cache.isEnabled());
        expect(cache, ResultCode.OK, cache.setEnabled(true));
        assertEquals(true, cache.isEnabled());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("b"), b("m"), 5)));
        assertEquals(SnapshotStatus.OK, open(1, 5, 100));
    }

    /** README 865-866: evict, destroy, applySnapshot, prepare/commit/rollbackMerge in each state. */
    @Test
    void evictionCommandsInEveryLiveState() throws Exception
    {
        final BB.HeldExecutor loader = new BB.HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 3, b("s"));
        start(BB.invoker().backingStore(store).loaderExecutor(loader));
        // PENDING
        cache.pauseLoads(true);
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("f"), 1)));
        assertEquals(RegionState.PENDING, cache.stateOf(1));
        assertEquals(SnapshotStatus.LOADING, open(1, 1, 10));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, open(1, 0, 10));
        expect(cache, ResultCode.OK, cache.destroy(1));
        assertNull(cache.stateOf(1));
        // LOADING (the loader holds the job)
        cache.pauseLoads(false);
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(2, b("f"), b("k"), 1)));
        for (int i = 0; i < 100 && cache.stateOf(2) != RegionState.LOADING; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.LOADING, cache.stateOf(2));
        assertEquals(SnapshotStatus.LOADING, open(2, 1, 10));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, open(2, 2, 10));
        expect(cache, ResultCode.OK, cache.applySnapshot(2));
        assertNull(cache.stateOf(2));
        loader.runAll();
        for (int i = 0; i < 100; i++)
        {
            cache.applyCycle();
        }
        assertNull(cache.stateOf(2));
        // ACTIVE: merge of two non-adjacent regions evicts both
        expect(cache, ResultCode.OK, cache.createRegion(new Region(3, b("k"), b("m"), 1)));
        expect(cache, ResultCode.OK, cache.createRegion(new Region(4, b("p"), b("r"), 1)));
        expect(cache, ResultCode.OK, cache.commitMerge(3, 4));
        assertNull(cache.stateOf(3));
        assertNull(cache.stateOf(4));
        expect(cache, ResultCode.NOT_CACHED, cache.commitMerge(3, 4));
        expect(cache, ResultCode.NOT_CACHED, cache.prepareMerge(3));
        expect(cache, ResultCode.NOT_CACHED, cache.rollbackMerge(3));
        expect(cache, ResultCode.OK, cache.createRegion(new Region(5, b("k"), b("m"), 1)));
        expect(cache, ResultCode.OK, cache.commitMerge(99, 5)); // one of the two cached: OK
        assertNull(cache.stateOf(5));
        expect(cache, ResultCode.OK, cache.createRegion(new Region(6, b("k"), b("m"), 1)));
        expect(cache, ResultCode.OK, cache.prepareMerge(6));
        expect(cache, ResultCode.OK, cache.createRegion(new Region(6, b("k"), b("m"), 2)));
        expect(cache, ResultCode.OK, cache.rollbackMerge(6));
        assertNull(cache.stateOf(6));
        atCall(ResultCode.INVALID, cache.evict(1, null));
        atCall(ResultCode.INVALID, cache.commitMerge(1, -2));
        atCall(ResultCode.INVALID, cache.commitMerge(-2, 1));
        atCall(ResultCode.INVALID, cache.evictRange(b("a"), b("b"), null));
    }

    /** README 895-896 and 1053-1055: after close() every well-formed command CLOSED at the call, bad input INVALID. */
    @Test
    void afterCloseEveryCommandAnswersClosedAtTheCallAndBadInputInvalid() throws Exception
    {
        start(BB.invoker().backingStore(new InMemoryBackingStore()));
        createA();
        cache.close();
        final Region ok = new Region(2, b("m"), b("z"), 1);
        final List<Supplier<CompletableFuture<CommandResult>>> good = new ArrayList<>();
        good.add(() -> cache.createRegion(ok));
        good.add(() -> cache.loadRegion(ok));
        good.add(() -> cache.loadRegionKeepCached(ok));
        good.add(() -> cache.write(new WriteBatch(1, 5, 11).put(b("c"), b("v"))));
        good.add(() -> cache.split(1, 5, new byte[][] {b("g")}, new long[] {2}, 6));
        good.add(() -> cache.split(1, 5, new byte[][] {b("g")}, new long[] {2}, 6, RegionState.ACTIVE));
        good.add(() -> cache.prepareMerge(1));
        good.add(() -> cache.commitMerge(1, 2));
        good.add(() -> cache.rollbackMerge(1));
        good.add(() -> cache.deleteRange(b("a"), b("z")));
        good.add(() -> cache.deleteRange(b("a"), b("z"), 3));
        good.add(() -> cache.ingest(b("a"), b("z")));
        good.add(() -> cache.evictRange(new byte[0], new byte[0], EvictReason.MANUAL));
        good.add(() -> cache.applySnapshot(1));
        good.add(() -> cache.destroy(1));
        good.add(() -> cache.evict(1, EvictReason.MANUAL));
        good.add(() -> cache.advanceSafePoint(5));
        good.add(() -> cache.advanceSafePoint(1, 5));
        good.add(() -> cache.setKeepCached(1, true));
        good.add(() -> cache.compact(1));
        good.add(() -> cache.setEnabled(true));
        good.add(() -> cache.setEnabled(false));
        for (int i = 0; i < good.size(); i++)
        {
            final int n = i;
            final CompletableFuture<CommandResult> f = good.get(i).get();
            org.junit.jupiter.api.Assertions.assertTrue(f.isDone(), "command " + n + " answered at the call");
            assertEquals(ResultCode.CLOSED, f.join().code(), "command " + n + ": " + f.join());
        }
        final List<Supplier<CompletableFuture<CommandResult>>> bad = new ArrayList<>();
        bad.add(() -> cache.createRegion(new Region(2, null, b("z"), 1)));
        bad.add(() -> cache.loadRegion(new Region(-2, b("m"), b("z"), 1)));
        bad.add(() -> cache.loadRegionKeepCached(new Region(2, b("m"), b("z"), MAX_EPOCH + 1)));
        bad.add(() -> cache.write(new WriteBatch(1, 5, -1).put(b("c"), b("v"))));
        bad.add(() -> cache.write(new WriteBatch(1, MAX_EPOCH + 1, 5).put(b("c"), b("v"))));
        bad.add(() -> cache.split(1, 5, new byte[][] {b("g")}, new long[] {2}, 5));
        bad.add(() -> cache.prepareMerge(-1));
        bad.add(() -> cache.commitMerge(1, -1));
        bad.add(() -> cache.rollbackMerge(-3));
        bad.add(() -> cache.deleteRange(null, b("z")));
        bad.add(() -> cache.deleteRange(b("a"), b("z"), -1));
        bad.add(() -> cache.ingest(b("z"), b("a")));
        bad.add(() -> cache.evictRange(b("a"), b("b"), null));
        bad.add(() -> cache.applySnapshot(-1));
        bad.add(() -> cache.destroy(-1));
        bad.add(() -> cache.evict(1, null));
        bad.add(() -> cache.advanceSafePoint(-5));
        bad.add(() -> cache.advanceSafePoint(1, -5));
        bad.add(() -> cache.setKeepCached(-1, true));
        bad.add(() -> cache.compact(-1));
        for (int i = 0; i < bad.size(); i++)
        {
            final int n = i;
            final CompletableFuture<CommandResult> f = bad.get(i).get();
            org.junit.jupiter.api.Assertions.assertTrue(f.isDone(), "bad command " + n + " answered at the call");
            assertEquals(ResultCode.INVALID, f.join().code(), "bad command " + n + ": " + f.join());
        }
        assertEquals(SnapshotStatus.CLOSED, open(1, 5, 100));
        assertEquals(SnapshotStatus.CLOSED, open(42, 5, 100));
    }

    /** README 985: "a load with no backing store configured" INVALID at the call. */
    @Test
    void aLoadWithoutAStoreIsInvalidAtTheCallAlsoWhenDisabledOrClosed() throws Exception
    {
        start(BB.invoker());
        final Region r = new Region(2, b("m"), b("z"), 1);
        atCall(ResultCode.INVALID, cache.loadRegion(r));
        atCall(ResultCode.INVALID, cache.loadRegionKeepCached(r));
        expect(cache, ResultCode.OK, cache.setEnabled(false));
        atCall(ResultCode.INVALID, cache.loadRegion(r));
        cache.close();
        atCall(ResultCode.INVALID, cache.loadRegionKeepCached(r));
    }

    /** README 989-990: a region's range keys longer than maxKeyLength are INVALID at the call; exactly max is fine. */
    @Test
    void regionBoundsAtMaxKeyLength() throws Exception
    {
        start(BB.invoker());
        final byte[] max = new byte[BB.MAX_KEY];
        java.util.Arrays.fill(max, (byte)'x');
        final byte[] over = java.util.Arrays.copyOf(max, BB.MAX_KEY + 1);
        atCall(ResultCode.INVALID, cache.createRegion(new Region(2, b("a"), over, 1)));
        atCall(ResultCode.INVALID, cache.createRegion(new Region(2, over, new byte[0], 1)));
        expect(cache, ResultCode.OK, cache.createRegion(new Region(2, b("a"), max, 1)));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(2, 1, 1).put(java.util.Arrays.copyOf(max, 15), b("v"))));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(2, 1, 2).put(max, b("v")))); // == end: outside
    }

    /** README 996-997: a write at version 0 on a new region is refused; version 1 is the first. */
    @Test
    void versionZeroIsNotAboveANewRegionsLastVersion() throws Exception
    {
        start(BB.invoker());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(2, b("a"), b("z"), 1)));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(2, 1, 0).put(b("c"), b("v"))));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(2, 1, 1).put(b("c"), b("v"))));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(2, 1, 1).put(b("d"), b("v"))));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(2, 1, Long.MAX_VALUE).put(b("d"), b("w"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(2, 1, Long.MAX_VALUE));
        assertArrayEquals(b("w"), s.get(b("d")));
        assertArrayEquals(b("v"), s.get(b("c")));
        s.dispose();
    }

    /** README 875: SKIPPED for a write to a PENDING region; the write at a newer epoch on PENDING too. */
    @Test
    void writesToAPendingRegionAreSkipped() throws Exception
    {
        start(BB.invoker().backingStore(new InMemoryBackingStore()));
        cache.pauseLoads(true);
        expect(cache, ResultCode.OK, cache.loadRegion(new Region(2, b("a"), b("z"), 3)));
        expect(cache, ResultCode.SKIPPED, cache.write(new WriteBatch(2, 3, 5).put(b("c"), b("v"))));
        expect(cache, ResultCode.STALE_EPOCH, cache.write(new WriteBatch(2, 2, 6).put(b("zz"), b("v"))));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(2, 3, 7).put(b("zz"), b("v"))));
        expect(cache, ResultCode.INVALID, cache.write(new WriteBatch(2, 3, 5).put(b("c"), b("v")))); // repeated
        expect(cache, ResultCode.SKIPPED, cache.loadRegion(new Region(2, b("a"), b("z"), 3))); // cached already
        assertEquals(RegionState.PENDING, cache.stateOf(2));
    }
}
