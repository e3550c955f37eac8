package io.regioncache.blackbox25;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import static io.regioncache.blackbox25.Kit.b;
import static io.regioncache.blackbox25.Kit.metric;
import static io.regioncache.blackbox25.Kit.ok;
import static io.regioncache.blackbox25.Kit.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README "TiKV's shipped bugs, impossible here by design": each row's "here" column as a host observes it through
 * the public API (the eviction-policy and enable/disable rows are in {@link EvictionJitterTest} and
 * {@link EnableDisableRowTest}).
 */
class TikvRowsTest
{
    private static TreeMap<String, String> contents(final Snapshot snap)
    {
        final TreeMap<String, String> out = new TreeMap<>();
        snap.asNavigableMap().forEach((k, v) -> out.put(new String(k, java.nio.charset.StandardCharsets.ISO_8859_1),
            new String(v, java.nio.charset.StandardCharsets.ISO_8859_1)));
        return out;
    }

    private static TreeMap<String, String> contents(final RegionCache cache, final long id, final long epoch,
        final long readVersion)
    {
        try (Snapshot snap = cache.snapshot(id, epoch, readVersion))
        {
            return contents(snap);
        }
    }

    private static TreeMap<String, String> expect(final String... kv)
    {
        final TreeMap<String, String> out = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            out.put(kv[i], kv[i + 1]);
        }
        return out;
    }

    /** WARN lines of the epoch-drift conflict about region {@code id}. */
    private static long driftWarnings(final String log, final long id)
    {
        return Kit.countLines(log, "WARN", "region " + id + " ", "epoch");
    }

    // ------------------------------------------------------------------ #17405, #18008: epoch drift

    /**
     * Row #17405/#18008: "a split or write at a newer epoch on a non-PENDING region is EPOCH_DRIFT: evicted,
     * counted, logged once" — a write on an ACTIVE region; later commands at the new epoch find nothing to drift
     * from (no second eviction, no second log line), and the region loads again at the new epoch.
     */
    @Test
    void aWriteAtANewerEpochOnAnActiveRegionIsOneCountedLoggedEviction() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 1, b("store"));
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 2).put(b("b"), b("1"))));
            final long before = cache.memoryInUse();
            final String log = Kit.captureErr(() ->
            {
                final CommandResult r = run(cache, cache.write(new WriteBatch(1, 3, 5).put(b("c"), b("2"))));
                assertEquals(ResultCode.EPOCH_DRIFT, r.code(), "" + r);
                assertNull(cache.stateOf(1), "evicted");
                Kit.cycles(cache, 5);
                // the host goes on at the new epoch: nothing cached to drift from any more
                assertEquals(ResultCode.NOT_CACHED,
                    run(cache, cache.write(new WriteBatch(1, 3, 6).put(b("c"), b("3")))).code());
                assertEquals(ResultCode.NOT_CACHED,
                    run(cache, cache.split(1, 3, new byte[][] {b("f")}, new long[] {2}, 4)).code());
            });
            assertEquals(1, metric(cache, "evictions.EPOCH_DRIFT"));
            assertEquals(1, metric(cache, "results.EPOCH_DRIFT"));
            assertEquals(1, metric(cache, "conflicts"));
            assertEquals(1, driftWarnings(log, 1), "logged once:\n" + log);
            assertTrue(cache.memoryInUse() < before, "the evicted region's memory came back");
            final Region again = new Region(1, b("a"), b("m"), 3);
            ok(cache, cache.loadRegion(again));
            Kit.until(cache, "reload at epoch 3", () -> cache.stateOf(1) == RegionState.ACTIVE);
            assertEquals(expect("c", "store"), contents(cache, 1, 3, 10));
        }
    }

    /** Row #17405/#18008: a split at a newer epoch on an ACTIVE region: EPOCH_DRIFT, no piece made. */
    @Test
    void aSplitAtANewerEpochOnAnActiveRegionIsEpochDrift() throws Exception
    {
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("m"), 2)));
            ok(cache, cache.write(new WriteBatch(1, 2, 2).put(b("b"), b("1")).put(b("k"), b("2"))));
            final String log = Kit.captureErr(() ->
            {
                final CommandResult r = run(cache,
                    cache.split(1, 4, new byte[][] {b("f")}, new long[] {2}, 5));
                assertEquals(ResultCode.EPOCH_DRIFT, r.code(), "" + r);
            });
            assertNull(cache.stateOf(1));
            assertNull(cache.stateOf(2), "no piece of a drifted split");
            assertEquals(0, metric(cache, "splits"));
            assertEquals(1, metric(cache, "evictions.EPOCH_DRIFT"));
            assertEquals(1, metric(cache, "conflicts"));
            assertEquals(1, driftWarnings(log, 1), "logged once:\n" + log);
            until0(cache);
        }
    }

    private static void until0(final RegionCache cache)
    {
        Kit.until(cache, "memory back to 0", () -> cache.memoryInUse() == 0);
    }

    /**
     * Row #17405/#18008 on a LOADING region (not PENDING): a write at a newer epoch is EPOCH_DRIFT; the load is
     * canceled, and when its job runs later nothing is installed and nothing stays in memory.
     */
    @Test
    void aWriteAtANewerEpochOnALoadingRegionCancelsTheLoad() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 200; i++)
        {
            store.put(b("k" + (1000 + i)), 1, b("v" + i));
        }
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("k"), b("l"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            final String log = Kit.captureErr(() ->
            {
                final CommandResult r = run(cache, cache.write(new WriteBatch(1, 2, 5).put(b("k1"), b("x"))));
                assertEquals(ResultCode.EPOCH_DRIFT, r.code(), "" + r);
                loader.runAll();
                Kit.until(cache, "the canceled load is gone", () -> cache.stateOf(1) == null &&
                    metric(cache, "regions.draining") == 0 && cache.memoryInUse() == 0);
                Kit.cycles(cache, 10);
                assertEquals(ResultCode.NOT_CACHED,
                    run(cache, cache.write(new WriteBatch(1, 2, 6).put(b("k1"), b("y")))).code());
            });
            assertEquals(1, driftWarnings(log, 1), "logged once:\n" + log);
            assertEquals(1, metric(cache, "evictions.EPOCH_DRIFT"));
            assertNull(cache.stateOf(1));
            assertEquals(0, metric(cache, "loads.finished"));
            assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 2, 10));
        }
    }

    /** Row #17405/#18008: a split at a newer epoch on a LOADING region is EPOCH_DRIFT too; no piece is made. */
    @Test
    void aSplitAtANewerEpochOnALoadingRegionIsEpochDrift() throws Exception
    {
        final InMemoryBackingStore store = alphabet();
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            final String log = Kit.captureErr(() ->
            {
                final CommandResult r = run(cache, cache.split(1, 3, new byte[][] {b("g")}, new long[] {2}, 4));
                assertEquals(ResultCode.EPOCH_DRIFT, r.code(), "" + r);
                loader.runAll();
                Kit.until(cache, "nothing left", () -> cache.stateOf(1) == null && cache.stateOf(2) == null &&
                    metric(cache, "regions.draining") == 0 && cache.memoryInUse() == 0);
            });
            assertEquals(1, driftWarnings(log, 1), "logged once:\n" + log);
            assertEquals(1, metric(cache, "evictions.EPOCH_DRIFT"));
            assertEquals(0, metric(cache, "loads.finished"));
        }
    }

    /**
     * Row #17405/#18008 with a reader pinning the region: the drift evicts it (the reader keeps its data until it
     * closes), and commands at the new epoch while the record still drains find nothing to drift from: one
     * eviction, one log line.
     */
    @Test
    void aDriftOnAPinnedRegionIsLoggedOnceWhileTheRecordDrains() throws Exception
    {
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))));
            final Snapshot reader = cache.snapshot(1, 1, 1);
            final NavigableMap<byte[], byte[]> view = reader.asNavigableMap();
            final String log = Kit.captureErr(() ->
            {
                assertEquals(ResultCode.EPOCH_DRIFT,
                    run(cache, cache.write(new WriteBatch(1, 2, 2).put(b("c"), b("2")))).code());
                Kit.cycles(cache, 5);
                assertEquals(1, metric(cache, "regions.draining"));
                final CommandResult w = run(cache, cache.write(new WriteBatch(1, 2, 3).put(b("c"), b("3"))));
                assertEquals(ResultCode.NOT_CACHED, w.code(), "" + w);
                final CommandResult sp = run(cache, cache.split(1, 2, new byte[][] {b("f")}, new long[] {2}, 3));
                // README: SKIPPED for "a split of a region being evicted"; no second drift either way
                assertTrue(sp.code() == ResultCode.NOT_CACHED || sp.code() == ResultCode.SKIPPED, "" + sp);
                assertEquals(1, view.size());
                reader.close();
                Kit.until(cache, "drained", () -> metric(cache, "regions.draining") == 0);
            });
            assertEquals(1, driftWarnings(log, 1), "logged once:\n" + log);
            assertEquals(1, metric(cache, "evictions.EPOCH_DRIFT"));
            assertEquals(1, metric(cache, "conflicts"));
            until0(cache);
        }
    }

    /**
     * Row #17405/#18008: "the split decides on the state it reads": a host that believes the region ACTIVE while it
     * is LOADING hears STATE_CONFLICT (counted), and the split is made on the LOADING region: its pieces load.
     */
    @Test
    void aSplitExpectingActiveOnALoadingRegionDecidesOnLoading() throws Exception
    {
        final InMemoryBackingStore store = alphabet();
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            final CommandResult r = run(cache,
                cache.split(1, 1, new byte[][] {b("k")}, new long[] {2}, 2, RegionState.ACTIVE));
            assertEquals(ResultCode.STATE_CONFLICT, r.code(), "" + r);
            assertEquals(1, metric(cache, "conflicts"));
            assertEquals(RegionState.LOADING, cache.stateOf(2));
            assertEquals(RegionState.LOADING, cache.stateOf(1));
            loader.runAll();
            Kit.until(cache, "both pieces ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE &&
                cache.stateOf(2) == RegionState.ACTIVE);
            assertEquals(alphabetAt3('a', 'k'), contents(cache, 2, 2, 10));
            assertEquals(alphabetAt3('k', 'z'), contents(cache, 1, 2, 10));
            assertEquals(0, metric(cache, "apply.errors"));
            assertEquals(0, metric(cache, "transitions.refused"));
        }
    }

    /**
     * Row #17405/#18008 on a PENDING region: the split decides on PENDING; when loads resume, every piece ends ACTIVE
     * with its own data or is not cached; none is left PENDING or LOADING, nothing fails.
     */
    @Test
    void aSplitOfAPendingRegionLeavesNoPieceStuck() throws Exception
    {
        final InMemoryBackingStore store = alphabet();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
        {
            cache.pauseLoads(true);
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.cycles(cache, 5);
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            final CommandResult r = run(cache,
                cache.split(1, 1, new byte[][] {b("k")}, new long[] {2}, 2, RegionState.PENDING));
            assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.SKIPPED, "" + r);
            cache.pauseLoads(false);
            Kit.cycles(cache, 50);
            Kit.until(cache, "no piece PENDING or LOADING", () ->
                cache.stateOf(1) != RegionState.PENDING && cache.stateOf(1) != RegionState.LOADING &&
                cache.stateOf(2) != RegionState.PENDING && cache.stateOf(2) != RegionState.LOADING);
            final String[][] pieces = {{"2", "a", "k"}, {"1", "k", "z"}};
            for (final String[] p : pieces)
            {
                final long id = Long.parseLong(p[0]);
                final RegionState st = cache.stateOf(id);
                assertTrue(st == null || st == RegionState.ACTIVE, "piece " + id + ": " + st);
                if (st == RegionState.ACTIVE)
                {
                    final Region cached = cache.region(id);
                    assertEquals(alphabetAt3(p[1].charAt(0), p[2].charAt(0)),
                        contents(cache, id, cached.epochVersion(), 10), "piece " + id + " " + cached);
                }
            }
            assertEquals(0, metric(cache, "apply.errors"));
            assertEquals(0, metric(cache, "transitions.refused"));
        }
    }

    /**
     * Row #17405/#18008 with bad input: a write or split at a newer epoch with a key outside the cached range is
     * refused INVALID before any state moves (no drift, nothing evicted, nothing logged as drift); the first
     * well-formed one finds the drift.
     */
    @Test
    void badInputAtANewerEpochMovesNothingTheFirstGoodCommandDrifts() throws Exception
    {
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))));
            final String log = Kit.captureErr(() ->
            {
                assertEquals(ResultCode.INVALID,
                    run(cache, cache.write(new WriteBatch(1, 2, 2).put(b("x"), b("2")))).code());
                assertEquals(ResultCode.INVALID,
                    run(cache, cache.split(1, 2, new byte[][] {b("q")}, new long[] {2}, 3)).code());
                assertEquals(RegionState.ACTIVE, cache.stateOf(1));
                assertEquals(0, metric(cache, "evictions.EPOCH_DRIFT"));
                assertEquals(expect("b", "1"), contents(cache, 1, 1, 5));
                assertEquals(ResultCode.EPOCH_DRIFT,
                    run(cache, cache.write(new WriteBatch(1, 2, 2).put(b("c"), b("2")))).code());
            });
            assertNull(cache.stateOf(1));
            assertEquals(1, metric(cache, "evictions.EPOCH_DRIFT"));
            assertEquals(1, driftWarnings(log, 1), "logged once:\n" + log);
        }
    }

    /** The same row's limit: on a PENDING region a newer epoch is no drift (its epoch may lag). */
    @Test
    void aWriteAtANewerEpochOnAPendingRegionIsNoDrift() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("k1"), 1, b("v"));
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
        {
            cache.pauseLoads(true);
            ok(cache, cache.loadRegion(new Region(1, b("k"), b("l"), 1)));
            Kit.cycles(cache, 5);
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            final CommandResult r = run(cache, cache.write(new WriteBatch(1, 2, 5).put(b("k1"), b("x"))));
            assertNotEquals(ResultCode.EPOCH_DRIFT, r.code(), "" + r);
            assertEquals(0, metric(cache, "evictions.EPOCH_DRIFT"));
        }
    }

    // ------------------------------------------------------------------ #17403: split of a loading region

    private static InMemoryBackingStore alphabet()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (char c = 'a'; c <= 'y'; c++)
        {
            store.put(new byte[] {(byte)c}, 2, new byte[] {(byte)c, '2'});
            store.put(new byte[] {(byte)c}, 1, new byte[] {(byte)c, '1'});
        }
        store.delete(b("e"), 3);
        return store;
    }

    private static TreeMap<String, String> alphabetAt3(final char from, final char to)
    {
        final TreeMap<String, String> out = new TreeMap<>();
        for (char c = from; c < to; c++)
        {
            if (c != 'e' && c <= 'y')
            {
                out.put(String.valueOf(c), c + "2");
            }
        }
        return out;
    }

    /**
     * Row #17403: "the load job follows the split to the children; each becomes ACTIVE ... when it finishes", with
     * the writes made to the pieces meanwhile replayed.
     */
    @Test
    void aSplitOfALoadingRegionLeavesEachPieceActive() throws Exception
    {
        for (final boolean pipelined : new boolean[] {false, true})
        {
            final InMemoryBackingStore store = alphabet();
            final Kit.Held loader = new Kit.Held();
            try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader)
                .pipelinedLoads(pipelined).build()))
            {
                ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
                Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
                ok(cache, cache.split(1, 1, new byte[][] {b("g"), b("p")}, new long[] {2, 3}, 2));
                for (final long id : new long[] {1, 2, 3})
                {
                    assertEquals(RegionState.LOADING, cache.stateOf(id), "piece " + id);
                }
                // writes to the pieces while they load (store first, then cache)
                store.put(b("b"), 4, b("b4"));
                assertEquals(ResultCode.OK, run(cache, cache.write(new WriteBatch(2, 2, 4).put(b("b"), b("b4"))))
                    .code());
                store.put(b("q"), 4, b("q4"));
                assertEquals(ResultCode.OK, run(cache, cache.write(new WriteBatch(1, 2, 4).put(b("q"), b("q4"))))
                    .code());
                loader.runAll();
                Kit.until(cache, "every piece ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE &&
                    cache.stateOf(2) == RegionState.ACTIVE && cache.stateOf(3) == RegionState.ACTIVE);
                final TreeMap<String, String> left = alphabetAt3('a', 'g');
                left.put("b", "b4");
                final TreeMap<String, String> right = alphabetAt3('p', 'z');
                right.put("q", "q4");
                assertEquals(left, contents(cache, 2, 2, 10), "pipelined " + pipelined);
                assertEquals(alphabetAt3('g', 'p'), contents(cache, 3, 2, 10), "pipelined " + pipelined);
                assertEquals(right, contents(cache, 1, 2, 10), "pipelined " + pipelined);
                // and the history below: version 1 in the middle piece
                final TreeMap<String, String> middleAt1 = new TreeMap<>();
                for (char c = 'g'; c < 'p'; c++)
                {
                    middleAt1.put(String.valueOf(c), c + "1");
                }
                assertEquals(middleAt1, contents(cache, 3, 2, 1));
                assertEquals(0, metric(cache, "transitions.refused"));
                assertEquals(0, metric(cache, "apply.errors"));
            }
        }
    }

    /** Row #17403: "... or is cleaned up": a piece evicted while loading is gone; the others become ACTIVE. */
    @Test
    void aPieceEvictedWhileTheSplitLoadRunsIsCleanedUp() throws Exception
    {
        final InMemoryBackingStore store = alphabet();
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            ok(cache, cache.split(1, 1, new byte[][] {b("g"), b("p")}, new long[] {2, 3}, 2));
            ok(cache, cache.evict(3, EvictReason.MANUAL));
            loader.runAll();
            Kit.until(cache, "the rest ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE &&
                cache.stateOf(2) == RegionState.ACTIVE);
            Kit.cycles(cache, 10);
            assertNull(cache.stateOf(3));
            assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(3, 2, 10));
            assertEquals(alphabetAt3('a', 'g'), contents(cache, 2, 2, 10));
            assertEquals(alphabetAt3('p', 'z'), contents(cache, 1, 2, 10));
            ok(cache, cache.evict(1, EvictReason.MANUAL));
            ok(cache, cache.evict(2, EvictReason.MANUAL));
            until0(cache);
            assertEquals(0, metric(cache, "regions.draining"));
        }
    }

    /** Row #17403, nested: a piece of a loading region split again before the load finishes; every piece ACTIVE. */
    @Test
    void aPieceOfALoadingRegionSplitAgainBecomesActive() throws Exception
    {
        final InMemoryBackingStore store = alphabet();
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            ok(cache, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2));
            ok(cache, cache.split(2, 2, new byte[][] {b("f")}, new long[] {3}, 3));
            ok(cache, cache.split(1, 2, new byte[][] {b("t")}, new long[] {4}, 3));
            loader.runAll();
            Kit.until(cache, "all four ACTIVE", () -> cache.stateOf(1) == RegionState.ACTIVE &&
                cache.stateOf(2) == RegionState.ACTIVE && cache.stateOf(3) == RegionState.ACTIVE &&
                cache.stateOf(4) == RegionState.ACTIVE);
            assertEquals(alphabetAt3('a', 'f'), contents(cache, 3, 3, 10));
            assertEquals(alphabetAt3('f', 'm'), contents(cache, 2, 3, 10));
            assertEquals(alphabetAt3('m', 't'), contents(cache, 4, 3, 10));
            assertEquals(alphabetAt3('t', 'z'), contents(cache, 1, 3, 10));
        }
    }

    /** Row #17403 with #18101: pieces of a loading split when the cache is disabled are all cleaned up. */
    @Test
    void piecesOfALoadingSplitAreCleanedUpWhenTheCacheIsDisabled() throws Exception
    {
        final InMemoryBackingStore store = alphabet();
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            ok(cache, cache.split(1, 1, new byte[][] {b("g"), b("p")}, new long[] {2, 3}, 2));
            ok(cache, cache.setEnabled(false));
            loader.runAll();
            Kit.until(cache, "nothing cached, nothing in memory", () -> cache.stateOf(1) == null &&
                cache.stateOf(2) == null && cache.stateOf(3) == null && cache.memoryInUse() == 0 &&
                metric(cache, "regions.draining") == 0);
            assertEquals(3, metric(cache, "evictions.DISABLED"));
            assertEquals(0, metric(cache, "loads.finished"));
        }
    }

    /** A store whose load scans fail after a few entries. */
    private static final class FailingScans implements BackingStore
    {
        final InMemoryBackingStore inner;

        FailingScans(final InMemoryBackingStore inner)
        {
            this.inner = inner;
        }

        @Override
        public BackingSnapshot openSnapshot()
        {
            final BackingSnapshot s = inner.openSnapshot();
            return new BackingSnapshot()
            {
                @Override
                public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
                {
                    final int[] n = {0};
                    s.scan(start, end, (k, ko, kl, v, val, vo, vl) ->
                    {
                        if (++n[0] > 3)
                        {
                            throw new StoreException("injected scan failure");
                        }
                        return visitor.onEntry(k, ko, kl, v, val, vo, vl);
                    });
                }

                @Override
                public int get(final DirectBuffer key, final int keyOffset, final int keyLength,
                    final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
                {
                    return s.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
                }

                @Override
                public void close()
                {
                    s.close();
                }
            };
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }

    /** Row #17403: a split load that fails cleans up every piece: none cached, no memory left. */
    @Test
    void aFailedSplitLoadCleansUpEveryPiece() throws Exception
    {
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(new FailingScans(alphabet()))
            .loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            ok(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
            loader.runAll();
            Kit.until(cache, "both pieces gone", () -> cache.stateOf(1) == null && cache.stateOf(2) == null);
            until0(cache);
            assertTrue(metric(cache, "loads.failed") >= 1);
            assertTrue(metric(cache, "evictions.LOAD_FAILED") >= 1);
            assertEquals(0, metric(cache, "regions.LOADING"));
            assertEquals(0, metric(cache, "regions.ACTIVE"));
        }
    }

    // ------------------------------------------------------------------ #17548: ids never reused

    /**
     * Row #17548: "records are never reused; the old one drains on its own": region 1 evicted while a view pins it;
     * a new region 1 (another range, then the same one) is cached beside the draining record; each reads its own
     * data, and the old one drains when its snapshot closes without touching the new one.
     */
    @Test
    void aNewRegionWithTheIdOfOneStillDrainingIsANewRecord() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("b"), 1, b("from store"));
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 3).put(b("c"), b("old"))));
            final Snapshot old = cache.snapshot(1, 1, 5);
            final NavigableMap<byte[], byte[]> oldView = old.asNavigableMap();
            ok(cache, cache.evict(1, EvictReason.MANUAL));
            Kit.cycles(cache, 5);
            assertEquals(1, metric(cache, "regions.draining"));
            // a new record under the same id, another range
            ok(cache, cache.createRegion(new Region(1, b("m"), b("t"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("n"), b("new"))));
            assertEquals(expect("n", "new"), contents(cache, 1, 1, 5));
            assertEquals(1, oldView.size());
            assertEquals("old", new String(oldView.get(b("c")), java.nio.charset.StandardCharsets.ISO_8859_1));
            ok(cache, cache.evict(1, EvictReason.MANUAL));
            // and again under the same id and range as the draining one, loaded from the store
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
            Kit.until(cache, "reloaded", () -> cache.stateOf(1) == RegionState.ACTIVE);
            assertEquals(expect("b", "from store"), contents(cache, 1, 1, 5));
            assertEquals(expect("c", "old"), contents(old));
            old.close();
            Kit.until(cache, "the old record drains", () -> metric(cache, "regions.draining") == 0);
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(expect("b", "from store"), contents(cache, 1, 1, 5));
            assertEquals(ResultCode.OK, run(cache, cache.write(new WriteBatch(1, 1, 2).put(b("d"), b("d")))).code());
            assertEquals(expect("b", "from store", "d", "d"), contents(cache, 1, 1, 5));
        }
    }

    /**
     * Row #17548 through a split: a split piece may take the id of a record still draining (pinned after its
     * eviction); the two never meet.
     */
    @Test
    void aSplitPieceMayTakeTheIdOfARecordStillDraining() throws Exception
    {
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            ok(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("one"))));
            ok(cache, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            ok(cache, cache.write(new WriteBatch(2, 1, 1).put(b("n"), b("two")).put(b("x"), b("two"))));
            final Snapshot old = cache.snapshot(1, 1, 1);
            ok(cache, cache.destroy(1));
            Kit.cycles(cache, 5);
            assertEquals(1, metric(cache, "regions.draining"));
            ok(cache, cache.split(2, 1, new byte[][] {b("p")}, new long[] {1}, 2));
            assertEquals(expect("n", "two"), contents(cache, 1, 2, 5));
            assertEquals(expect("x", "two"), contents(cache, 2, 2, 5));
            assertEquals(expect("b", "one"), contents(old));
            old.close();
            Kit.until(cache, "the old record drains", () -> metric(cache, "regions.draining") == 0);
            assertEquals(expect("n", "two"), contents(cache, 1, 2, 5));
            ok(cache, cache.write(new WriteBatch(1, 2, 2).put(b("o"), b("o"))));
            assertEquals(expect("n", "two", "o", "o"), contents(cache, 1, 2, 5));
        }
    }

    // ------------------------------------------------------------------ #17645: two prepare-merges in one batch

    /** Row #17645 on LOADING regions: two prepare-merges in one batch cancel the load once; nothing is installed. */
    @Test
    void twoPrepareMergesOfALoadingRegionInOneBatch() throws Exception
    {
        final InMemoryBackingStore store = alphabet();
        final Kit.Held loader = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Kit.until(cache, "LOADING", () -> cache.stateOf(1) == RegionState.LOADING);
            final CompletableFuture<CommandResult> first = cache.prepareMerge(1);
            final CompletableFuture<CommandResult> second = cache.prepareMerge(1);
            cache.applyCycle();
            assertEquals(ResultCode.OK, first.get().code());
            assertTrue(second.get().code() == ResultCode.OK || second.get().code() == ResultCode.NOT_CACHED,
                "" + second.get());
            assertEquals(1, metric(cache, "evictions.MERGE"));
            loader.runAll();
            Kit.until(cache, "nothing left", () -> cache.stateOf(1) == null && cache.memoryInUse() == 0 &&
                metric(cache, "regions.draining") == 0);
            assertEquals(0, metric(cache, "loads.finished"));
            assertEquals(0, metric(cache, "apply.errors"));
        }
    }

    /**
     * Row #17645: "each is a typed, idempotent eviction": prepare-merges of the same region twice and of its
     * neighbour, plus a commit of both, all drained in one apply cycle: both regions evicted for MERGE, once each;
     * the third region untouched; nothing fails; the merged range loads again with both sides' data.
     */
    @Test
    void twoPrepareMergesInOneBatchAreIdempotentTypedEvictions() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
        {
            final long[][] ranges = {{'a', 'h'}, {'h', 'p'}, {'p', 'z'}};
            for (int i = 0; i < 3; i++)
            {
                final long id = i + 1;
                ok(cache, cache.createRegion(new Region(id, new byte[] {(byte)ranges[i][0]},
                    new byte[] {(byte)ranges[i][1]}, 1)));
                final byte[] key = {(byte)(ranges[i][0] + 1)};
                store.put(key, 1, b("v" + id));
                ok(cache, cache.write(new WriteBatch(id, 1, 1).put(key, b("v" + id))));
            }
            final long merges = metric(cache, "evictions.MERGE");
            final List<CompletableFuture<CommandResult>> fs = new ArrayList<>();
            fs.add(cache.prepareMerge(1));
            fs.add(cache.prepareMerge(1));
            fs.add(cache.prepareMerge(2));
            fs.add(cache.commitMerge(2, 1));
            fs.add(cache.rollbackMerge(1));
            assertEquals(5, cache.queueDepth(), "all queued before one apply cycle");
            cache.applyCycle();
            assertEquals(0, cache.queueDepth(), "one apply cycle drained them");
            final List<ResultCode> codes = new ArrayList<>();
            for (final CompletableFuture<CommandResult> f : fs)
            {
                assertTrue(f.isDone());
                codes.add(f.get().code());
            }
            assertEquals(ResultCode.OK, codes.get(0), "" + codes);
            assertEquals(ResultCode.OK, codes.get(2), "" + codes);
            for (final ResultCode c : codes)
            {
                assertTrue(c == ResultCode.OK || c == ResultCode.NOT_CACHED, "idempotent: " + codes);
            }
            assertEquals(merges + 2, metric(cache, "evictions.MERGE"), "one MERGE eviction per region");
            assertEquals(0, metric(cache, "apply.errors"));
            assertEquals(0, metric(cache, "conflicts"));
            assertEquals(0, metric(cache, "results.INTERNAL_ERROR"));
            assertNull(cache.stateOf(1));
            assertNull(cache.stateOf(2));
            assertEquals(RegionState.ACTIVE, cache.stateOf(3));
            assertEquals(expect("q", "v3"), contents(cache, 3, 1, 5));
            // the merged region loads again
            ok(cache, cache.loadRegion(new Region(2, b("a"), b("p"), 2)));
            Kit.until(cache, "merged region ACTIVE", () -> cache.stateOf(2) == RegionState.ACTIVE);
            assertEquals(expect("b", "v1", "i", "v2"), contents(cache, 2, 2, 5));
        }
    }

    // ------------------------------------------------------------------ #17667: split before GC

    /** A region [a, z) with keys b, k, s written at versions 1..6 and k deleted at 7. */
    private static void history(final RegionCache cache) throws Exception
    {
        ok(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        for (int v = 1; v <= 6; v++)
        {
            ok(cache, cache.write(new WriteBatch(1, 1, v).put(b("b"), b("b" + v)).put(b("k"), b("k" + v))
                .put(b("s"), b("s" + v))));
        }
        ok(cache, cache.write(new WriteBatch(1, 1, 7).delete(b("k"))));
    }

    /**
     * Row #17667 ("a split, then each child compacted"): the pieces share the parent's table; each is compacted on
     * its own into a whole new record; reads above the safe point see the same data, at or below it are refused.
     */
    @Test
    void aSplitThenEachPieceCompacted() throws Exception
    {
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            history(cache);
            ok(cache, cache.advanceSafePoint(1, 4));
            ok(cache, cache.split(1, 1, new byte[][] {b("h")}, new long[] {2}, 2));
            assertEquals(ResultCode.OK, run(cache, cache.compact(2)).code());
            Kit.until(cache, "piece 2 compacted", () -> metric(cache, "compactions.finished") == 1);
            assertEquals(ResultCode.OK, run(cache, cache.compact(1)).code());
            Kit.until(cache, "piece 1 compacted", () -> metric(cache, "compactions.finished") == 2);
            Kit.cycles(cache, 5);
            assertTrue(metric(cache, "gc.versions_dropped") > 0);
            assertEquals(expect("b", "b5"), contents(cache, 2, 2, 5));
            assertEquals(expect("k", "k6", "s", "s6"), contents(cache, 1, 2, 6));
            assertEquals(expect("s", "s6"), contents(cache, 1, 2, 7));
            assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(2, 2, 4));
            assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(1, 2, 3));
            assertEquals(0, metric(cache, "transitions.refused"));
            // both pieces take writes after their compaction
            ok(cache, cache.write(new WriteBatch(2, 2, 8).put(b("c"), b("c8"))));
            ok(cache, cache.write(new WriteBatch(1, 2, 8).put(b("k"), b("k8"))));
            assertEquals(expect("b", "b6", "c", "c8"), contents(cache, 2, 2, 9));
            assertEquals(expect("k", "k8", "s", "s6"), contents(cache, 1, 2, 9));
        }
    }

    /**
     * Row #17667: "GC swaps whole records": a snapshot opened before the compaction keeps the record (and every
     * version) it pinned; new snapshots get the successor, which refuses reads at or below the safe point.
     */
    @Test
    void aCompactionSwapsWholeRecordsUnderOpenSnapshots() throws Exception
    {
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            history(cache);
            final Snapshot before = cache.snapshot(1, 1, 3);
            final NavigableMap<byte[], byte[]> view = before.asNavigableMap();
            ok(cache, cache.advanceSafePoint(1, 5));
            assertEquals(ResultCode.OK, run(cache, cache.compact(1)).code());
            Kit.until(cache, "compacted", () -> metric(cache, "compactions.finished") == 1);
            Kit.cycles(cache, 5);
            assertEquals(1, metric(cache, "regions.draining"), "the replaced record is pinned by the snapshot");
            assertEquals(expect("b", "b3", "k", "k3", "s", "s3"), contents(before));
            assertEquals(3, view.size());
            assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(1, 1, 3));
            assertEquals(expect("b", "b6", "k", "k6", "s", "s6"), contents(cache, 1, 1, 6));
            assertEquals(expect("b", "b6", "s", "s6"), contents(cache, 1, 1, 7));
            before.close();
            Kit.until(cache, "drained", () -> metric(cache, "regions.draining") == 0);
            assertEquals(expect("b", "b6", "s", "s6"), contents(cache, 1, 1, 7));
        }
    }

    /**
     * Row #17667 ("a split landing while the compaction runs"): the compaction's result is discarded, the pieces
     * keep every version their reads need, and the copy's memory comes back.
     */
    @Test
    void aCompactionWhoseSourceWasSplitIsDiscarded() throws Exception
    {
        final Kit.Held gc = new Kit.Held();
        try (RegionCache cache = RegionCache.create(Kit.invoker().gcExecutor(gc).build()))
        {
            history(cache);
            ok(cache, cache.advanceSafePoint(1, 4));
            final long beforeCompaction = cache.memoryInUse();
            assertEquals(ResultCode.OK, run(cache, cache.compact(1)).code());
            assertEquals(1, gc.size(), "the compaction job waits in the GC executor");
            ok(cache, cache.split(1, 1, new byte[][] {b("h")}, new long[] {2}, 2));
            gc.runAll();
            Kit.cycles(cache, 20);
            assertEquals(0, metric(cache, "compactions.finished"), "discarded");
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(RegionState.ACTIVE, cache.stateOf(2));
            for (long rv = 5; rv <= 8; rv++)
            {
                final String at = "at " + rv;
                assertEquals(expect("b", "b" + Math.min(rv, 6)), contents(cache, 2, 2, rv), at);
                final TreeMap<String, String> right = expect("s", "s" + Math.min(rv, 6));
                if (rv < 7)
                {
                    right.put("k", "k" + rv);
                }
                assertEquals(right, contents(cache, 1, 2, rv), at);
            }
            Kit.until(cache, "the discarded copy's memory comes back",
                () -> cache.memoryInUse() <= beforeCompaction);
            assertEquals(0, metric(cache, "apply.errors"));
        }
    }
}
