package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.regioncache.store.InMemoryBackingStore;

/**
 * The promises of README.md's "## Embedding" section ("### The engine alone": result codes, "One rule for bad
 * input", what is checked at the call and on the apply thread, snapshot open statuses, the synchronous throws of
 * batch building and snapshot reads, the sealed batch, multiGet, iterator bounds), checked through the public API
 * only, as a host would call it. Every engine here runs in {@code Threading.INVOKER} mode: the test runs the apply
 * thread's duty cycles itself, so nothing depends on timing.
 * <p>
 * Six of these failed on the code they were written against (14e6517), each a promise the code did not keep; the
 * javadoc of each says what the code did then ("Was: ...") and the fix made it keep the promise.
 */
class ReadmeContractTest
{
    private static final int MAX_KEY = InvokerCommands.MAX_KEY;
    private static final int MAX_VALUE = InvokerCommands.MAX_VALUE;

    private RegionCache cache;

    @AfterEach
    void closeCache()
    {
        if (cache != null)
        {
            cache.close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private static RegionCacheConfig.Builder config()
    {
        return InvokerCommands.config();
    }

    private RegionCache start(final RegionCacheConfig.Builder builder)
    {
        cache = RegionCache.create(builder.build());
        return cache;
    }

    /** Runs apply duty cycles until the future completes (bounded), then returns its result. */
    private CommandResult await(final CompletableFuture<CommandResult> f) throws Exception
    {
        return InvokerCommands.await(cache, f);
    }

    private void expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        InvokerCommands.expect(cache, code, f);
    }

    /** INVALID must be decided at the call: the future is already complete, before any apply cycle ran. */
    private void invalidAtCall(final CompletableFuture<CommandResult> f) throws Exception
    {
        final boolean doneAtCall = f.isDone();
        if (!doneAtCall && !cache.isClosed())
        {
            final CommandResult queued = await(f); // to show what the engine answered instead
            assertTrue(doneAtCall, "INVALID must be answered at the call, before anything is queued; it was " +
                "queued and answered " + queued + "; region 1 now " + cache.stateOf(1));
        }
        assertTrue(doneAtCall, "INVALID must be answered at the call, before anything is queued");
        final CommandResult r = f.get(10, TimeUnit.SECONDS);
        assertEquals(ResultCode.INVALID, r.code(), () -> "result: " + r);
        assertFalse(r.detail().isEmpty(), "INVALID carries its reason");
    }

    /** Region 1 = [a, m) at epoch 1 with c=v1 at version 10 and d=v2 at version 20. */
    private void region1() throws Exception
    {
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v1"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("d"), b("v2"))));
    }

    /** Region 1 is still ACTIVE at epoch 1 over [a, m) and still serves its data. */
    private void region1Unchanged()
    {
        assertEquals(RegionState.ACTIVE, cache.stateOf(1), "region 1 must be unchanged");
        assertEquals(new Region(1, b("a"), b("m"), 1), cache.region(1));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        try
        {
            assertArrayEquals(b("v1"), s.get(b("c")));
            assertArrayEquals(b("v2"), s.get(b("d")));
        }
        finally
        {
            s.close();
            s.dispose();
        }
    }

    private static void throwsAtCall(final Class<? extends Throwable> type, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
    }

    // ------------------------------------------------------------------ result codes

    /** README: "NOT_CACHED: ... also the answer for an id the cache does not know ... not bad input". */
    @Test
    void unknownIdsAnswerNotCachedNotInvalid() throws Exception
    {
        start(config());
        expect(ResultCode.NOT_CACHED, cache.write(new WriteBatch(42, 1, 1).put(b("k"), b("v"))));
        expect(ResultCode.NOT_CACHED, cache.split(42, 1, new byte[][] {b("k")}, new long[] {43}, 2));
        expect(ResultCode.NOT_CACHED, cache.evict(42, EvictReason.MANUAL));
        expect(ResultCode.NOT_CACHED, cache.destroy(42));
        expect(ResultCode.NOT_CACHED, cache.commitMerge(42, 43));
        expect(ResultCode.NOT_CACHED, cache.advanceSafePoint(42, 5));
        expect(ResultCode.NOT_CACHED, cache.setKeepCached(42, true));
        expect(ResultCode.NOT_CACHED, cache.compact(42));
        expect(ResultCode.NOT_CACHED, cache.deleteRange(b("a"), b("z"), 5));
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(42, 1, 1));
    }

    /** README: "STALE_EPOCH: ... checked before the keys ...; refused, the region is unchanged." */
    @Test
    void staleEpochIsCheckedBeforeTheKeysAndChangesNothing() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 3)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 3, 10).put(b("c"), b("v1"))));
        // Keys outside today's range, at an older epoch: "stale", not "bad key".
        expect(ResultCode.STALE_EPOCH, cache.write(new WriteBatch(1, 2, 11).put(b("x"), b("bad"))));
        expect(ResultCode.STALE_EPOCH, cache.split(1, 2, new byte[][] {b("x")}, new long[] {2}, 3));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(3, cache.region(1).epochVersion());
        assertNull(cache.region(2));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 3, 100));
        assertArrayEquals(b("v1"), s.get(b("c")));
        s.close();
    }

    /** README: "EPOCH_DRIFT: the cache missed an epoch change, so the region was evicted." */
    @Test
    void epochDriftEvicts() throws Exception
    {
        start(config());
        region1();
        expect(ResultCode.EPOCH_DRIFT, cache.write(new WriteBatch(1, 2, 30).put(b("c"), b("v3"))));
        assertNull(cache.stateOf(1));
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 100));
    }

    /** README: "STATE_CONFLICT: the sender expected another state; decided on the real one, counted and logged." */
    @Test
    void stateConflictIsDecidedOnTheRealStateAndCounted() throws Exception
    {
        start(config());
        region1();
        final long before = cache.metrics().get("conflicts");
        expect(ResultCode.STATE_CONFLICT,
            cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2, RegionState.PENDING));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2), "decided on the real state: ACTIVE children");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(new Region(2, b("a"), b("g"), 2), cache.region(2));
        assertEquals(before + 1, cache.metrics().get("conflicts"));
    }

    /** README: "QUEUE_FULL (counted back-pressure)". */
    @Test
    void queueFullIsCountedAndAppliesNothing() throws Exception
    {
        start(config().commandQueueCapacity(2));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final CompletableFuture<CommandResult> w1 = cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")));
        final CompletableFuture<CommandResult> w2 = cache.write(new WriteBatch(1, 1, 2).put(b("c"), b("2")));
        final CompletableFuture<CommandResult> w3 = cache.write(new WriteBatch(1, 1, 3).put(b("d"), b("3")));
        assertTrue(w3.isDone());
        assertEquals(ResultCode.QUEUE_FULL, w3.join().code());
        assertEquals(1, cache.metrics().get("queue.full"));
        expect(ResultCode.OK, w1);
        expect(ResultCode.OK, w2);
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertNull(s.get(b("d")), "a QUEUE_FULL write applies nothing");
        s.close();
    }

    /** README: "SKIPPED (with the reason: a write to a PENDING region, ...)"; snapshots of it answer LOADING. */
    @Test
    void pendingRegionSkipsWritesAndSnapshotsAnswerLoadingOrEpochMismatch() throws Exception
    {
        start(config().backingStore(new InMemoryBackingStore()));
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(5, b("p"), b("t"), 3)));
        assertEquals(RegionState.PENDING, cache.stateOf(5));
        final CommandResult w = await(cache.write(new WriteBatch(5, 3, 10).put(b("q"), b("v"))));
        assertEquals(ResultCode.SKIPPED, w.code());
        assertFalse(w.detail().isEmpty(), "SKIPPED carries its reason");
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.LOADING, s.open(5, 3, 100));
        // "The epoch is checked first: ... EPOCH_MISMATCH whatever the region's state (a PENDING ... region too)".
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(5, 2, 100));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(5, 4, 100));
        assertFalse(s.isOpen());
    }

    /** README: snapshot open statuses OK, NOT_CACHED, EPOCH_MISMATCH, TOO_OLD_READ, CLOSED. */
    @Test
    void snapshotOpenStatuses() throws Exception
    {
        start(config());
        region1();
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.NOT_CACHED, s.open(9, 1, 100));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 2, 100));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 15));
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 15));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 16));
        assertArrayEquals(b("v1"), s.get(b("c")));
        assertNull(s.get(b("d")), "version 20 is above the read version 16");
        s.close();
        cache.close();
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 100));
    }

    /** README: "MEMORY_LIMIT: the write would have passed the hard cap; the region was evicted." */
    @Test
    void aWritePastTheHardCapAnswersMemoryLimitAndEvicts() throws Exception
    {
        start(config().capacityBytes(1 << 17).segmentSize(1 << 12).evictThresholdBytes((1 << 17) - 1)
            .stopLoadThresholdBytes((1 << 17) - 1));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final WriteBatch big = new WriteBatch(1, 1, 10);
        for (int i = 0; i < 4000; i++)
        {
            big.put(b("b" + (10000 + i)), new byte[MAX_VALUE - 4]);
        }
        expect(ResultCode.MEMORY_LIMIT, cache.write(big));
        assertNull(cache.stateOf(1), "the region was evicted");
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 100));
    }

    /** README: setEnabled(false): regions evicted (DISABLED), loads and creations SKIPPED, writes and snapshots NOT_CACHED. */
    @Test
    void disabledCacheAnswersAsDocumented() throws Exception
    {
        start(config().backingStore(new InMemoryBackingStore()));
        region1();
        expect(ResultCode.OK, cache.setEnabled(false));
        assertFalse(cache.isEnabled());
        assertNull(cache.stateOf(1));
        assertEquals(1, cache.metrics().get("evictions.DISABLED"));
        expect(ResultCode.SKIPPED, cache.createRegion(new Region(3, b("x"), b("y"), 1)));
        expect(ResultCode.SKIPPED, cache.loadRegion(new Region(4, b("p"), b("q"), 1)));
        expect(ResultCode.NOT_CACHED, cache.write(new WriteBatch(1, 1, 30).put(b("c"), b("x"))));
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 100));
        expect(ResultCode.SKIPPED, cache.setEnabled(false));
        expect(ResultCode.OK, cache.setEnabled(true));
        expect(ResultCode.OK, cache.createRegion(new Region(3, b("x"), b("y"), 1)));
    }

    /**
     * README: SKIPPED for "a load of a region cached already (same id, range and epoch version; the conf version is
     * not compared)". A black-box audit found the other conf version answered INVALID ("id already in use").
     */
    @Test
    void aLoadOfTheCachedRegionIsSkippedWhateverItsConfVersion() throws Exception
    {
        start(config().backingStore(new InMemoryBackingStore()));
        region1();
        expect(ResultCode.SKIPPED, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.SKIPPED, cache.loadRegion(new Region(1, b("a"), b("m"), 1, 7)));
        expect(ResultCode.SKIPPED, cache.loadRegionKeepCached(new Region(1, b("a"), b("m"), 1, 7)));
        // Another range at the same epoch is not the cached region: the id is in use.
        expect(ResultCode.INVALID, cache.loadRegion(new Region(1, b("a"), b("n"), 1)));
        region1Unchanged();
    }

    // ------------------------------------------------------------------ one rule for bad input: at the call

    /** README: null arguments, reserved ids, epochs out of range, negative versions and safe points: INVALID at the call. */
    @Test
    void badInputIsInvalidAtTheCallWhetherOrNotCached() throws Exception
    {
        start(config());
        region1();
        final long outOfRangeEpoch = 1L << 32;
        // null arguments
        invalidAtCall(cache.createRegion(null));
        invalidAtCall(cache.write(null));
        invalidAtCall(cache.split(1, 1, null, new long[] {2}, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g")}, null, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g"), null}, new long[] {2, 3}, 2));
        invalidAtCall(cache.deleteRange(null, b("z")));
        invalidAtCall(cache.ingest(b("a"), null));
        invalidAtCall(cache.evictRange(b("a"), b("z"), null));
        invalidAtCall(cache.evict(1, null));
        // reserved ids
        invalidAtCall(cache.createRegion(new Region(-1, b("x"), b("y"), 1)));
        invalidAtCall(cache.write(new WriteBatch(-1, 1, 30).put(b("c"), b("x"))));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g")}, new long[] {-2}, 2));
        invalidAtCall(cache.commitMerge(1, -1));
        invalidAtCall(cache.commitMerge(-1, 1));
        invalidAtCall(cache.advanceSafePoint(-1, 5));
        // epochs outside 0..2^32-1, negative versions and safe points
        invalidAtCall(cache.createRegion(new Region(7, b("x"), b("y"), outOfRangeEpoch)));
        invalidAtCall(cache.write(new WriteBatch(1, outOfRangeEpoch, 30).put(b("c"), b("x"))));
        invalidAtCall(cache.write(new WriteBatch(1, -1, 30).put(b("c"), b("x"))));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, outOfRangeEpoch));
        invalidAtCall(cache.write(new WriteBatch(1, 1, -1).put(b("c"), b("x"))));
        invalidAtCall(cache.advanceSafePoint(-5));
        invalidAtCall(cache.advanceSafePoint(1, -5));
        // keys and values
        invalidAtCall(cache.write(new WriteBatch(1, 1, 30).put(new byte[0], b("x"))));
        invalidAtCall(cache.write(new WriteBatch(1, 1, 30).put(new byte[MAX_KEY + 1], b("x"))));
        invalidAtCall(cache.write(new WriteBatch(1, 1, 30).put(b("c"), new byte[MAX_VALUE + 1])));
        // split keys
        invalidAtCall(cache.split(1, 1, new byte[][] {new byte[0]}, new long[] {2}, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("h"), b("g")}, new long[] {2, 3}, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g"), b("g")}, new long[] {2, 3}, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g"), b("h")}, new long[] {2}, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g"), b("h")}, new long[] {2, 2}, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g")}, new long[] {1}, 2));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 1));
        // a load with no backing store; empty or inverted ranges
        invalidAtCall(cache.loadRegion(new Region(7, b("x"), b("y"), 1)));
        invalidAtCall(cache.loadRegionKeepCached(new Region(7, b("x"), b("y"), 1)));
        invalidAtCall(cache.createRegion(new Region(7, b("y"), b("x"), 1)));
        invalidAtCall(cache.createRegion(new Region(7, b("y"), b("y"), 1)));
        invalidAtCall(cache.deleteRange(b("c"), b("c")));
        invalidAtCall(cache.ingest(b("d"), b("c")));
        // The same checks for a region that is not cached: still INVALID, not NOT_CACHED.
        invalidAtCall(cache.write(new WriteBatch(42, 1, -1).put(b("c"), b("x"))));
        invalidAtCall(cache.split(42, 1, new byte[][] {b("g")}, new long[] {42}, 2));
        for (int i = 0; i < 5; i++)
        {
            cache.applyCycle();
        }
        region1Unchanged();
        assertNull(cache.stateOf(2));
        assertNull(cache.stateOf(7));
    }

    /** README: "... so it is INVALID whether or not the region is cached, and even after close()". */
    @Test
    void badInputIsInvalidEvenAfterClose() throws Exception
    {
        start(config());
        region1();
        cache.close();
        invalidAtCall(cache.write(null));
        invalidAtCall(cache.write(new WriteBatch(1, 1, -1).put(b("c"), b("x"))));
        invalidAtCall(cache.split(1, 1, new byte[][] {b("g")}, new long[] {1}, 2));
        invalidAtCall(cache.evict(1, null));
        invalidAtCall(cache.advanceSafePoint(-1));
        invalidAtCall(cache.loadRegion(new Region(7, b("x"), b("y"), 1)));
        invalidAtCall(cache.deleteRange(b("d"), b("c")));
        // A well-formed command after close(): CLOSED.
        assertEquals(ResultCode.CLOSED, cache.write(new WriteBatch(1, 1, 30).put(b("c"), b("x"))).get(1,
            TimeUnit.SECONDS).code());
        assertEquals(ResultCode.CLOSED, cache.setEnabled(false).get(10, TimeUnit.SECONDS).code());
    }

    /**
     * README: "negative versions ... " are INVALID at the call, and bad input "changes nothing".
     * Was: RegionCache.deleteRange(start, end, version) ignored its version: a negative version was accepted and
     * the overlapping region evicted (OK); after close() it answered CLOSED instead of INVALID.
     */
    @Test
    void deleteRangeWithANegativeVersionIsInvalidAndChangesNothing() throws Exception
    {
        start(config());
        region1();
        invalidAtCall(cache.deleteRange(b("c"), b("e"), -1));
        for (int i = 0; i < 5; i++)
        {
            cache.applyCycle();
        }
        region1Unchanged();
        cache.close();
        invalidAtCall(cache.deleteRange(b("c"), b("e"), -1));
    }

    /**
     * README: "null arguments: ... range bounds (an open bound is an empty array; null never means "everything")".
     * Was: new Region(id, null, null, epoch) silently turned null into an empty (open) bound, so createRegion cached
     * the whole key space and answered OK. Now Region.validate() reports a null bound.
     */
    @Test
    void aNullRegionBoundNeverMeansEverything() throws Exception
    {
        start(config());
        invalidAtCall(cache.createRegion(new Region(7, null, b("m"), 1)));
        invalidAtCall(cache.createRegion(new Region(8, b("a"), null, 1)));
        for (int i = 0; i < 5; i++)
        {
            cache.applyCycle();
        }
        assertNull(cache.stateOf(7));
        assertNull(cache.stateOf(8));
        assertNull(cache.regionFor(b("zzz")));
    }

    // ------------------------------------------------------------------ one rule for bad input: on the apply thread

    /** README: keys outside the range, split keys outside it, new ids in use, overlapping ranges: INVALID, nothing moves. */
    @Test
    void applyThreadChecksAreInvalidAndChangeNothing() throws Exception
    {
        start(config());
        region1();
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("t"), 1)));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 30).put(b("c"), b("x")).put(b("n"), b("x"))));
        expect(ResultCode.INVALID, cache.split(1, 1, new byte[][] {b("n")}, new long[] {3}, 2));
        expect(ResultCode.INVALID, cache.split(1, 1, new byte[][] {b("a")}, new long[] {3}, 2));
        expect(ResultCode.INVALID, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        expect(ResultCode.INVALID, cache.createRegion(new Region(3, b("k"), b("p"), 1)));
        expect(ResultCode.INVALID, cache.createRegion(new Region(1, b("x"), b("y"), 1)));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("x"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 5).put(b("c"), b("x"))));
        region1Unchanged();
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertNull(cache.stateOf(3));
    }

    /**
     * README: "What needs the region is checked on the apply thread before any state moves, also INVALID: ...
     * ranges overlapping a cached region".
     * Was: ApplyAgent.onLoadRegion evicted the cached record of the same id (EPOCH_DRIFT) before it validated the
     * new range; the load was then refused INVALID for the overlap, but region 1 was already gone.
     */
    @Test
    void aLoadOverlappingACachedRegionIsInvalidBeforeAnyStateMoves() throws Exception
    {
        start(config().backingStore(new InMemoryBackingStore()));
        cache.pauseLoads(true);
        region1();
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("t"), 1)));
        expect(ResultCode.INVALID, cache.loadRegion(new Region(1, b("a"), b("p"), 2)));
        region1Unchanged();
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
    }

    /**
     * README: "versions going backwards" are INVALID, "checked on the apply thread before any state moves".
     * Was: ApplyAgent.onWrite decided an epoch drift (evicting the region, EPOCH_DRIFT) before it checked the
     * version, so a write whose version went backwards moved the region's state when its epoch was newer.
     */
    @Test
    void aVersionGoingBackwardsIsInvalidBeforeAnyStateMoves() throws Exception
    {
        start(config());
        region1();
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 2, 5).put(b("c"), b("x"))));
        region1Unchanged();
    }

    // ------------------------------------------------------------------ synchronous throws: WriteBatch building

    /** README: NPE for a null key or value, IAE for an offset or length outside its buffer; nothing changes. */
    @Test
    void writeBatchBuildingThrowsAtTheCallAndChangesNothing() throws Exception
    {
        final WriteBatch wb = new WriteBatch(1, 1, 30).put(b("c"), b("x"));
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[4]);
        final int encoded = wb.encodedLength();
        throwsAtCall(NullPointerException.class, () -> wb.put(null, b("v")));
        throwsAtCall(NullPointerException.class, () -> wb.put(b("k"), null));
        throwsAtCall(NullPointerException.class, () -> wb.delete((byte[])null));
        throwsAtCall(NullPointerException.class, () -> wb.put(null, 0, 1, buf, 0, 1));
        throwsAtCall(NullPointerException.class, () -> wb.put(buf, 0, 1, null, 0, 1));
        throwsAtCall(NullPointerException.class, () -> wb.delete(null, 0, 1));
        throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, -1, 1, buf, 0, 1));
        throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, 0, -1, buf, 0, 1));
        throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, 0, 5, buf, 0, 1));
        throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, 1, Integer.MAX_VALUE, buf, 0, 1));
        throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, 0, 1, buf, 4, 1));
        throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, 0, 1, buf, Integer.MAX_VALUE, 2));
        throwsAtCall(IllegalArgumentException.class, () -> wb.delete(buf, 3, 2));
        throwsAtCall(IllegalArgumentException.class, () -> wb.delete(buf, Integer.MIN_VALUE, 1));
        assertEquals(1, wb.count(), "a refused op leaves the batch as it was");
        assertEquals(encoded, wb.encodedLength());
        // ... and the batch still works.
        start(config());
        region1();
        expect(ResultCode.OK, cache.write(wb));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("x"), s.get(b("c")));
        s.close();
    }

    // ------------------------------------------------------------------ sealed WriteBatch

    /** README: a batch handed to write is sealed (ISE), stays readable; one refused INVALID at the call is not sealed. */
    @Test
    void writeSealsTheBatchButAnInvalidOneStaysOpen() throws Exception
    {
        start(config());
        region1();
        final WriteBatch sealed = new WriteBatch(42, 1, 1).put(b("k"), b("v"));
        expect(ResultCode.NOT_CACHED, cache.write(sealed)); // handed over, even if not cached
        throwsAtCall(IllegalStateException.class, () -> sealed.put(b("k2"), b("v")));
        throwsAtCall(IllegalStateException.class, () -> sealed.delete(b("k2")));
        final int[] n = new int[2];
        sealed.forEach((op, key, kl, value, vl) -> ++n[0] > 0 ? 0 : 1);
        sealed.forEachLastFirst((op, key, kl, value, vl) -> ++n[1] > 0 ? 0 : 1);
        assertArrayEquals(new int[] {1, 1}, n);
        assertEquals(1, sealed.count());

        final WriteBatch refused = new WriteBatch(1, 1, -3).put(b("e"), b("v3"));
        invalidAtCall(cache.write(refused));
        refused.put(b("f"), b("v4")); // not sealed
        assertEquals(2, refused.count());

        cache.close();
        final WriteBatch afterClose = new WriteBatch(1, 1, 40).put(new byte[0], b("v"));
        invalidAtCall(cache.write(afterClose));
        afterClose.delete(b("g")); // refused INVALID at the call, even after close: not sealed
    }

    // ------------------------------------------------------------------ synchronous throws: snapshot reads

    /** README: get / getView throw NPE, IAE (bad slice, key outside the region), ISE when not open; handle usable. */
    @Test
    void snapshotGetThrowsAtTheCallAndTheHandleStaysUsable() throws Exception
    {
        start(config());
        region1();
        final Snapshot s = cache.newSnapshot();
        final UnsafeBuffer key = new UnsafeBuffer(b("c"));
        final UnsafeBuffer outside = new UnsafeBuffer(b("x"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        // Not open (never opened, then after a refused open).
        throwsAtCall(IllegalStateException.class, () -> s.get(key, 0, 1, dst, 0));
        throwsAtCall(IllegalStateException.class, () -> s.getView(key, 0, 1, view));
        throwsAtCall(IllegalStateException.class, () -> s.get(b("c")));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 7, 100));
        throwsAtCall(IllegalStateException.class, () -> s.get(key, 0, 1, dst, 0));

        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        throwsAtCall(NullPointerException.class, () -> s.get(null, 0, 1, dst, 0));
        throwsAtCall(NullPointerException.class, () -> s.get(key, 0, 1, null, 0));
        throwsAtCall(NullPointerException.class, () -> s.get((byte[])null));
        throwsAtCall(NullPointerException.class, () -> s.getView(null, 0, 1, view));
        throwsAtCall(NullPointerException.class, () -> s.getView(key, 0, 1, null));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(key, -1, 1, dst, 0));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(key, 0, 2, dst, 0));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(key, 1, Integer.MAX_VALUE, dst, 0));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(key, 0, 1, dst, -1));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(key, 0, 1, dst, 17));
        throwsAtCall(IllegalArgumentException.class, () -> s.getView(key, 0, -1, view));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(outside, 0, 1, dst, 0));
        throwsAtCall(IllegalArgumentException.class, () -> s.getView(outside, 0, 1, view));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(b("x")));
        throwsAtCall(IllegalArgumentException.class, () -> s.get(b("m"))); // the end is exclusive
        // The handle stays usable after such a throw.
        assertTrue(s.isOpen());
        assertEquals(2, s.get(key, 0, 1, dst, 0));
        assertTrue(s.getView(key, 0, 1, view));
        assertEquals("v1", view.getStringWithoutLengthAscii(0, view.capacity()));
        assertEquals(-1, s.get(new UnsafeBuffer(b("b")), 0, 1, dst, 0));
        s.close();
        throwsAtCall(IllegalStateException.class, () -> s.get(key, 0, 1, dst, 0));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("v2"), s.get(b("d")));
        s.close();
    }

    /** README: iterator seek / seekForPrev throw NPE and IAE for a bad slice, ISE when not open; handle usable. */
    @Test
    void iteratorSeekThrowsForNullsBadSlicesAndWhenClosed() throws Exception
    {
        start(config());
        region1();
        final Snapshot s = cache.newSnapshot();
        throwsAtCall(IllegalStateException.class, () -> s.iterator());
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        final SnapshotIterator it = s.iterator();
        final UnsafeBuffer key = new UnsafeBuffer(b("c"));
        throwsAtCall(NullPointerException.class, () -> it.seek((byte[])null));
        throwsAtCall(NullPointerException.class, () -> it.seekForPrev((byte[])null));
        throwsAtCall(NullPointerException.class, () -> it.seek(null, 0, 1));
        throwsAtCall(IllegalArgumentException.class, () -> it.seek(key, -1, 1));
        throwsAtCall(IllegalArgumentException.class, () -> it.seekForPrev(key, 0, 2));
        throwsAtCall(IllegalArgumentException.class, () -> it.seekForPrev(key, 1, Integer.MAX_VALUE));
        assertTrue(it.seek(b("b")));
        assertArrayEquals(b("c"), it.key());
        assertTrue(it.seekForPrev(b("l")));
        assertArrayEquals(b("d"), it.key());
        s.close();
        throwsAtCall(IllegalStateException.class, () -> it.seek(b("c")));
        throwsAtCall(IllegalStateException.class, () -> it.seekForPrev(b("c")));
        throwsAtCall(IllegalStateException.class, () -> it.seek(key, 0, 1));
    }

    /**
     * README: iterator seek/seekForPrev throw "IllegalArgumentException for a key outside the region".
     * Was: SnapshotIterator.seek/seekForPrev checked only null and the slice; a key outside the region was clamped by
     * the cursor (seek below the region landed on its first key, seekForPrev above it on its last) and nothing was
     * thrown.
     */
    @Test
    void iteratorSeekOutsideTheRegionThrows() throws Exception
    {
        start(config());
        region1();
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        try
        {
            final SnapshotIterator it = s.iterator();
            throwsAtCall(IllegalArgumentException.class, () -> it.seek(b("x")));
            throwsAtCall(IllegalArgumentException.class, () -> it.seekForPrev(b("x")));
            throwsAtCall(IllegalArgumentException.class, () -> it.seek(b("0")));
            throwsAtCall(IllegalArgumentException.class, () -> it.seekForPrev(b("m")));
            throwsAtCall(IllegalArgumentException.class, () -> it.seek(new UnsafeBuffer(b("zz")), 0, 2));
            // The handle stays usable.
            assertTrue(it.seek(b("c")));
            assertArrayEquals(b("c"), it.key());
        }
        finally
        {
            s.close();
        }
    }

    // ------------------------------------------------------------------ iterator bounds and split children

    /** README: "snap.iterator(lower, upper); // [lower, upper) inside the region"; bounds outside it are refused. */
    @Test
    void iteratorBoundsStayInsideLowerUpperAndTheRegion() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10)
            .put(b("b"), b("1")).put(b("d"), b("2")).put(b("h"), b("3")).put(b("k"), b("4"))));
        // Split: the right piece [g, m) (id 1) shares its parent's table; its scans must not see b or d.
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 2, 100));
        try
        {
            SnapshotIterator it = s.iterator();
            assertTrue(it.seekToFirst());
            assertArrayEquals(b("h"), it.key());
            assertTrue(it.next());
            assertArrayEquals(b("k"), it.key());
            assertFalse(it.next());
            assertTrue(it.seekToLast());
            assertArrayEquals(b("k"), it.key());
            assertTrue(it.prev());
            assertFalse(it.prev(), "d lies in the left piece");

            it = s.iterator(b("g"), b("k")); // [g, k)
            assertTrue(it.seekToFirst());
            assertArrayEquals(b("h"), it.key());
            assertFalse(it.next(), "upper is exclusive");
            assertTrue(it.seekToLast());
            assertArrayEquals(b("h"), it.key());
            assertTrue(it.seekForPrev(b("l")));
            assertArrayEquals(b("h"), it.key());

            throwsAtCall(IllegalArgumentException.class, () -> s.iterator(b("c"), b("k")));
            throwsAtCall(IllegalArgumentException.class, () -> s.iterator(b("h"), b("n")));
            throwsAtCall(IllegalArgumentException.class, () -> s.iterator(b("m"), null));
            // Reads of keys of the shared table outside the piece are refused.
            throwsAtCall(IllegalArgumentException.class, () -> s.get(b("d")));
            assertTrue(s.isOpen());
            assertArrayEquals(b("3"), s.get(b("h")));
        }
        finally
        {
            s.close();
        }
    }

    // ------------------------------------------------------------------ multiGet

    /** README: multiGet gets many keys of the region at once, values packed into the buffer, -1 when absent. */
    @Test
    void multiGetPacksValuesAndRefusesKeysOutsideTheRegion() throws Exception
    {
        start(config());
        region1();
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 30).delete(b("d")).put(b("e"), b("v33"))));
        final Snapshot s = cache.newSnapshot();
        final UnsafeBuffer keys = new UnsafeBuffer(b("cdebx"));
        final int[] offsets = {0, 1, 2, 3};
        final int[] lengths = {1, 1, 1, 1};
        final int[] valueOffsets = new int[4];
        final int[] valueLengths = new int[4];
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[32]);
        throwsAtCall(IllegalStateException.class,
            () -> s.multiGet(keys, offsets, lengths, 4, dst, 0, valueOffsets, valueLengths));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        try
        {
            final int end = s.multiGet(keys, offsets, lengths, 4, dst, 3, valueOffsets, valueLengths);
            assertArrayEquals(new int[] {2, -1, 3, -1}, valueLengths);
            assertEquals(3, valueOffsets[0]);
            assertEquals(5, valueOffsets[2]);
            assertEquals(8, end);
            assertEquals("v1v33", dst.getStringWithoutLengthAscii(3, 5));

            // A key outside the region: IAE before anything is read; the handle stays usable.
            final int[] outsideOffsets = {0, 4};
            final int[] vl = {7, 7};
            throwsAtCall(IllegalArgumentException.class,
                () -> s.multiGet(keys, outsideOffsets, new int[] {1, 1}, 2, dst, 0, new int[2], vl));
            assertArrayEquals(new int[] {7, 7}, vl, "nothing read");
            throwsAtCall(IllegalArgumentException.class,
                () -> s.multiGet(keys, offsets, lengths, 5, dst, 0, valueOffsets, valueLengths));
            assertArrayEquals(b("v33"), s.get(b("e")));
        }
        finally
        {
            s.close();
        }
    }

    /**
     * README: reading a snapshot throws IllegalArgumentException "for an offset or length outside its buffer", and
     * "The engine computes every offset it reads from values it validated (the key at the API boundary ...)".
     * Was: Snapshot.multiGet validated no key slice (offset/length against keys.capacity()): a key slice outside
     * the buffer got Agrona's IndexOutOfBoundsException from inside the engine instead of an
     * IllegalArgumentException at the boundary (and, with -Dagrona.disable.bounds.checks=true, an unchecked read).
     */
    @Test
    void multiGetRefusesAKeySliceOutsideItsBuffer() throws Exception
    {
        start(config());
        region1();
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        try
        {
            final UnsafeBuffer keys = new UnsafeBuffer(b("cd"));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[32]);
            throwsAtCall(IllegalArgumentException.class,
                () -> s.multiGet(keys, new int[] {0, 1}, new int[] {1, 5}, 2, dst, 0, new int[2], new int[2]));
            throwsAtCall(IllegalArgumentException.class,
                () -> s.multiGet(keys, new int[] {-1}, new int[] {1}, 1, dst, 0, new int[1], new int[1]));
            assertArrayEquals(b("v1"), s.get(b("c")));
        }
        finally
        {
            s.close();
        }
    }
}
