package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.regioncache.store.FailingStore;
import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TiKV in-memory-engine failures replayed deterministically: INVOKER threading (the test thread runs every apply
 * cycle) and a manual loader executor (a load runs exactly when the test runs it).
 */
class TikvRegressionTest
{
    private static final int MAX_KEY = 16;
    private static final int MAX_VALUE = 64;
    private static final byte[] A = b("a");
    private static final byte[] M = b("m");
    private static final byte[] Z = b("z");

    private final ArrayDeque<Runnable> loads = new ArrayDeque<>();
    private InMemoryBackingStore store;
    private FailingStore storeForCache;
    private RegionCache cache;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void setUp()
    {
        store = new InMemoryBackingStore();
        storeForCache = new FailingStore(store);
        // Keys on both sides of "m", all at version 10.
        for (final String k : new String[] {"b", "c", "n", "p"})
        {
            store.put(b(k), 10, b(k + "10"));
        }
    }

    private void start()
    {
        cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER)
            .segmentSize(64 * 1024)
            .maxKeyLength(MAX_KEY)
            .maxValueLength(MAX_VALUE)
            .backingStore(storeForCache)
            .loaderExecutor(loads::add)
            .closeTimeoutMillis(100)
            .build());
    }

    @AfterEach
    void tearDown()
    {
        if (cache != null && !cache.isClosed())
        {
            cache.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    private CommandResult run(final CompletableFuture<CommandResult> f)
    {
        for (int i = 0; i < 100 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        assertTrue(f.isDone(), "command not completed after 100 apply cycles");
        return f.join();
    }

    private void expect(final ResultCode code, final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = run(f);
        assertEquals(code, r.code(), r.toString());
    }

    /** Run every queued loader job (each offers its completion), then one apply cycle to install them. */
    private void finishLoads()
    {
        assertFalse(loads.isEmpty(), "no load queued");
        while (!loads.isEmpty())
        {
            loads.poll().run();
        }
        cache.applyCycle();
    }

    private void loadActive(final Region region)
    {
        expect(ResultCode.OK, cache.loadRegion(region));
        assertEquals(RegionState.LOADING, cache.stateOf(region.id()));
        finishLoads();
        assertEquals(RegionState.ACTIVE, cache.stateOf(region.id()));
    }

    private void assertReads(final long id, final long epoch, final long readVersion, final String... keyValues)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(id, epoch, readVersion), "open " + id + "@" + epoch);
        try
        {
            final SnapshotIterator it = s.iterator();
            int n = 0;
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                assertTrue(2 * n + 1 < keyValues.length, "unexpected extra key " + new String(it.key(),
                    StandardCharsets.UTF_8) + " in region " + id);
                assertArrayEquals(b(keyValues[2 * n]), it.key(), "key " + n + " of region " + id);
                assertArrayEquals(b(keyValues[2 * n + 1]), it.value(), "value of " + keyValues[2 * n]);
                assertArrayEquals(b(keyValues[2 * n + 1]), s.get(b(keyValues[2 * n])));
                n++;
            }
            assertEquals(keyValues.length / 2, n, "keys in region " + id);
        }
        finally
        {
            s.close();
        }
    }

    private void closeAndCheck(final long expectedConflicts)
    {
        assertTrue(loads.isEmpty(), "a load job was left unrun");
        assertEquals(expectedConflicts, cache.counters().conflicts(), "conflicts");
        assertEquals(0, cache.counters().applyErrors(), "apply errors");
        assertEquals(0, cache.counters().results(ResultCode.INTERNAL_ERROR));
        cache.close();
        assertEquals(expectedConflicts, cache.counters().conflicts(), "conflicts after close");
        assertEquals(0, cache.counters().applyErrors(), "apply errors at close");
        assertEquals(0, cache.pool().bytesInUse(), "off-heap bytes after close");
    }

    private Transitions transitions()
    {
        return cache.counters().transitions();
    }

    // ------------------------------------------------------------------ tikv#17405 / #18008

    @Test
    void splitPreparedWhilePendingArrivesAfterActive()
    {
        splitPreparedInStateArrivesAfterActive(RegionState.PENDING);
    }

    @Test
    void splitPreparedWhileLoadingArrivesAfterActive()
    {
        splitPreparedInStateArrivesAfterActive(RegionState.LOADING);
    }

    private void splitPreparedInStateArrivesAfterActive(final RegionState preparedIn)
    {
        start();
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        assertEquals(RegionState.PENDING, cache.stateOf(1));
        cache.pauseLoads(false);
        cache.applyCycle();
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        finishLoads();
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));

        final CommandResult r = run(cache.split(1, 1, new byte[][] {M}, new long[] {2}, 2, preparedIn));
        assertEquals(ResultCode.STATE_CONFLICT, r.code(), r.toString());
        assertEquals(1, r.regionId());
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertEquals(1, cache.counters().splits());
        assertReads(2, 2, 100, "b", "b10", "c", "c10");
        assertReads(1, 2, 100, "n", "n10", "p", "p10");
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, cache.newSnapshot().open(1, 1, 100));
        closeAndCheck(1);
    }

    @Test
    void splitPreparedWhileActiveArrivesAfterEvictAndReload()
    {
        start();
        loadActive(new Region(1, A, Z, 1));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertNull(cache.stateOf(1));
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        assertEquals(RegionState.PENDING, cache.stateOf(1));

        final CommandResult r = run(cache.split(1, 1, new byte[][] {M}, new long[] {2}, 2, RegionState.ACTIVE));
        assertEquals(ResultCode.STATE_CONFLICT, r.code(), r.toString());
        assertEquals(RegionState.PENDING, cache.stateOf(1));
        assertEquals(RegionState.PENDING, cache.stateOf(2));
        assertEquals(2, cache.region(1).epochVersion());
        assertEquals(2, cache.region(2).epochVersion());
        assertTrue(loads.isEmpty());

        cache.pauseLoads(false);
        cache.applyCycle();
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        assertEquals(RegionState.LOADING, cache.stateOf(2));
        assertEquals(2, loads.size(), "one load per child");
        finishLoads();
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertReads(2, 2, 100, "b", "b10", "c", "c10");
        assertReads(1, 2, 100, "n", "n10", "p", "p10");
        assertEquals(1, transitions().made(RegionState.PENDING, RegionState.RETIRED), "the PENDING source retired");
        assertEquals(4, transitions().made(null, RegionState.PENDING), "two loads and two PENDING children");
        closeAndCheck(1);
    }

    // ------------------------------------------------------------------ missed epoch change

    @Test
    void splitWithMissedEpochChangeEvictsAndRegionReloads()
    {
        start();
        loadActive(new Region(1, A, Z, 1));
        final CommandResult r = run(cache.split(1, 2, new byte[][] {M}, new long[] {2}, 3));
        assertEquals(ResultCode.EPOCH_DRIFT, r.code(), r.toString());
        assertNull(cache.stateOf(1));
        assertNull(cache.stateOf(2));
        assertEquals(0, cache.counters().splits());
        assertEquals(1, cache.counters().evictions(EvictReason.EPOCH_DRIFT));
        assertEquals(1, cache.counters().conflicts());
        assertEquals(0, cache.memoryInUse());

        loadActive(new Region(1, A, Z, 2));
        assertReads(1, 2, 100, "b", "b10", "c", "c10", "n", "n10", "p", "p10");
        closeAndCheck(1);
    }

    // ------------------------------------------------------------------ tikv#17403

    @Test
    void splitWhileLoadingEachChildBecomesActive()
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {M}, new long[] {2}, 2));
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        assertEquals(RegionState.LOADING, cache.stateOf(2));
        assertEquals(SnapshotStatus.LOADING, cache.newSnapshot().open(2, 2, 100));
        finishLoads();
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertReads(2, 2, 100, "b", "b10", "c", "c10");
        assertReads(1, 2, 100, "n", "n10", "p", "p10");
        assertEquals(1, cache.counters().loadsStarted());
        assertEquals(1, cache.counters().loadsFinished());
        assertEquals(0, cache.counters().loadsFailed());
        closeAndCheck(0);
    }

    @Test
    void severalSplitsDuringOneLoad()
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        // [a,z) -> 2:[a,m) 1:[m,z) @2 -> 3:[m,o) 1:[o,z) @3 ; 2:[a,m) -> 4:[a,c) 2:[c,m) @3
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {M}, new long[] {2}, 2));
        expect(ResultCode.OK, cache.split(1, 2, new byte[][] {b("o")}, new long[] {3}, 3));
        expect(ResultCode.OK, cache.split(2, 2, new byte[][] {b("c")}, new long[] {4}, 3));
        for (final long id : new long[] {1, 2, 3, 4})
        {
            assertEquals(RegionState.LOADING, cache.stateOf(id), "region " + id);
        }
        assertEquals(1, loads.size());
        finishLoads();
        for (final long id : new long[] {1, 2, 3, 4})
        {
            assertEquals(RegionState.ACTIVE, cache.stateOf(id), "region " + id);
        }
        assertReads(4, 3, 100, "b", "b10");
        assertReads(2, 3, 100, "c", "c10");
        assertReads(3, 3, 100, "n", "n10");
        assertReads(1, 3, 100, "p", "p10");
        assertEquals(3, cache.counters().splits());
        closeAndCheck(0);
    }

    @Test
    void evictOneChildDuringLoad()
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {M}, new long[] {2}, 2));
        expect(ResultCode.OK, cache.evict(2, EvictReason.MANUAL));
        assertNull(cache.stateOf(2));
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        assertEquals(0, cache.counters().loadsCanceled(), "the other child still needs the load");
        finishLoads();
        assertNull(cache.stateOf(2));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertReads(1, 2, 100, "n", "n10", "p", "p10");
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(2, 2, 100));
        assertEquals(1, transitions().made(RegionState.LOADING_CANCELED, RegionState.EVICTING));
        assertEquals(0, cache.counters().loadsFailed());
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cache.applyCycle();
        assertEquals(0, cache.memoryInUse(), "table freed once both children are gone");
        closeAndCheck(0);
    }

    // ------------------------------------------------------------------ tikv#17548

    @Test
    void newRegionReusesIdOfRecordStillEvicting()
    {
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(1, A, Z, 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 5).put(b("b"), b("old")).put(b("q"), b("oldq"))));
        final Snapshot old = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, old.open(1, 1, 100));
        expect(ResultCode.OK, cache.evict(1, EvictReason.APPLY_SNAPSHOT));
        assertNull(cache.stateOf(1));
        assertEquals(1, transitions().made(RegionState.ACTIVE, RegionState.PENDING_EVICT));

        store.put(b("b"), 20, b("new"));
        loadActive(new Region(1, A, Z, 2));
        assertArrayEquals(b("old"), old.get(b("b")), "old snapshot reads the old record's table");
        assertArrayEquals(b("oldq"), old.get(b("q")));
        assertReads(1, 2, 100, "b", "new", "c", "c10", "n", "n10", "p", "p10");
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, cache.newSnapshot().open(1, 1, 100));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 2, 30).put(b("c"), b("c30"))));
        assertArrayEquals(b("old"), old.get(b("b")));
        assertNull(old.get(b("c")), "the new region's write must not reach the old table");
        assertReads(1, 2, 100, "b", "new", "c", "c30", "n", "n10", "p", "p10");

        final long withBoth = cache.memoryInUse();
        old.close();
        cache.applyCycle();
        assertEquals(1, transitions().made(RegionState.PENDING_EVICT, RegionState.EVICTING));
        assertTrue(cache.memoryInUse() < withBoth, "old table freed after its last pin");
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertReads(1, 2, 100, "b", "new", "c", "c30", "n", "n10", "p", "p10");
        closeAndCheck(0);
    }

    @Test
    void createdRegionReusesIdOfRecordStillEvicting()
    {
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(1, A, Z, 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 5).put(b("b"), b("old"))));
        final Snapshot old = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, old.open(1, 1, 100));
        expect(ResultCode.OK, cache.destroy(1));
        expect(ResultCode.OK, cache.createRegion(new Region(1, A, M, 2)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 2, 6).put(b("b"), b("new"))));
        assertArrayEquals(b("old"), old.get(b("b")));
        assertReads(1, 2, 100, "b", "new");
        old.close();
        cache.applyCycle();
        assertReads(1, 2, 100, "b", "new");
        closeAndCheck(0);
    }

    @Test
    void idReusedWhileOldLoadStillRunningNewLoadFinishesFirst()
    {
        idReusedWhileOldLoadStillRunning(true);
    }

    @Test
    void idReusedWhileOldLoadStillRunningOldLoadFinishesFirst()
    {
        idReusedWhileOldLoadStillRunning(false);
    }

    private void idReusedWhileOldLoadStillRunning(final boolean newFirst)
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        final Runnable oldJob = loads.poll();
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertNull(cache.stateOf(1));
        store.put(b("b"), 20, b("b20"));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 2)));
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        final Runnable newJob = loads.poll();
        assertTrue(loads.isEmpty());
        if (newFirst)
        {
            newJob.run();
            cache.applyCycle();
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            oldJob.run();
            cache.applyCycle();
        }
        else
        {
            oldJob.run();
            cache.applyCycle();
            assertEquals(RegionState.LOADING, cache.stateOf(1), "the old load's end must not touch the new record");
            newJob.run();
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertReads(1, 2, 100, "b", "b20", "c", "c10", "n", "n10", "p", "p10");
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, cache.newSnapshot().open(1, 1, 100));
        assertEquals(1, transitions().made(RegionState.LOADING_CANCELED, RegionState.EVICTING));
        assertEquals(1, transitions().made(RegionState.LOADING, RegionState.ACTIVE));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertEquals(0, cache.memoryInUse());
        closeAndCheck(0);
    }

    // ------------------------------------------------------------------ tikv#17645

    @Test
    void twoPrepareMergesOfOneRegionInOneCycle()
    {
        start();
        loadActive(new Region(1, A, M, 1));
        loadActive(new Region(2, M, Z, 1));
        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(1, 1, 100));
        final CompletableFuture<CommandResult> first = cache.prepareMerge(1);
        final CompletableFuture<CommandResult> second = cache.prepareMerge(1);
        final CompletableFuture<CommandResult> write2 = cache.write(new WriteBatch(2, 1, 11).put(b("n"), b("n11")));
        cache.applyCycle();
        assertTrue(first.isDone() && second.isDone() && write2.isDone(), "all applied in one cycle");
        assertEquals(ResultCode.OK, first.join().code(), first.join().toString());
        assertEquals(ResultCode.NOT_CACHED, second.join().code(), second.join().toString());
        assertEquals(ResultCode.OK, write2.join().code());
        assertNull(cache.stateOf(1));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertArrayEquals(b("b10"), pinned.get(b("b")));
        assertReads(2, 1, 100, "n", "n11", "p", "p10");
        assertEquals(1, cache.counters().evictions(EvictReason.MERGE));
        pinned.close();

        // Same again for an unpinned region: both prepare-merges typed, the neighbour untouched.
        final CompletableFuture<CommandResult> third = cache.prepareMerge(2);
        final CompletableFuture<CommandResult> fourth = cache.prepareMerge(2);
        cache.applyCycle();
        assertEquals(ResultCode.OK, third.join().code());
        assertEquals(ResultCode.NOT_CACHED, fourth.join().code());
        assertEquals(0, cache.memoryInUse());
        closeAndCheck(0);
    }

    // ------------------------------------------------------------------ eviction and load failure

    @Test
    void evictionDuringLoad()
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertNull(cache.stateOf(1));
        assertEquals(1, transitions().made(RegionState.LOADING, RegionState.LOADING_CANCELED));
        assertEquals(1, cache.counters().loadsCanceled());
        finishLoads();
        assertEquals(1, transitions().made(RegionState.LOADING_CANCELED, RegionState.EVICTING));
        assertEquals(0, transitions().made(RegionState.LOADING, RegionState.ACTIVE));
        assertEquals(0, cache.memoryInUse());
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 100));
        loadActive(new Region(1, A, Z, 1));
        assertReads(1, 1, 100, "b", "b10", "c", "c10", "n", "n10", "p", "p10");
        closeAndCheck(0);
    }

    @Test
    void loadFailureAtStartClearsEverything()
    {
        start();
        loadActive(new Region(2, b("r"), Z, 1));
        final long baseline = cache.memoryInUse();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, M, 1)));
        storeForCache.failNextScan(new IllegalStateException("disk on fire"));
        finishLoads();
        assertNull(cache.stateOf(1));
        assertEquals(baseline, cache.memoryInUse());
        assertEquals(1, cache.counters().loadsFailed());
        assertEquals(1, cache.counters().evictions(EvictReason.LOAD_FAILED));
        assertEquals(1, cache.counters().results(ResultCode.STORE_ERROR));
        loadActive(new Region(1, A, M, 1));
        assertReads(1, 1, 100, "b", "b10", "c", "c10");
        closeAndCheck(0);
    }

    @Test
    void loadFailureMidScanClearsWhatItWrote()
    {
        for (int i = 0; i < 200; i++)
        {
            store.put(b(String.format("d%04d", i)), 10, new byte[MAX_VALUE]);
        }
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("r"), Z, 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 1, 3).put(b("s"), b("s3"))));
        final long baseline = cache.memoryInUse();
        assertTrue(baseline > 0);
        storeForCache.failOnceAfter(150);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, M, 1)));
        finishLoads();
        assertEquals(1, storeForCache.injectedFailures(), "the scan reached the injected failure");
        assertNull(cache.stateOf(1));
        assertEquals(baseline, cache.memoryInUse(), "a failed load must free everything it copied");
        assertEquals(1, cache.counters().loadsFailed());
        assertReads(2, 1, 100, "s", "s3");
        closeAndCheck(0);
    }

    @Test
    void loadCompletionThenEvictInOneCycle()
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        loads.poll().run(); // completion waits in the internal queue
        final CompletableFuture<CommandResult> evict = cache.evict(1, EvictReason.MANUAL);
        cache.applyCycle(); // internal queue first: installed, then evicted, then reclaimed
        assertEquals(ResultCode.OK, evict.join().code(), evict.join().toString());
        assertNull(cache.stateOf(1));
        assertEquals(1, transitions().made(RegionState.LOADING, RegionState.ACTIVE));
        assertEquals(1, transitions().made(RegionState.ACTIVE, RegionState.EVICTING));
        assertEquals(0, cache.memoryInUse());
        closeAndCheck(0);
    }

    @Test
    void loaderFinishesThenEvictAppliedBeforeCompletion()
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        final Runnable job = loads.poll();
        // Same cycle: the loader finishes (completion queued), then the evict is applied before that completion.
        final CompletableFuture<CommandResult> ran = cache.submit(new Command.RunOnApplyThread(job));
        final CompletableFuture<CommandResult> evict = cache.evict(1, EvictReason.MANUAL);
        cache.applyCycle();
        assertEquals(ResultCode.OK, ran.join().code());
        assertEquals(ResultCode.OK, evict.join().code(), evict.join().toString());
        assertNull(cache.stateOf(1));
        cache.applyCycle(); // the completion: nothing to install, LOADING_CANCELED -> EVICTING -> GONE
        assertEquals(0, transitions().made(RegionState.LOADING, RegionState.ACTIVE));
        assertEquals(1, transitions().made(RegionState.LOADING_CANCELED, RegionState.EVICTING));
        assertEquals(0, cache.memoryInUse());
        closeAndCheck(0);
    }

    @Test
    void evictThenLoaderRunsInOneCycle()
    {
        start();
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        final Runnable job = loads.poll();
        final CompletableFuture<CommandResult> evict = cache.evict(1, EvictReason.MANUAL);
        final CompletableFuture<CommandResult> ran = cache.submit(new Command.RunOnApplyThread(job));
        cache.applyCycle(); // evict sets abandon; the loader then stops at its first entry
        assertEquals(ResultCode.OK, evict.join().code());
        assertEquals(ResultCode.OK, ran.join().code());
        cache.applyCycle();
        assertNull(cache.stateOf(1));
        assertEquals(1, transitions().made(RegionState.LOADING_CANCELED, RegionState.EVICTING));
        assertEquals(0, cache.memoryInUse());
        loadActive(new Region(1, A, Z, 1));
        assertReads(1, 1, 100, "b", "b10", "c", "c10", "n", "n10", "p", "p10");
        closeAndCheck(0);
    }

    // ------------------------------------------------------------------ writes during LOADING

    @Test
    void writesDuringLoadingAreReplayedOnce()
    {
        start();
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, A, Z, 1)));
        // While PENDING: the host writes the store, then the cache; the cache skips it (the load reads the store).
        store.put(b("b"), 11, b("b11"));
        expect(ResultCode.SKIPPED, cache.write(new WriteBatch(1, 1, 11).put(b("b"), b("b11"))));
        // Written to the store before the snapshot is taken, reaching the cache only after the load started:
        // in the snapshot AND buffered.
        store.put(b("c"), 12, b("c12"));
        cache.pauseLoads(false);
        cache.applyCycle();
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 12).put(b("c"), b("c12"))));
        // After the snapshot: only buffered.
        store.put(b("d"), 13, b("d13"));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 13).put(b("d"), b("d13"))));
        store.delete(b("b"), 14);
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 14).delete(b("b")).put(b("n"), b("n14"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 14).put(b("p"), b("dup"))));
        finishLoads();
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));

        assertReads(1, 1, 100, "c", "c12", "d", "d13", "n", "n14", "p", "p10");
        assertReads(1, 1, 13, "b", "b11", "c", "c12", "d", "d13", "n", "n10", "p", "p10");
        assertReads(1, 1, 12, "b", "b11", "c", "c12", "n", "n10", "p", "p10");
        assertReads(1, 1, 11, "b", "b11", "c", "c10", "n", "n10", "p", "p10");
        assertReads(1, 1, 10, "b", "b10", "c", "c10", "n", "n10", "p", "p10");
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
        assertEquals(14, s.readVersion(), "applied version covers the replayed batches");
        s.close();

        // After ACTIVE: applied directly, and still above the replayed versions.
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 13).put(b("c"), b("late"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 15).put(b("c"), b("c15"))));
        assertReads(1, 1, 100, "c", "c15", "d", "d13", "n", "n14", "p", "p10");
        closeAndCheck(0);
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void staleAndFutureEpochWrites()
    {
        start();
        loadActive(new Region(1, A, Z, 2));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 2, 11).put(b("b"), b("b11"))));
        expect(ResultCode.STALE_EPOCH, cache.write(new WriteBatch(1, 1, 12).put(b("b"), b("stale"))));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertReads(1, 2, 100, "b", "b11", "c", "c10", "n", "n10", "p", "p10");
        // the stale batch did not advance the version high-water mark
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 2, 12).put(b("c"), b("c12"))));
        assertEquals(0, cache.counters().conflicts());

        expect(ResultCode.EPOCH_DRIFT, cache.write(new WriteBatch(1, 3, 13).put(b("b"), b("future"))));
        assertNull(cache.stateOf(1));
        assertEquals(1, cache.counters().evictions(EvictReason.EPOCH_DRIFT));
        assertEquals(0, cache.memoryInUse());
        expect(ResultCode.NOT_CACHED, cache.write(new WriteBatch(1, 3, 14).put(b("b"), b("b14"))));
        closeAndCheck(1);
    }

    @Test
    void versionsGoingBackwardsAreInvalid()
    {
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(1, A, Z, 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("b"), b("b20"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 20).put(b("b"), b("again"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 19).put(b("c"), b("c19"))));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertReads(1, 1, 100, "b", "b20");
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 21).put(b("c"), b("c21"))));
        assertReads(1, 1, 100, "b", "b20", "c", "c21");
        closeAndCheck(0);
    }

    /**
     * BUG (fails on main): installing a load does not raise the record's last-write version to the newest version
     * the load copied, so a batch below the loaded data is accepted and its {@code appliedVersionRelease} moves the
     * applied version backwards: snapshots at the newest version then no longer see the loaded data.
     */
    @Test
    void writeBelowLoadedVersionsIsSkippedAndHidesNothing()
    {
        start();
        loadActive(new Region(1, A, Z, 1));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
        assertEquals(10, s.readVersion());
        s.close();
        final CommandResult r = run(cache.write(new WriteBatch(1, 1, 5).put(b("b"), b("b5"))));
        // The host writes the store first, in version order, so a write at or below the loaded versions is already
        // in the load's snapshot: acknowledged as covered, never re-applied under open snapshots.
        assertEquals(ResultCode.SKIPPED, r.code(), "a version below the loaded data is covered by the load: " + r);
        assertTrue(r.detail().contains("covered by the loaded snapshot"), r.detail());
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 5).put(b("b"), b("b5"))));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
        assertEquals(10, s.readVersion(), "the applied version must never move backwards");
        s.close();
        assertReads(1, 1, Long.MAX_VALUE, "b", "b10", "c", "c10", "n", "n10", "p", "p10");
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 11).put(b("b"), b("b11"))));
        assertReads(1, 1, Long.MAX_VALUE, "b", "b11", "c", "c10", "n", "n10", "p", "p10");
        closeAndCheck(0);
    }

    @Test
    void keysOutsideTheRegionAreInvalid()
    {
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("c"), M, 1)));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 5).put(b("d"), b("d5")).put(b("m"), b("m5"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 6).put(b("b"), b("b6"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 7).delete(b("zz"))));
        assertReads(1, 1, 100);
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 8).put(b("c"), b("c8")).put(b("lz"), b("lz8"))));
        assertReads(1, 1, 100, "c", "c8", "lz", "lz8");
        closeAndCheck(0);
    }

    @Test
    void oversizeKeysAndValuesAreInvalid()
    {
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(1, A, Z, 1)));
        final byte[] longKey = new byte[MAX_KEY + 1];
        Arrays.fill(longKey, (byte)'b');
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 5).put(longKey, b("v"))));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 6).put(b("b"), new byte[MAX_VALUE + 1])));
        expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 7).put(new byte[0], b("v"))));
        final byte[] maxKey = Arrays.copyOf(longKey, MAX_KEY);
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 8).put(maxKey, new byte[MAX_VALUE])));
        assertReads(1, 1, 100, new String(maxKey, StandardCharsets.UTF_8), new String(new byte[MAX_VALUE],
            StandardCharsets.UTF_8));
        final byte[] longZ = new byte[MAX_KEY + 1];
        Arrays.fill(longZ, (byte)'z');
        expect(ResultCode.INVALID, cache.createRegion(new Region(2, longZ, new byte[0], 1)));
        expect(ResultCode.INVALID, cache.split(1, 1, new byte[][] {longKey}, new long[] {2}, 2));
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertNull(cache.stateOf(2));
        closeAndCheck(0);
    }

    @Test
    void duplicateAndOverlappingCreatesAreInvalid()
    {
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(1, A, M, 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 5).put(b("b"), b("b5"))));
        expect(ResultCode.INVALID, cache.createRegion(new Region(1, A, M, 1)));
        expect(ResultCode.INVALID, cache.createRegion(new Region(1, M, Z, 1)));
        expect(ResultCode.INVALID, cache.createRegion(new Region(2, b("l"), Z, 1)));
        expect(ResultCode.INVALID, cache.createRegion(new Region(2, new byte[0], new byte[0], 1)));
        expect(ResultCode.INVALID, cache.loadRegion(new Region(3, b("c"), b("d"), 1)));
        expect(ResultCode.INVALID, cache.createRegion(new Region(4, Z, M, 1)));
        expect(ResultCode.SKIPPED, cache.loadRegion(new Region(1, A, M, 1)));
        assertNull(cache.stateOf(2));
        assertNull(cache.stateOf(3));
        assertNull(cache.stateOf(4));
        assertReads(1, 1, 100, "b", "b5");
        expect(ResultCode.OK, cache.createRegion(new Region(2, M, Z, 1)));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertEquals(6, cache.counters().results(ResultCode.INVALID));
        assertEquals(1, cache.counters().results(ResultCode.SKIPPED));
        closeAndCheck(0);
    }

    @Test
    void commandsAfterCloseAreClosed()
    {
        start();
        expect(ResultCode.OK, cache.createRegion(new Region(1, A, Z, 1)));
        final CompletableFuture<CommandResult> queued = cache.write(new WriteBatch(1, 1, 5).put(b("b"), b("b5")));
        closeAndCheck(0);
        assertEquals(ResultCode.CLOSED, queued.join().code(), "queued before close: completed CLOSED at close");
        final CompletableFuture<?>[] after = {
            cache.write(new WriteBatch(1, 1, 6).put(b("b"), b("b6"))),
            cache.createRegion(new Region(2, Z, new byte[0], 1)),
            cache.loadRegion(new Region(3, Z, new byte[0], 1)),
            cache.split(1, 1, new byte[][] {M}, new long[] {2}, 2),
            cache.evict(1, EvictReason.MANUAL),
            cache.advanceSafePoint(5),
            };
        for (final CompletableFuture<?> f : after)
        {
            assertTrue(f.isDone(), "completed at once");
            assertEquals(ResultCode.CLOSED, ((CommandResult)f.join()).code());
        }
        assertEquals(SnapshotStatus.CLOSED, cache.newSnapshot().open(1, 1, 100));
        assertEquals(0, cache.pool().bytesInUse());
        assertEquals(0, cache.counters().applyErrors());
    }
}
