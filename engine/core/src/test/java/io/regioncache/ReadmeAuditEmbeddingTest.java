package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.regioncache.ObservabilityContractTest.HeldExecutor;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit of README.md's "## Embedding" and "## Observability" sections: boundary values and edge cases of the
 * promises that the other contract tests do not pin down, through the public API only, on the invoker (no timing).
 */
class ReadmeAuditEmbeddingTest
{
    private static final int MAX_KEY = InvokerCommands.MAX_KEY;
    private static final int MAX_VALUE = InvokerCommands.MAX_VALUE;
    private static final long MAX_EPOCH = (1L << 32) - 1;

    private RegionCache cache;
    private HybridEngine engine;

    @AfterEach
    void closeAll()
    {
        if (cache != null)
        {
            cache.close();
        }
        if (engine != null)
        {
            engine.close();
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

    private CommandResult expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        return InvokerCommands.expect(cache, code, f);
    }

    private void invalidAtCall(final CompletableFuture<CommandResult> f) throws Exception
    {
        assertTrue(f.isDone(), "INVALID must be answered at the call");
        final CommandResult r = f.get(10, TimeUnit.SECONDS);
        assertEquals(ResultCode.INVALID, r.code(), () -> "result: " + r);
        assertFalse(r.detail().isEmpty(), "INVALID carries its reason");
    }

    private static void throwsExactly(final Class<? extends Throwable> type, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
    }

    private void cycleUntil(final String what, final BooleanSupplier done)
    {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++)
        {
            cache.applyCycle();
        }
        assertTrue(done.getAsBoolean(), what);
    }

    private long metric(final String name)
    {
        final Number n = cache.metrics().values().get(name);
        assertNotNull(n, () -> "metrics() has no key " + name);
        return n.longValue();
    }

    private byte[] read(final long regionId, final long epoch, final long readVersion, final String key)
    {
        final Snapshot s = cache.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, s.open(regionId, epoch, readVersion));
            return s.get(b(key));
        }
        finally
        {
            s.dispose();
        }
    }

    // ------------------------------------------------------------------ boundary values of the id, epoch, version

    /** README: "region ids are 0..Long.MAX_VALUE": both ends are ordinary ids for every command and the reads. */
    @Test
    void regionIdsZeroAndLongMaxValueAreOrdinaryIds() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(0, b("a"), b("g"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(Long.MAX_VALUE, b("g"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(0, 1, 1).put(b("b"), b("zero"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(Long.MAX_VALUE, 1, 1).put(b("h"), b("max"))));
        assertArrayEquals(b("zero"), read(0, 1, 10, "b"));
        assertArrayEquals(b("max"), read(Long.MAX_VALUE, 1, 10, "h"));
        assertEquals(0, cache.regionFor(b("c")).id());
        assertEquals(Long.MAX_VALUE, cache.regionFor(b("h")).id());
        // A new split id at either end.
        expect(ResultCode.OK, cache.split(Long.MAX_VALUE, 1, new byte[][] {b("k")}, new long[] {Long.MAX_VALUE - 1}, 2));
        assertEquals(new Region(Long.MAX_VALUE - 1, b("g"), b("k"), 2), cache.region(Long.MAX_VALUE - 1));
        assertEquals(new Region(Long.MAX_VALUE, b("k"), b("m"), 2), cache.region(Long.MAX_VALUE));
        expect(ResultCode.OK, cache.evict(0, EvictReason.MANUAL));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("g"), 1)));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("c")}, new long[] {0}, 2));
        assertEquals(new Region(0, b("a"), b("c"), 2), cache.region(0));
        expect(ResultCode.OK, cache.setKeepCached(Long.MAX_VALUE, true));
        expect(ResultCode.OK, cache.advanceSafePoint(0, 5));
        expect(ResultCode.OK, cache.commitMerge(0, Long.MAX_VALUE));
        assertNull(cache.stateOf(0));
        assertNull(cache.stateOf(Long.MAX_VALUE));
    }

    /**
     * README: "epochs outside 0..2^32-1 (what a state word holds ...)" are INVALID: so 0 and 2^32-1 are good epochs,
     * for a create, a write, a split's new epoch and a snapshot.
     */
    @Test
    void epochsZeroAndTwoToThe32MinusOneAreGoodEpochs() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("g"), 0)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 0, 1).put(b("b"), b("e0"))));
        assertArrayEquals(b("e0"), read(1, 0, 10, "b"));
        expect(ResultCode.OK, cache.split(1, 0, new byte[][] {b("c")}, new long[] {3}, MAX_EPOCH));
        assertArrayEquals(b("e0"), read(3, MAX_EPOCH, 10, "b"));
        assertEquals(MAX_EPOCH, cache.region(1).epochVersion());
        expect(ResultCode.OK, cache.write(new WriteBatch(1, MAX_EPOCH, 2).put(b("d"), b("max"))));
        assertArrayEquals(b("max"), read(1, MAX_EPOCH, 10, "d"));
        // Nothing above it: a split of a region at the largest epoch has no new epoch to go to.
        invalidAtCall(cache.split(1, MAX_EPOCH, new byte[][] {b("e")}, new long[] {4}, MAX_EPOCH + 1));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("p"), MAX_EPOCH)));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        // A snapshot at an epoch that only aliases the region's in 32 bits is a mismatch, not a match.
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, MAX_EPOCH + (1L << 32), 10));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(3, -1, 10));
        s.dispose();
    }

    /** README: versions are refused only when negative: Long.MAX_VALUE is a version, read at Long.MAX_VALUE. */
    @Test
    void versionLongMaxValueIsWrittenAndRead() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, Long.MAX_VALUE - 1).put(b("c"), b("old"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, Long.MAX_VALUE).put(b("c"), b("new"))));
        assertArrayEquals(b("new"), read(1, 1, Long.MAX_VALUE, "c"));
        assertArrayEquals(b("old"), read(1, 1, Long.MAX_VALUE - 1, "c"));
        // Nothing can follow it: "versions not above the last one ... (going backwards or repeated)".
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, Long.MAX_VALUE).put(b("c"), b("again"))));
        assertArrayEquals(b("new"), read(1, 1, Long.MAX_VALUE, "c"));
    }

    // ------------------------------------------------------------------ keys and values at the limits

    /**
     * README: "keys empty or over maxKeyLength, values over maxValueLength" are INVALID: a key of exactly
     * maxKeyLength, a value of exactly maxValueLength and an empty value are good input, and an empty value is a value
     * (length 0), not a delete (-1).
     */
    @Test
    void keysAndValuesAtTheLimitsAndTheEmptyValue() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        final byte[] longest = new byte[MAX_KEY];
        java.util.Arrays.fill(longest, (byte)'k');
        final byte[] biggest = new byte[MAX_VALUE];
        java.util.Arrays.fill(biggest, (byte)'v');
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(longest, biggest).put(b("e"), new byte[0])));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        try
        {
            assertArrayEquals(biggest, s.get(longest));
            assertArrayEquals(new byte[0], s.get(b("e")), "an empty value is a value, not null");
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[4]);
            assertEquals(0, s.get(new UnsafeBuffer(b("e")), 0, 1, dst, 4), "0 bytes fit at the buffer's end");
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            assertTrue(s.getView(new UnsafeBuffer(b("e")), 0, 1, view));
            assertEquals(0, view.capacity());
            final int[] lengths = new int[2];
            final int[] offsets = new int[2];
            assertEquals(4, s.multiGet(new UnsafeBuffer(b("ef")), new int[] {0, 1}, new int[] {1, 1}, 2, dst, 4,
                offsets, lengths));
            assertArrayEquals(new int[] {0, -1}, lengths);
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seek(b("e")));
            assertArrayEquals(b("e"), it.key());
            assertEquals(0, it.valueLength());
        }
        finally
        {
            s.dispose();
        }
        // A split key of exactly maxKeyLength is good; one byte more is INVALID at the call.
        final byte[] tooLong = new byte[MAX_KEY + 1];
        java.util.Arrays.fill(tooLong, (byte)'s');
        invalidAtCall(cache.split(1, 1, new byte[][] {tooLong}, new long[] {2}, 2));
        invalidAtCall(cache.createRegion(new Region(9, tooLong, new byte[0], 1)));
        final byte[] splitKey = new byte[MAX_KEY];
        java.util.Arrays.fill(splitKey, (byte)'s');
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {splitKey}, new long[] {2}, 2));
        assertArrayEquals(biggest, read(2, 2, 10, new String(longest, US_ASCII)));
    }

    // ------------------------------------------------------------------ split of several keys

    /**
     * README: "split (several keys at once ...)"; Command.Split: with split keys k1 < ... < kn, the first n pieces
     * take the new ids in order and the last keeps the source's id, all at the new epoch; each reads its own data.
     */
    @Test
    void aSplitAtSeveralKeysGivesEachLeftPieceItsIdInOrder() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 5)
            .put(b("b"), b("1")).put(b("h"), b("2")).put(b("q"), b("3"))));
        final CommandResult r = expect(ResultCode.OK,
            cache.split(1, 1, new byte[][] {b("g"), b("p")}, new long[] {7, 8}, 2));
        assertTrue(r.isOk());
        assertEquals(new Region(7, new byte[0], b("g"), 2), cache.region(7));
        assertEquals(new Region(8, b("g"), b("p"), 2), cache.region(8));
        assertEquals(new Region(1, b("p"), new byte[0], 2), cache.region(1));
        assertArrayEquals(b("1"), read(7, 2, 10, "b"));
        assertArrayEquals(b("2"), read(8, 2, 10, "h"));
        assertArrayEquals(b("3"), read(1, 2, 10, "q"));
        // Each piece refuses the others' keys.
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(8, 2, 10));
        throwsExactly(IllegalArgumentException.class, () -> s.get(b("b")));
        throwsExactly(IllegalArgumentException.class, () -> s.get(b("q")));
        s.dispose();
        // The old epoch is stale for every piece's writes.
        expect(ResultCode.STALE_EPOCH, cache.write(new WriteBatch(8, 1, 6).put(b("h"), b("x"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(8, 2, 6).put(b("h"), b("y"))));
        assertArrayEquals(b("y"), read(8, 2, 10, "h"));
    }

    // ------------------------------------------------------------------ range commands at their edges

    /**
     * README: "deleteRange", "ingest", evictRange: every region overlapping [start, end) is evicted (counted per
     * reason); end is exclusive and an empty end is +infinity, so an adjacent region stays.
     */
    @Test
    void rangeCommandsEvictOnlyTheRegionsOverlappingTheHalfOpenRange() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], b("g"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("g"), b("m"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(3, b("m"), new byte[0], 1)));
        // [m, z) touches region 2 only at its exclusive end: region 2 stays.
        expect(ResultCode.OK, cache.deleteRange(b("m"), b("z"), 5));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertNull(cache.stateOf(3));
        assertEquals(1, metric("evictions.DELETE_RANGE"));
        // [a, g) ends where region 2 starts.
        expect(ResultCode.OK, cache.ingest(b("a"), b("g")));
        assertNull(cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertEquals(1, metric("evictions.INGEST"));
        // Nothing left there: not cached.
        expect(ResultCode.NOT_CACHED, cache.evictRange(new byte[0], b("g"), EvictReason.MANUAL));
        expect(ResultCode.NOT_CACHED, cache.evictRange(b("m"), new byte[0], EvictReason.MANUAL));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        // [l, +inf) overlaps region 2.
        expect(ResultCode.OK, cache.evictRange(b("l"), new byte[0], EvictReason.MANUAL));
        assertNull(cache.stateOf(2));
        // Null bounds: INVALID at the call, never "everything".
        invalidAtCall(cache.deleteRange(b("a"), null, 5));
        invalidAtCall(cache.deleteRange(null, b("a"), 5));
        invalidAtCall(cache.ingest(null, null));
        invalidAtCall(cache.evictRange(null, new byte[0], EvictReason.MANUAL));
    }

    // ------------------------------------------------------------------ snapshot statuses: the epoch first

    /**
     * README: "The epoch is checked first: a snapshot at a stale epoch answers EPOCH_MISMATCH whatever the region's
     * state (a PENDING or LOADING region too)"; the safe point's TOO_OLD_READ comes after the epoch too. Each refusal
     * is counted under its reason.
     */
    @Test
    void theEpochIsCheckedBeforeTheLoadingStateAndTheSafePoint() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 3, b("v"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 4)));
        cycleUntil("the load starts", () -> cache.stateOf(1) == RegionState.LOADING);
        final Snapshot s = cache.newSnapshot();
        final long mismatches = metric("snapshot.failures.EPOCH_MISMATCH");
        final long loading = metric("snapshot.failures.LOADING");
        assertEquals(SnapshotStatus.LOADING, s.open(1, 4, 10));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 3, 10));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 5, 10));
        assertEquals(mismatches + 2, metric("snapshot.failures.EPOCH_MISMATCH"));
        assertEquals(loading + 1, metric("snapshot.failures.LOADING"));
        assertEquals(1, loader.runAll());
        cycleUntil("the load installs", () -> cache.stateOf(1) == RegionState.ACTIVE);
        expect(ResultCode.OK, cache.advanceSafePoint(1, 8));
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 4, 8));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 3, 8), "a stale epoch before a too-old read");
        assertEquals(SnapshotStatus.OK, s.open(1, 4, 9));
        assertArrayEquals(b("v"), s.get(b("c")));
        s.dispose();
        // "the engine-wide safe point" (-1 "means all regions"): a lower one is ignored, not an error.
        expect(ResultCode.OK, cache.advanceSafePoint(20));
        final Snapshot t = cache.newSnapshot();
        assertEquals(SnapshotStatus.TOO_OLD_READ, t.open(1, 4, 20));
        assertEquals(SnapshotStatus.OK, t.open(1, 4, 21));
        t.dispose();
    }

    /** README: "SKIPPED (with the reason: ... also a load of a region cached already ...)". */
    @Test
    void aLoadOfARegionCachedAlreadyIsSkippedWithItsReason() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        start(config().backingStore(store));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        cycleUntil("the load installs", () -> cache.stateOf(1) == RegionState.ACTIVE);
        final CommandResult again = expect(ResultCode.SKIPPED, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        assertFalse(again.detail().isEmpty());
        expect(ResultCode.SKIPPED, cache.loadRegionKeepCached(new Region(1, b("a"), b("m"), 1)));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
    }

    // ------------------------------------------------------------------ multiGet's arguments

    /**
     * README: multiGet throws for "every key's slice, and dstOffset" (IAE), NPE for nulls, ISE when not open, and the
     * handle stays usable; Javadoc: an array shorter than count is IAE, a value that does not fit is {@code -2 - length}
     * and later smaller values are still copied.
     */
    @Test
    void multiGetRefusesItsDestinationOffsetAndCountAndPacksWhatFits() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1)
            .put(b("b"), b("0123456789")).put(b("c"), b("xy"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        final UnsafeBuffer keys = new UnsafeBuffer(b("bc"));
        final int[] ko = {0, 1};
        final int[] kl = {1, 1};
        final int[] vo = new int[2];
        final int[] vl = {7, 7};
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, ko, kl, 2, dst, -1, vo, vl));
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, ko, kl, 2, dst, 9, vo, vl));
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, ko, kl, -1, dst, 0, vo, vl));
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, ko, kl, 2, dst, 0, vo, new int[1]));
        throwsExactly(NullPointerException.class, () -> s.multiGet(null, ko, kl, 2, dst, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, null, kl, 2, dst, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, ko, null, 2, dst, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, ko, kl, 2, null, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, ko, kl, 2, dst, 0, null, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, ko, kl, 2, dst, 0, vo, null));
        assertArrayEquals(new int[] {7, 7}, vl, "nothing read");
        assertEquals(3, s.multiGet(keys, ko, kl, 0, dst, 3, vo, vl), "no keys: nothing copied");
        // The 10-byte value does not fit in 8; the 2-byte one after it does.
        assertEquals(2, s.multiGet(keys, ko, kl, 2, dst, 0, vo, vl));
        assertArrayEquals(new int[] {-2 - 10, 2}, vl);
        assertEquals(0, vo[1]);
        assertEquals("xy", dst.getStringWithoutLengthAscii(0, 2));
        // get: -2 - length when dst is too small, nothing copied.
        final UnsafeBuffer small = new UnsafeBuffer(new byte[4]);
        assertEquals(-2 - 10, s.get(new UnsafeBuffer(b("b")), 0, 1, small, 0));
        assertArrayEquals(new byte[4], small.byteArray());
        s.close();
        throwsExactly(IllegalStateException.class, () -> s.multiGet(keys, ko, kl, 2, dst, 0, vo, vl));
        s.dispose();
    }

    /**
     * README: "Any other MutableDirectBuffer class (an ExpandableArrayBuffer, a host's own) gets the same answer
     * through its putBytes".
     */
    @Test
    void getAndMultiGetIntoAnExpandableBufferGiveTheSameAnswers() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("bee")).put(b("c"), b("sea"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 2).delete(b("c"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        final ExpandableArrayBuffer e = new ExpandableArrayBuffer(16);
        final UnsafeBuffer u = new UnsafeBuffer(new byte[16]);
        assertEquals(s.get(new UnsafeBuffer(b("b")), 0, 1, u, 2), s.get(new UnsafeBuffer(b("b")), 0, 1, e, 2));
        assertEquals("bee", e.getStringWithoutLengthAscii(2, 3));
        assertEquals(-1, s.get(new UnsafeBuffer(b("c")), 0, 1, e, 0));
        final int[] vo = new int[3];
        final int[] vl = new int[3];
        assertEquals(4, s.multiGet(new UnsafeBuffer(b("bcd")), new int[] {0, 1, 2}, new int[] {1, 1, 1}, 3, e, 1,
            vo, vl));
        assertArrayEquals(new int[] {3, -1, -1}, vl);
        assertEquals("bee", e.getStringWithoutLengthAscii(1, 3));
        s.dispose();
    }

    // ------------------------------------------------------------------ iterator bounds

    /**
     * README: "snap.iterator(lower, upper); // [lower, upper) inside the region": seeks inside the region but below
     * lower never land below lower, seekForPrev below lower finds nothing, and inverted bounds hold nothing.
     */
    @Test
    void iteratorSeeksStayInsideLowerAndUpper() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10)
            .put(b("b"), b("1")).put(b("d"), b("2")).put(b("h"), b("3")).put(b("k"), b("4"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        try
        {
            SnapshotIterator it = s.iterator(b("e"), b("k"));
            assertTrue(it.seek(b("c")), "a seek below lower lands on the first key at or after lower");
            assertArrayEquals(b("h"), it.key());
            assertFalse(it.prev(), "d lies below lower");
            assertFalse(it.seekForPrev(b("c")), "nothing at or before c inside [e, k)");
            assertFalse(it.seek(b("l")), "nothing at or after l inside [e, k)");
            assertTrue(it.seekForPrev(b("l")));
            assertArrayEquals(b("h"), it.key());
            assertFalse(it.next(), "k is the exclusive upper bound");

            it = s.iterator(b("j"), b("c")); // inverted: no key is in [j, c)
            assertFalse(it.seekToFirst());
            assertFalse(it.seekToLast());
            assertFalse(it.seek(b("d")));
            assertFalse(it.seekForPrev(b("l")));

            it = s.iterator(b("d"), b("d")); // empty
            assertFalse(it.seekToFirst());
            assertFalse(it.seekToLast());
        }
        finally
        {
            s.dispose();
        }
    }

    // ------------------------------------------------------------------ commands never throw

    /**
     * README: "Every command returns a CompletableFuture<CommandResult> that always completes; no command throws", and
     * INTERNAL_ERROR is "an exception caught on the apply thread". A merge naming one region as both sides, and
     * writes of an empty batch, are well formed: they complete without an internal error.
     */
    @Test
    void oddButWellFormedCommandsCompleteWithoutAnInternalError() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final CommandResult merge = InvokerCommands.await(cache, cache.commitMerge(1, 1));
        assertTrue(merge.code() == ResultCode.OK || merge.code() == ResultCode.INVALID, merge::toString);
        assertEquals(0, metric("apply.errors"));
        assertEquals(0, metric("results.INTERNAL_ERROR"));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("a"), b("m"), 1)));
        final CommandResult empty = InvokerCommands.await(cache, cache.write(new WriteBatch(2, 1, 1)));
        assertTrue(empty.code() == ResultCode.OK || empty.code() == ResultCode.INVALID, empty::toString);
        assertEquals(0, metric("apply.errors"));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
    }

    // ------------------------------------------------------------------ results per code

    /**
     * README (Observability): "results per code": an INVALID answered at the call is counted, also after close(),
     * and a CLOSED answer is counted.
     */
    @Test
    void answersAtTheCallAreCountedPerCodeAlsoAfterClose() throws Exception
    {
        start(config());
        final long invalid = metric("results.INVALID");
        invalidAtCall(cache.write(null));
        assertEquals(invalid + 1, metric("results.INVALID"));
        cache.close();
        invalidAtCall(cache.compact(-1));
        assertEquals(invalid + 2, metric("results.INVALID"));
        final long closed = metric("results.CLOSED");
        assertEquals(ResultCode.CLOSED, cache.compact(1).join().code());
        assertEquals(closed + 1, metric("results.CLOSED"));
        final long snapClosed = metric("snapshot.failures.CLOSED");
        assertEquals(SnapshotStatus.CLOSED, cache.newSnapshot().open(1, 1, 1));
        assertEquals(snapClosed + 1, metric("snapshot.failures.CLOSED"));
    }

    /**
     * README (Observability): metrics() "as a flat ordered map": the same keys in the same order on every call
     * (a registry binds once), evictions per reason for every EvictReason, results for every ResultCode and snapshot
     * failures for every status but OK (PIN_LIMIT included).
     */
    @Test
    void everyEnumHasItsMetricKeyAndTheOrderIsStable() throws Exception
    {
        start(config());
        final List<String> first = new ArrayList<>(cache.metrics().values().keySet());
        for (final ResultCode c : ResultCode.values())
        {
            assertTrue(first.contains("results." + c), c::toString);
        }
        for (final EvictReason r : EvictReason.values())
        {
            assertTrue(first.contains("evictions." + r), r::toString);
        }
        for (final SnapshotStatus st : SnapshotStatus.values())
        {
            assertEquals(st != SnapshotStatus.OK, first.contains("snapshot.failures." + st), st::toString);
        }
        for (final String k : List.of("regions.PENDING", "regions.LOADING", "regions.ACTIVE", "regions.draining",
            "transitions.refused", "conflicts", "queue.depth", "queue.full", "loads.index_filled_during_copy",
            "memory.capacity", "memory.evict_threshold", "memory.stop_load_threshold"))
        {
            assertTrue(first.contains(k), k);
        }
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v"))));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertEquals(first, new ArrayList<>(cache.metrics().values().keySet()));
        assertEquals(first, new ArrayList<>(cache.metrics().values().keySet()));
    }

    // ------------------------------------------------------------------ the hybrid engine, on the in-memory store

    /**
     * README: "ApplyStream (the host's apply stream, declared once; RegionCache and HybridEngine both implement it)";
     * the hybrid engine's "write ... RocksDB first (sync), then the cache" and a batch the cache would refuse at the
     * call "is answered INVALID before RocksDB sees it"; a null or inverted delete-range is INVALID before the store
     * deletes anything.
     */
    @Test
    void theHybridEngineRefusesBadWritesBeforeTheStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        engine = HybridEngine.create(store, config());
        final ApplyStream stream = engine;
        final ApplyStream alone = RegionCache.create(config().build());
        ((RegionCache)alone).close();
        assertEquals(ResultCode.OK, engine.await(stream.createRegion(new Region(1, b("a"), b("m"), 1))).code());
        assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 1).put(b("c"), b("v")))).code());
        final int entries = store.entryCount();
        final List<WriteBatch> bad = List.of(
            new WriteBatch(-1, 1, 2).put(b("c"), b("x")),
            new WriteBatch(1, MAX_EPOCH + 1, 2).put(b("c"), b("x")),
            new WriteBatch(1, -1, 2).put(b("c"), b("x")),
            new WriteBatch(1, 1, -2).put(b("c"), b("x")),
            new WriteBatch(1, 1, 2).put(new byte[0], b("x")),
            new WriteBatch(1, 1, 2).put(new byte[MAX_KEY + 1], b("x")),
            new WriteBatch(1, 1, 2).put(b("c"), new byte[MAX_VALUE + 1]));
        for (final WriteBatch wb : bad)
        {
            final CompletableFuture<CommandResult> f = engine.write(wb);
            assertTrue(f.isDone(), wb::toString);
            assertEquals(ResultCode.INVALID, f.join().code(), wb::toString);
            wb.put(b("d"), b("still open")); // refused at the call: never handed over, not sealed
        }
        final CompletableFuture<CommandResult> nullBatch = engine.write(null);
        assertEquals(ResultCode.INVALID, nullBatch.join().code());
        for (final CompletableFuture<CommandResult> f : List.of(engine.deleteRange(null, b("z"), 3),
            engine.deleteRange(b("a"), null, 3), engine.deleteRange(b("d"), b("c"), 3), engine.deleteRange(b("c"),
                b("c"), 3), engine.deleteRange(b("a"), b("z"), -1)))
        {
            assertTrue(f.isDone());
            assertEquals(ResultCode.INVALID, f.join().code());
        }
        assertEquals(entries, store.entryCount(), "the store saw none of them");
        final HybridReader reader = engine.newReader();
        assertArrayEquals(b("v"), reader.get(1, 1, 10, b("c")));
        reader.close();
    }

    /**
     * README: "engine.close(); // cache, then RocksDB": an owning engine closes its store after the cache; one made
     * with create() leaves the store open; "After close() every command completes CLOSED at the call (a HybridEngine
     * answers before its store sees the write or delete-range, and gc throws IllegalStateException without sweeping)".
     */
    @Test
    void closeClosesTheOwnedStoreOnlyAndAnswersClosedBeforeTheStore() throws Exception
    {
        final InMemoryBackingStore kept = new InMemoryBackingStore();
        final HybridEngine notOwning = HybridEngine.create(kept, config());
        assertEquals(ResultCode.NOT_CACHED,
            notOwning.await(notOwning.write(new WriteBatch(1, 1, 1).put(b("c"), b("v")))).code());
        notOwning.close();
        assertTrue(notOwning.cache().isClosed());
        assertEquals(1, kept.entryCount(), "a store the engine does not own stays open");
        final CompletableFuture<CommandResult> w = notOwning.write(new WriteBatch(1, 1, 2).put(b("c"), b("w")));
        assertTrue(w.isDone());
        assertEquals(ResultCode.CLOSED, w.join().code());
        final CompletableFuture<CommandResult> d = notOwning.deleteRange(b("a"), b("z"), 3);
        assertTrue(d.isDone());
        assertEquals(ResultCode.CLOSED, d.join().code());
        assertEquals(1, kept.entryCount(), "the store saw neither");
        throwsExactly(IllegalStateException.class, () -> notOwning.gc(5));
        kept.openSnapshot().close();
        kept.close();

        final InMemoryBackingStore owned = new InMemoryBackingStore();
        final HybridEngine owning = HybridEngine.owning(owned, config());
        owning.close();
        assertTrue(owning.cache().isClosed());
        throwsExactly(StoreException.class, owned::openSnapshot);
        owning.close(); // harmless again
    }

    // ------------------------------------------------------------------ key and destination buffers of every kind

    /**
     * README: "Snapshot.get ... when dst is an Agrona UnsafeBuffer, on or off the heap (multiGet likewise). Any other
     * MutableDirectBuffer class ... gets the same answer"; "A key is hashed and matched ... through its buffer's
     * byteArray() and addressOffset(): any Agrona DirectBuffer works". Keys and destinations at non-zero offsets of
     * heap, direct, wrapped-with-offset and expandable buffers, short (inline) and long (over 116 bytes) entries.
     */
    @Test
    void everyAgronaBufferKindAtAnyOffsetReadsTheSameAnswer() throws Exception
    {
        start(config().maxKeyLength(200).maxValueLength(300));
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        final byte[] longKey = new byte[150];
        java.util.Arrays.fill(longKey, (byte)'L');
        final byte[] longValue = new byte[250];
        java.util.Arrays.fill(longValue, (byte)'w');
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("key"), b("short")).put(longKey, longValue)));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        try
        {
            for (final byte[] key : List.of(b("key"), longKey))
            {
                final byte[] want = key.length == 3 ? b("short") : longValue;
                for (final org.agrona.DirectBuffer kb : keyBuffers(key))
                {
                    for (final org.agrona.MutableDirectBuffer dst : List.<org.agrona.MutableDirectBuffer>of(
                        new UnsafeBuffer(new byte[400]),
                        new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(400)),
                        new UnsafeBuffer(new byte[420], 11, 400),
                        new UnsafeBuffer(java.nio.ByteBuffer.wrap(new byte[420], 7, 400).slice()),
                        new ExpandableArrayBuffer(400),
                        new org.agrona.ExpandableDirectByteBuffer(400)))
                    {
                        final String what = kb.getClass().getSimpleName() + "/" + dst.getClass().getSimpleName();
                        final int n = s.get(kb, 5, key.length, dst, 9);
                        assertEquals(want.length, n, what);
                        final byte[] got = new byte[n];
                        dst.getBytes(9, got);
                        assertArrayEquals(want, got, what);
                        final int[] vo = new int[2];
                        final int[] vl = new int[2];
                        final int end = s.multiGet(kb, new int[] {5, 5}, new int[] {key.length, key.length - 1}, 2,
                            dst, 3, vo, vl);
                        assertArrayEquals(new int[] {want.length, -1}, vl, what);
                        assertEquals(3 + want.length, end, what);
                        dst.getBytes(3, got);
                        assertArrayEquals(want, got, what);
                        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
                        assertTrue(s.getView(kb, 5, key.length, view), what);
                        assertEquals(want.length, view.capacity(), what);
                        final SnapshotIterator it = s.iterator();
                        assertTrue(it.seek(kb, 5, key.length), what);
                        assertArrayEquals(key, it.key(), what);
                        assertTrue(it.seekForPrev(kb, 5, key.length), what);
                        assertArrayEquals(key, it.key(), what);
                    }
                }
            }
        }
        finally
        {
            s.dispose();
        }
        // Written from buffers at offsets too.
        for (final org.agrona.DirectBuffer kb : keyBuffers(b("pq")))
        {
            cache.write(new WriteBatch(1, 1, 2 + keyBuffers(b("pq")).indexOf(kb)).put(kb, 5, 2, kb, 5, 2));
        }
        InvokerCommands.await(cache, cache.write(new WriteBatch(1, 1, 100).put(b("zz"), b("zz"))));
        assertArrayEquals(b("pq"), read(1, 1, 1_000, "pq"));
    }

    /** The key at offset 5 of heap, direct, offset-wrapped and expandable buffers (bytes around it differ). */
    private static List<org.agrona.DirectBuffer> keyBuffers(final byte[] key)
    {
        final List<org.agrona.DirectBuffer> out = new ArrayList<>();
        final byte[] arr = new byte[key.length + 10];
        java.util.Arrays.fill(arr, (byte)'#');
        System.arraycopy(key, 0, arr, 5, key.length);
        out.add(new UnsafeBuffer(arr.clone()));
        final java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(arr.length);
        direct.put(arr).flip();
        out.add(new UnsafeBuffer(direct));
        final byte[] wider = new byte[arr.length + 13];
        System.arraycopy(arr, 0, wider, 13, arr.length);
        out.add(new UnsafeBuffer(wider, 13, arr.length));
        out.add(new UnsafeBuffer(java.nio.ByteBuffer.wrap(wider, 13, arr.length).slice()));
        final ExpandableArrayBuffer e = new ExpandableArrayBuffer(arr.length);
        e.putBytes(0, arr);
        out.add(e);
        final org.agrona.ExpandableDirectByteBuffer ed = new org.agrona.ExpandableDirectByteBuffer(arr.length);
        ed.putBytes(0, arr);
        out.add(ed);
        return out;
    }

    /**
     * Reads name keys the table cannot hold (empty, or longer than maxKeyLength) on a region without bounds: the
     * README lists the exceptions a read throws (NPE, IAE for a slice or a key outside the region, ISE when not open);
     * such a key is in the region and simply absent, never an engine exception from inside.
     */
    @Test
    void readsOfKeysTheTableCannotHoldAnswerAbsent() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("a"), b("1")).put(b("z"), b("2"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        try
        {
            final byte[] huge = new byte[MAX_KEY * 20];
            java.util.Arrays.fill(huge, (byte)'m');
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            assertNull(s.get(new byte[0]));
            assertNull(s.get(huge));
            assertEquals(-1, s.get(new UnsafeBuffer(huge), 0, huge.length, dst, 0));
            assertFalse(s.getView(new UnsafeBuffer(huge), 0, huge.length, new UnsafeBuffer(0, 0)));
            final int[] vl = new int[2];
            s.multiGet(new UnsafeBuffer(huge), new int[] {0, 0}, new int[] {huge.length, 0}, 2, dst, 0, new int[2],
                vl);
            assertArrayEquals(new int[] {-1, -1}, vl);
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seek(huge));
            assertArrayEquals(b("z"), it.key());
            assertTrue(it.seekForPrev(huge));
            assertArrayEquals(b("a"), it.key());
            assertTrue(it.seek(new byte[0]));
            assertArrayEquals(b("a"), it.key());
            assertFalse(it.seekForPrev(new byte[0]));
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * README: "snap.iterator(lower, upper); // [lower, upper) inside the region"; Snapshot.iterator's Javadoc: "@throws
     * IllegalArgumentException if a bound lies outside the region". A bound longer than maxKeyLength inside a region
     * without bounds is inside the region (reads and seeks of such keys answer "absent" and position normally), so
     * the iterator must be handed out and hold nothing past its bounds.
     */
    @Test
    void anIteratorBoundLongerThanMaxKeyLengthInsideTheRegionIsABound() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("a"), b("1")).put(b("z"), b("2"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        try
        {
            final byte[] huge = new byte[MAX_KEY * 20];
            java.util.Arrays.fill(huge, (byte)'m');
            final SnapshotIterator toHuge = s.iterator(new byte[0], huge);
            assertTrue(toHuge.seekToLast());
            assertArrayEquals(b("a"), toHuge.key());
            final SnapshotIterator fromHuge = s.iterator(huge, null);
            assertTrue(fromHuge.seekToFirst());
            assertArrayEquals(b("z"), fromHuge.key());
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * README: "Calls that answer synchronously throw instead, at the call and before anything changes ... The handle
     * stays usable after such a throw." Snapshot.iterator(lower, upper) hands out the snapshot's one reusable
     * iterator; a call refused with an exception (a bound outside the region, here after a new lower bound longer than
     * maxKeyLength that is itself fine) must leave the iterator handed out before with the bounds it had ([c, i)
     * here), not half reset. (Written when a bound over maxKeyLength was refused after the lower bound and the read
     * version had been set: the iterator then walked [a, c, h].)
     */
    @Test
    void aRefusedIteratorCallLeavesTheIteratorsBoundsAsTheyWere() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("b"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1)
            .put(b("b"), b("1")).put(b("c"), b("2")).put(b("h"), b("3")).put(b("l"), b("4"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        try
        {
            final SnapshotIterator it = s.iterator(b("c"), b("i"));
            assertTrue(it.seekToFirst());
            assertArrayEquals(b("c"), it.key());
            final byte[] longLower = new byte[MAX_KEY + 1];
            java.util.Arrays.fill(longLower, (byte)'b');
            for (final byte[][] bounds : new byte[][][] {
                {longLower, b("zz")}, {b("a"), b("i")}, {b("c"), b("n")}, {b("c"), new byte[0]}})
            {
                final Throwable refused = assertThrows(RuntimeException.class, () -> s.iterator(bounds[0], bounds[1]));
                assertEquals(IllegalArgumentException.class, refused.getClass());
                // The iterator handed out before still walks [c, i).
                final List<String> keys = new ArrayList<>();
                for (boolean ok = it.seekToFirst(); ok; ok = it.next())
                {
                    keys.add(new String(it.key(), US_ASCII));
                }
                assertEquals(List.of("c", "h"), keys, "the iterator's bounds after a refused iterator(...)");
            }
            // A long lower bound inside the region is a bound like any other.
            final SnapshotIterator fromLong = s.iterator(longLower, b("i"));
            final List<String> keys = new ArrayList<>();
            for (boolean ok = fromLong.seekToFirst(); ok; ok = fromLong.next())
            {
                keys.add(new String(fromLong.key(), US_ASCII));
            }
            assertEquals(List.of("c", "h"), keys);
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * README (hybrid): "Its arguments are checked before it picks the source, so a bad one throws the same exception
     * on both paths ... A key outside the region is refused (IllegalArgumentException) only when the cache serves".
     * A scan bound longer than maxKeyLength inside an unbounded region is neither: the store path scans with it, so
     * the cache path must answer the same keys.
     */
    @Test
    void aHybridScanWithALongBoundAnswersAlikeOnTheCacheAndTheStorePath() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        engine = HybridEngine.create(store, config());
        assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(1, new byte[0], new byte[0], 1)))
            .code());
        assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 1)
            .put(b("a"), b("1")).put(b("z"), b("2")))).code());
        final byte[] huge = new byte[MAX_KEY + 4];
        java.util.Arrays.fill(huge, (byte)'m');
        final HybridReader reader = engine.newReader();
        try
        {
            final List<String> fromStore = new ArrayList<>();
            try (io.regioncache.hybrid.HybridScan scan = reader.scan(1, 7, 10, new byte[0], huge))
            {
                assertFalse(scan.servedByCache());
                while (scan.next())
                {
                    fromStore.add(new String(scan.keyBytes(), US_ASCII));
                }
            }
            assertEquals(List.of("a"), fromStore);
            final List<String> fromCache = new ArrayList<>();
            try (io.regioncache.hybrid.HybridScan scan = reader.scan(1, 1, 10, new byte[0], huge))
            {
                assertTrue(scan.servedByCache());
                while (scan.next())
                {
                    fromCache.add(new String(scan.keyBytes(), US_ASCII));
                }
            }
            assertEquals(fromStore, fromCache);
        }
        finally
        {
            reader.close();
        }
    }

    /**
     * README (Observability): "regions.draining: evicted or retired records still pinned": a split's source, retired
     * while a snapshot pins it, is draining until the snapshot closes; the pinned snapshot still reads its data.
     */
    @Test
    void aRetiredSplitSourceStillPinnedIsCountedAsDraining() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v"))));
        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(1, 1, 10));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        cache.applyCycle();
        assertEquals(1, metric("regions.draining"));
        assertEquals(2, metric("regions.ACTIVE"));
        assertArrayEquals(b("v"), pinned.get(b("c")));
        pinned.close();
        cycleUntil("the retired record drains", () -> metric("regions.draining") == 0);
        pinned.dispose();
    }

    // ------------------------------------------------------------------ epoch drift on a split, compaction SKIPPED

    /** README: "EPOCH_DRIFT: the cache missed an epoch change, so the region was evicted" (a split too), counted. */
    @Test
    void aSplitAtANewerEpochIsAnEpochDriftAndEvicts() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v"))));
        expect(ResultCode.EPOCH_DRIFT, cache.split(1, 2, new byte[][] {b("g")}, new long[] {2}, 3));
        assertNull(cache.stateOf(1));
        assertNull(cache.stateOf(2));
        assertEquals(1, metric("evictions.EPOCH_DRIFT"));
    }

    /** README: SKIPPED "... and a compaction that cannot start" (one already running), with its reason. */
    @Test
    void aSecondCompactionOfTheSameRegionIsSkipped() throws Exception
    {
        final HeldExecutor gc = new HeldExecutor();
        start(config().gcExecutor(gc));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 2).put(b("c"), b("w"))));
        expect(ResultCode.OK, cache.compact(1));
        final CommandResult again = expect(ResultCode.SKIPPED, cache.compact(1));
        assertFalse(again.detail().isEmpty());
        gc.runAll();
        cycleUntil("the compaction finishes", () -> metric("compactions.finished") == 1);
        assertArrayEquals(b("w"), read(1, 1, 10, "c"));
    }

    // ------------------------------------------------------------------ close with a snapshot open

    /**
     * RegionCache.close(): "wait up to closeTimeoutMillis for ... open snapshots to close. Memory still pinned by
     * snapshots after that is left to the GC (never freed under a reader)"; README: after close "a snapshot opens
     * CLOSED". A snapshot open across close() still reads its values, and closes without error.
     */
    @Test
    void aSnapshotOpenAcrossCloseStillReadsItsValues() throws Exception
    {
        start(config().closeTimeoutMillis(20));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("value-c"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        cache.close();
        assertTrue(s.isOpen());
        assertArrayEquals(b("value-c"), s.get(b("c")));
        final SnapshotIterator it = s.iterator();
        assertTrue(it.seekToFirst());
        assertArrayEquals(b("value-c"), it.value());
        s.close();
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 10));
        s.dispose();
    }

    // ------------------------------------------------------------------ the example, not waited for

    /**
     * README: "The commands here are not waited for: the apply thread runs them in order, and a snapshot opened
     * before they ran answers a status, never a wrong value." The example's calls on the default (dedicated) apply
     * thread, not waited for: whatever the open answers, an OK open reads the example's value.
     */
    @Test
    void theExampleNotWaitedForAnswersAStatusNeverAWrongValue() throws Exception
    {
        try (RegionCache c = RegionCache.create(RegionCacheConfig.builder().capacityBytes(64L << 20)
            .backingStore(new InMemoryBackingStore()).build()))
        {
            final byte[] key = b("c");
            final byte[] value = b("value-of-c");
            final List<CompletableFuture<CommandResult>> sent = new ArrayList<>();
            sent.add(c.createRegion(new Region(1, "a".getBytes(), "m".getBytes(), 1)));
            sent.add(c.write(new WriteBatch(1, 1, 100).put(key, value).delete(b("d"))));
            final CompletableFuture<Void> logged = c.split(1, 1, new byte[][] {"g".getBytes()}, new long[] {2}, 2)
                .thenAccept(r -> assertTrue(r.isOk(), r::toString));
            final Snapshot snap = c.newSnapshot();
            final UnsafeBuffer valueBuf = new UnsafeBuffer(new byte[64]);
            final List<SnapshotStatus> seen = new ArrayList<>();
            for (int i = 0; i < 200_000 && !logged.isDone(); i++)
            {
                final SnapshotStatus st = snap.open(2, 2, 150);
                seen.add(st);
                if (st == SnapshotStatus.OK)
                {
                    try
                    {
                        assertEquals(value.length, snap.get(new UnsafeBuffer(key), 0, 1, valueBuf, 0));
                    }
                    finally
                    {
                        snap.close();
                    }
                }
                else
                {
                    assertTrue(st == SnapshotStatus.NOT_CACHED || st == SnapshotStatus.EPOCH_MISMATCH, st::toString);
                }
            }
            logged.get(10, TimeUnit.SECONDS);
            for (final CompletableFuture<CommandResult> f : sent)
            {
                assertTrue(f.get(10, TimeUnit.SECONDS).isOk());
            }
            assertEquals(SnapshotStatus.OK, snap.open(2, 2, 150));
            assertEquals(value.length, snap.get(new UnsafeBuffer(key), 0, 1, valueBuf, 0));
            snap.dispose();
        }
    }
}
