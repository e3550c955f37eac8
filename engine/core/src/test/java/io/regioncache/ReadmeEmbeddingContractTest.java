package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

/**
 * Promises of README.md's "## Embedding" section (and the Javadoc of the classes it names) that the other contract
 * tests ({@code ReadmeContractTest}, {@code ApiMisuseTest}, {@code ReliabilityContractTest}, ...) do not pin down,
 * through the public API only, on the invoker (no timing). Where a test failed on the code or README it was written
 * against, its Javadoc says what was there ("Was: ...").
 */
class ReadmeEmbeddingContractTest
{
    private static final int MAX_KEY = InvokerCommands.MAX_KEY;
    private static final int MAX_VALUE = InvokerCommands.MAX_VALUE;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

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

    private CommandResult expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        return InvokerCommands.expect(cache, code, f);
    }

    private void readsValue(final long regionId, final long epoch, final String key, final String value)
    {
        final Snapshot s = cache.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, s.open(regionId, epoch, 1_000));
            assertArrayEquals(b(value), s.get(b(key)));
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * README, "What the host owes the cache": each batch goes into the store whole, before the cache's write. Both
     * halves pinned: written whole, a load's snapshot has all of the batch's version or none of it and the cache ends
     * equal to the store; written one key at a time with the load's snapshot opened in between, the load counts the
     * version as copied, the batch is SKIPPED and the key the snapshot missed keeps its old value, as the README warns.
     * (Two randomized tests wrote their store that way and failed under a heavily loaded machine.)
     */
    @Test
    void aBatchWrittenToTheStoreKeyByKeyCanBeSkippedByALoadBetweenItsKeys() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("j"), 4, b("j4"));
        store.put(b("k"), 4, b("k4"));
        cache = RegionCache.create(config().backingStore(store).build());
        // The batch of version 5 reaches the store one key at a time, and the load's snapshot opens between the two.
        store.put(b("j"), 5, b("j5"));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        for (int i = 0; i < 1_000 && cache.stateOf(1) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        store.delete(b("k"), 5);
        final CommandResult skipped = expect(ResultCode.SKIPPED,
            cache.write(new WriteBatch(1, 1, 5).put(b("j"), b("j5")).delete(b("k"))));
        assertTrue(skipped.detail().contains("covered by the loaded snapshot"), skipped.detail());
        readsValue(1, 1, "j", "j5");
        readsValue(1, 1, "k", "k4"); // deleted in the store, still k4 in the cache: what the README warns of

        // Written whole (as the README asks), the next batch is in the next load's snapshot entirely or not at all.
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        final WriteBatch whole = new WriteBatch(1, 1, 6).put(b("j"), b("j6")).delete(b("k"));
        store.applyBatch(whole);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        for (int i = 0; i < 1_000 && cache.stateOf(1) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        expect(ResultCode.SKIPPED, cache.write(whole));
        readsValue(1, 1, "j", "j6");
        final Snapshot s = cache.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1_000));
            assertNull(s.get(b("k")), "the delete came with the load");
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * README: "STALE_EPOCH: the command's epoch is older than the cached one (checked before the keys ...);
     * refused, the region is unchanged." A create or load is routed by its {@code Region}'s epoch like a write or a
     * split by theirs. Was: a create or load naming a region id cached at a newer epoch answered {@code INVALID}
     * ("region id ... is already in use"), as if the host had sent bad input.
     */
    @Test
    void aCreateOrLoadAtAnOlderEpochThanTheCachedOneIsStale() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        cache = RegionCache.create(config().backingStore(store).build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 2)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 2, 10).put(b("c"), b("v"))));

        expect(ResultCode.STALE_EPOCH, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.STALE_EPOCH, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        // Checked before the range: an older, wider range overlapping another region still hears "stale".
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("t"), 1)));
        expect(ResultCode.STALE_EPOCH, cache.loadRegionKeepCached(new Region(1, b("a"), b("z"), 1)));

        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(new Region(1, b("a"), b("m"), 2), cache.region(1));
        readsValue(1, 2, "c", "v");
        // At the cached epoch the old answers stand: the same region is SKIPPED, another range INVALID.
        expect(ResultCode.SKIPPED, cache.loadRegion(new Region(1, b("a"), b("m"), 2)));
        expect(ResultCode.INVALID, cache.createRegion(new Region(1, b("a"), b("k"), 2)));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        readsValue(1, 2, "c", "v");
    }

    /**
     * README: "versions not above the last one the region's stream delivered" are {@code INVALID} on the apply
     * thread, "a new region's is 0, so its first write is at version 1 or later". Was: the README named only "versions going
     * backwards", yet a repeated version, and version 0 on a new region (neither negative nor backwards), are
     * refused too.
     */
    @Test
    void versionsMustRiseAboveTheLastAppliedStartingAboveZero() throws Exception
    {
        cache = RegionCache.create(config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 0).put(b("c"), b("v0"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v1"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 1).put(b("d"), b("again"))));
        readsValue(1, 1, "c", "v1");
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 1_000));
        assertEquals(null, s.get(b("d")), "a refused batch changes nothing");
        s.dispose();
    }

    /**
     * {@code Snapshot.get}'s Javadoc: a key outside the region is an {@code IllegalArgumentException}. A handle skips
     * the range check while it has pinned a region with no start and no end (decided once per pinned record, see
     * {@code Snapshot.wholeKeySpace}); reused after that region split, it checks the range of each piece it opens.
     */
    @Test
    void aHandleReusedAfterItsWholeKeySpaceRegionSplitChecksEachPiecesRange() throws Exception
    {
        cache = RegionCache.create(config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("left")).put(b("p"), b("right"))));
        final UnsafeBuffer left = new UnsafeBuffer(b("c"));
        final UnsafeBuffer right = new UnsafeBuffer(b("p"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        final Snapshot s = cache.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1_000));
            assertEquals(4, s.get(left, 0, 1, dst, 0));
            assertEquals(5, s.get(right, 0, 1, dst, 0));
            s.close();
            expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2));
            assertEquals(SnapshotStatus.OK, s.open(2, 2, 1_000));
            assertEquals(4, s.get(left, 0, 1, dst, 0));
            assertThrows(IllegalArgumentException.class, () -> s.get(right, 0, 1, dst, 0), "p is past region 2");
            s.close();
            assertEquals(SnapshotStatus.OK, s.open(1, 2, 1_000));
            assertThrows(IllegalArgumentException.class, () -> s.get(left, 0, 1, dst, 0), "c is before region 1");
            assertEquals(5, s.get(right, 0, 1, dst, 0));
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * README's result codes: {@code SKIPPED} "with the reason", including a safe point below the region's (the
     * Javadoc's "ignored if lower") and {@code setEnabled} to the state the cache is in; {@code setEnabled}'s Javadoc:
     * "OK (with the number of regions evicted), or SKIPPED if it already was".
     */
    @Test
    void skippedAnswersCarryTheirReason() throws Exception
    {
        cache = RegionCache.create(config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 5));
        assertFalse(expect(ResultCode.SKIPPED, cache.advanceSafePoint(1, 3)).detail().isEmpty());
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 5), "the safe point stayed at 5");
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 6));
        s.dispose();
        assertFalse(expect(ResultCode.SKIPPED, cache.setEnabled(true)).detail().isEmpty());
        final CommandResult disabled = expect(ResultCode.OK, cache.setEnabled(false));
        assertTrue(disabled.detail().contains("1"), () -> "the number of regions evicted: " + disabled);
        assertFalse(expect(ResultCode.SKIPPED, cache.setEnabled(false)).detail().isEmpty());
        assertFalse(cache.isEnabled());
        expect(ResultCode.OK, cache.setEnabled(true));
        assertTrue(cache.isEnabled());
    }

    /**
     * README: "A snapshot handle dropped while open is found by a {@code Cleaner}: its pin is released, and the leak
     * is counted and logged." The region evicted under the leaked pin then drains: it leaves the cache and its
     * memory is freed.
     */
    @Test
    void aSnapshotDroppedWhileOpenIsFoundByTheCleaner() throws Exception
    {
        cache = RegionCache.create(config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        openAndDrop();
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertTrue(cache.memoryInUse() > 0, "the dropped handle still pins the table");
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (cache.metrics().get("snapshots.leaked") == 0 && System.nanoTime() < deadline)
        {
            System.gc();
            cache.applyCycle();
        }
        assertEquals(1L, cache.metrics().get("snapshots.leaked"), "the leak is counted once");
        while (cache.memoryInUse() != 0 && System.nanoTime() < deadline)
        {
            cache.applyCycle();
        }
        assertEquals(0L, cache.memoryInUse(), "the pin was released: the evicted region's memory is freed");
        assertEquals(null, cache.stateOf(1));
    }

    private void openAndDrop()
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("v"), s.get(b("c")));
    }

    /**
     * README: calls that answer synchronously throw at the call and before anything changes, and the handle stays
     * usable; the iterator's {@code copyKey}/{@code copyValue} refuse a null destination ({@code NullPointerException})
     * and one the entry does not fit in from the offset ({@code IllegalArgumentException}, nothing copied), checked by
     * the engine, not left to Agrona's bounds checks (which the README lets a host turn off: the copy would then
     * write past the host's buffer). An expandable destination grows. Was: the copy was handed to Agrona unchecked
     * ({@code IndexOutOfBoundsException} with its checks on, a write outside the buffer with them off).
     */
    @Test
    void iteratorCopiesRefuseADestinationTheEntryDoesNotFit() throws Exception
    {
        cache = RegionCache.create(config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("cc"), b("vvv"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        final SnapshotIterator it = s.iterator();
        assertTrue(it.seekToFirst());
        final org.agrona.concurrent.UnsafeBuffer dst = new org.agrona.concurrent.UnsafeBuffer(new byte[4]);
        throwsExactly(NullPointerException.class, () -> it.copyKey(null, 0));
        throwsExactly(NullPointerException.class, () -> it.copyValue(null, 0));
        throwsExactly(IllegalArgumentException.class, () -> it.copyKey(dst, 3));
        throwsExactly(IllegalArgumentException.class, () -> it.copyKey(dst, -1));
        throwsExactly(IllegalArgumentException.class, () -> it.copyValue(dst, 2));
        throwsExactly(IllegalArgumentException.class, () -> it.copyValue(dst, Integer.MAX_VALUE));
        assertArrayEquals(new byte[4], dst.byteArray(), "nothing copied");
        assertEquals(2, it.copyKey(dst, 2), "the handle stays usable");
        assertEquals(3, it.copyValue(dst, 1));
        assertArrayEquals(new byte[] {0, 'v', 'v', 'v'}, dst.byteArray());
        final org.agrona.ExpandableArrayBuffer grows = new org.agrona.ExpandableArrayBuffer(1);
        assertEquals(3, it.copyValue(grows, 5), "an expandable destination grows");
        assertEquals('v', grows.getByte(7));
        throwsExactly(IllegalArgumentException.class, () -> it.copyKey(grows, -1));
        assertFalse(it.next());
        throwsExactly(IllegalStateException.class, () -> it.copyKey(dst, 0));
        s.dispose();
    }

    private static void throwsExactly(final Class<? extends Throwable> type,
        final org.junit.jupiter.api.function.Executable call)
    {
        final Throwable t = org.junit.jupiter.api.Assertions.assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
    }

    /**
     * The defaults the README ("Reliability": {@code closeTimeoutMillis} 5 s, {@code loadBackoffMillis} 60 s, the
     * default {@code drive}'s 256 MB budget stopping loads at 192 MB) and the builder's Javadoc state, as
     * {@code build()} gives them to a host that sets nothing.
     */
    @Test
    void theDocumentedDefaultsAreTheBuildersDefaults()
    {
        final RegionCacheConfig c = RegionCacheConfig.builder().build();
        assertEquals(5_000, c.closeTimeoutMillis());
        assertEquals(60_000, c.loadBackoffMillis());
        assertEquals(1 << 20, c.segmentSize());
        assertEquals(1L << 30, c.capacityBytes());
        assertEquals(4096, c.maxKeyLength());
        assertEquals(8 << 20, c.maxValueLength());
        assertEquals(65_536, c.commandQueueCapacity());
        assertEquals(256, c.commandDrainLimit());
        assertEquals(RegionCacheConfig.Threading.DEDICATED_THREAD, c.threading());
        assertEquals(null, c.backingStore());
        assertEquals(null, c.countersFile());
        assertEquals(250, c.countersIntervalMillis());
        assertTrue(c.pipelinedLoads());
        assertEquals(1_000, c.policyIntervalMillis());
        assertEquals(60_000, c.minResidencyMillis());
        assertEquals(0.1, c.maxEvictFractionPerRound());
        assertEquals(0.5, c.gcGarbageRatio());
        assertEquals(0, c.autoLoadTopN());
        assertEquals(10.0, c.autoLoadMinAmplification());
        assertEquals(null, c.onLoadInstalled());
        final RegionCacheConfig drive = RegionCacheConfig.builder().capacityBytes(256L << 20).build();
        assertEquals(192L << 20, drive.stopLoadThresholdBytes(), 1 << 10, "the default drive's stop-load threshold");
    }

    /**
     * {@code RegionCacheConfig.Builder.onLoadInstalled}: "Called on the apply thread once per region a load
     * installed, after it became ACTIVE". A load whose region was split while it ran installs both pieces; a listener
     * that throws for one is logged and counted ({@code apply.errors}), and the other piece is still told. Was: the
     * throw left the loop, so the other piece was never told (and the internal command counted as
     * {@code INTERNAL_ERROR}).
     */
    @Test
    void aThrowingLoadListenerStillHearsOfEveryInstalledRegion() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("left"));
        store.put(b("p"), 5, b("right"));
        final java.util.List<Runnable> loads = new java.util.ArrayList<>();
        final java.util.List<Long> told = new java.util.ArrayList<>();
        cache = RegionCache.create(config().backingStore(store).loaderExecutor(loads::add).onLoadInstalled(id ->
        {
            told.add(id);
            throw new IllegalStateException("the host's listener failed for region " + id);
        }).build());
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
        for (int i = 0; i < 100 && loads.isEmpty(); i++)
        {
            cache.applyCycle();
        }
        assertEquals(1, loads.size(), "the load started and waits for its executor");
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2));
        loads.remove(0).run();
        for (int i = 0; i < 1_000 && told.size() < 2; i++)
        {
            cache.applyCycle();
        }
        assertEquals(java.util.List.of(1L, 2L), told.stream().sorted().toList(), "each installed piece told once");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        readsValue(2, 2, "c", "left");
        readsValue(1, 2, "p", "right");
        assertEquals(2L, cache.metrics().get("apply.errors"), "each failed call counted");
        assertEquals(0L, cache.metrics().get("results.INTERNAL_ERROR"), "no command failed");
    }

    /**
     * README, "One rule for bad input": "reserved ids: region ids are {@code 0..Long.MAX_VALUE}; negative ids are
     * reserved ... as a region id, a new split id, or a merge side" and "epochs outside {@code 0..2^32-1}" are
     * {@code INVALID} at the call, before anything is queued, "whether or not the region is cached, and even after
     * {@code close()}": every command that takes a region id or an epoch, before and after close.
     */
    @Test
    void reservedIdsAndOutOfRangeEpochsAreInvalidAtTheCallOfEveryCommand() throws Exception
    {
        cache = RegionCache.create(config().backingStore(new InMemoryBackingStore()).build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        for (int round = 0; round < 2; round++)
        {
            final java.util.Map<String, CompletableFuture<CommandResult>> calls = new java.util.LinkedHashMap<>();
            calls.put("evict", cache.evict(-1, EvictReason.MANUAL));
            calls.put("destroy", cache.destroy(-1));
            calls.put("applySnapshot", cache.applySnapshot(-1));
            calls.put("prepareMerge", cache.prepareMerge(-1));
            calls.put("rollbackMerge", cache.rollbackMerge(-1));
            calls.put("commitMerge source", cache.commitMerge(1, -3));
            calls.put("setKeepCached", cache.setKeepCached(-1, true));
            calls.put("compact", cache.compact(-1));
            calls.put("advanceSafePoint region", cache.advanceSafePoint(-2, 5));
            calls.put("split source", cache.split(-1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
            calls.put("split source epoch", cache.split(1, 1L << 32, new byte[][] {b("g")}, new long[] {2}, 1L << 33));
            calls.put("loadRegion epoch", cache.loadRegion(new Region(5, b("x"), b("y"), 1L << 32)));
            calls.put("loadRegionKeepCached id", cache.loadRegionKeepCached(new Region(-1, b("x"), b("y"), 1)));
            calls.put("createRegion epoch", cache.createRegion(new Region(5, b("x"), b("y"), -1)));
            calls.put("write epoch", cache.write(new WriteBatch(1, 1L << 32, 5).put(b("c"), b("v"))));
            for (final java.util.Map.Entry<String, CompletableFuture<CommandResult>> e : calls.entrySet())
            {
                final String when = e.getKey() + (round == 0 ? "" : " after close");
                assertTrue(e.getValue().isDone(), when + ": answered at the call");
                final CommandResult r = e.getValue().join();
                assertEquals(ResultCode.INVALID, r.code(), () -> when + ": " + r);
                assertFalse(r.detail().isEmpty(), when + ": with the reason");
            }
            if (round == 0)
            {
                assertEquals(0, cache.queueDepth(), "nothing queued");
                assertEquals(RegionState.ACTIVE, cache.stateOf(1));
                cache.close();
            }
        }
    }

    /**
     * README: "{@code snap.iterator(lower, upper)}: [lower, upper) inside the region"; Javadoc: "IllegalArgumentException
     * if a bound lies outside the region". An empty upper bound is +infinity (as every range here reads it), so it
     * lies outside a region with an end. Was: on a region starting at -infinity an empty upper was let through and
     * the unbounded cursor walked on into the split sibling's keys (the pieces share the table until compaction):
     * region [-inf, g) served "p" of its sibling [g, z).
     */
    @Test
    void anEmptyUpperBoundIsOutsideARegionWithAnEnd() throws Exception
    {
        cache = RegionCache.create(config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], b("z"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 5).put(b("c"), b("left")).put(b("p"), b("right"))));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(2, 2, 10));
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(null, new byte[0]));
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(new byte[0], new byte[0]));
        final java.util.List<String> seen = new java.util.ArrayList<>();
        final SnapshotIterator it = s.iterator(new byte[0], b("g")); // empty lower: the region's own -infinity
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            seen.add(new String(it.key(), US_ASCII));
        }
        assertEquals(java.util.List.of("c"), seen, "only the region's own keys");
        assertEquals(SnapshotStatus.OK, s.open(1, 2, 10));
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(b("g"), new byte[0]));
        s.dispose();
        // A region without an end takes an empty upper bound as its own +infinity.
        expect(ResultCode.OK, cache.createRegion(new Region(3, b("z"), new byte[0], 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(3, 1, 5).put(b("zz"), b("last"))));
        final Snapshot t = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, t.open(3, 1, 10));
        final SnapshotIterator all = t.iterator(b("z"), new byte[0]);
        assertTrue(all.seekToFirst());
        assertArrayEquals(b("zz"), all.key());
        assertFalse(all.next());
        t.dispose();
    }

    /**
     * README: "The public API is one package listing. {@code io.regioncache} holds the facade: ... Everything else in
     * that package ... is package-private". Every public top-level type of the package must be named in that
     * paragraph, and every type the paragraph names there must be public. Was: {@code Bytes}, {@code CountersFile},
     * {@code ReadArguments}, {@code SnapshotUnavailableException}, {@code StoreView} and {@code ViewStoreCursor}
     * are public and were missing from the listing.
     */
    @Test
    void thePackageListingNamesEveryPublicTypeOfTheFacade() throws Exception
    {
        final String paragraph = listingParagraph();
        final Set<String> named = new TreeSet<>();
        final Matcher m = Pattern.compile("`([A-Z][A-Za-z]+)`").matcher(paragraph);
        while (m.find())
        {
            named.add(m.group(1));
        }
        final Path classes = Path.of(RegionCache.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("io/regioncache");
        final Set<String> publicTypes = new TreeSet<>();
        try (Stream<Path> files = Files.list(classes))
        {
            for (final Path f : (Iterable<Path>)files::iterator)
            {
                final String name = f.getFileName().toString();
                if (name.endsWith(".class") && !name.contains("$") && !name.equals("package-info.class"))
                {
                    final Class<?> c = Class.forName("io.regioncache." + name.substring(0, name.length() - 6));
                    if (Modifier.isPublic(c.getModifiers()))
                    {
                        publicTypes.add(c.getSimpleName());
                    }
                }
            }
        }
        assertTrue(publicTypes.contains("RegionCache"), () -> "read the package: " + publicTypes);
        final Set<String> unnamed = new TreeSet<>(publicTypes);
        unnamed.removeAll(named);
        assertEquals(Set.of(), unnamed, "public types of io.regioncache the README's listing does not name");
        for (final String n : named)
        {
            final Class<?> c = load("io.regioncache." + n);
            if (c != null)
            {
                assertTrue(Modifier.isPublic(c.getModifiers()), () -> n + " is named public but is not");
            }
        }
    }

    private static Class<?> load(final String name)
    {
        try
        {
            return Class.forName(name);
        }
        catch (final ClassNotFoundException ex)
        {
            return null; // a name of another package (the paragraph also names io.regioncache.internal.*'s parts)
        }
    }

    private static String listingParagraph() throws IOException
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md")))
        {
            dir = dir.getParent();
        }
        assertNotNull(dir, "README.md above the module");
        final String readme = Files.readString(dir.resolve("README.md"), UTF_8);
        final int start = readme.indexOf("**The public API is one package listing.**");
        assertTrue(start >= 0, "the listing paragraph");
        final int end = readme.indexOf("\n\n", start);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }
}
