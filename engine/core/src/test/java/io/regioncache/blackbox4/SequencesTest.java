package io.regioncache.blackbox4;

import static io.regioncache.blackbox4.H.b;
import static io.regioncache.blackbox4.H.wb;
import static io.regioncache.blackbox4.H.expect;
import static io.regioncache.blackbox4.H.get;
import static io.regioncache.blackbox4.H.ok;
import static io.regioncache.blackbox4.H.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** Unusual-but-legal sequences, each assertion from a README sentence (quoted). */
class SequencesTest
{
    private static void storeBatch(final InMemoryBackingStore store, final WriteBatch w)
    {
        store.applyBatch(w);
    }

    @Test
    void splitThenMergeRollbackThenSplitAgainWithOldEpochsPinned() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10", "h", "h10", "p", "p10")), "w10");
            ok(c, c.write(wb(1, 1, 20, "b", "b20", "p", null)), "w20");
            final Snapshot s1 = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s1.open(1, 1, 15));

            // README: "split (several keys at once ...)"; example: new ids are the left-hand pieces.
            ok(c, c.split(1, 1, new byte[][] {b("g"), b("m")}, new long[] {2, 3}, 2), "split");
            // README: "Snapshots taken before the split keep reading the same table, and opening the old epoch
            // returns EPOCH_MISMATCH."
            assertEquals("EPOCH_MISMATCH", read(c, 1, 1, 100, "p"));
            assertEquals("b10", get(s1, "b"));
            assertEquals("h10", get(s1, "h"));
            assertEquals("p10", get(s1, "p"));
            assertEquals("b20", read(c, 2, 2, 100, "b"));
            assertEquals("h10", read(c, 3, 2, 100, "h"));
            assertEquals("<null>", read(c, 1, 2, 100, "p"));
            assertEquals("p10", read(c, 1, 2, 15, "p"));

            ok(c, c.write(wb(3, 2, 30, "h", "h30")), "w30 child 3");
            assertEquals("h10", get(s1, "h"));
            final Snapshot s3 = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s3.open(3, 2, 100));
            assertEquals("h30", get(s3, "h"));

            // prepareMerge evicts, rollbackMerge then names a region no longer cached: NOT_CACHED
            // ("NOT_CACHED: the region is not cached (also the answer for an id the cache does not know").
            ok(c, c.prepareMerge(3), "prepareMerge");
            // "once an eviction is applied the region is out of the index, so a later open answers NOT_CACHED, even
            // while snapshots opened before it still pin its memory"
            assertEquals("NOT_CACHED", read(c, 3, 2, 100, "h"));
            assertEquals("h30", get(s3, "h"));
            expect(c, ResultCode.NOT_CACHED, c.rollbackMerge(3), "rollback of evicted");
            expect(c, ResultCode.NOT_CACHED, c.write(wb(3, 2, 40, "h", "h40")), "write evicted");

            ok(c, c.split(1, 2, new byte[][] {b("r")}, new long[] {4}, 3), "second split");
            assertEquals("EPOCH_MISMATCH", read(c, 1, 2, 100, "p"));
            assertEquals("<null>", read(c, 4, 3, 100, "p"));
            assertEquals("p10", read(c, 4, 3, 15, "p"));
            assertEquals("b20", read(c, 2, 2, 100, "b"));
            assertEquals("p10", get(s1, "p"));
            // "STALE_EPOCH: the command's epoch is older than the cached one"
            expect(c, ResultCode.STALE_EPOCH, c.write(wb(1, 2, 50, "s", "s50")), "stale write");
            expect(c, ResultCode.STALE_EPOCH, c.split(1, 2, new byte[][] {b("t")}, new long[] {9}, 4), "stale split");
            ok(c, c.write(wb(1, 3, 50, "s", "s50")), "write at new epoch");
            assertEquals("s50", read(c, 1, 3, 100, "s"));
            s1.close();
            s3.close();
        }
    }

    @Test
    void splitWithExpectedStateMismatchIsConflictDecidedOnRealState() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10", "p", "p10")), "w10");
            final long before = c.metrics().get("conflicts");
            // "STATE_CONFLICT: the sender expected another state; decided on the real one, counted and logged."
            expect(c, ResultCode.STATE_CONFLICT,
                c.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2, RegionState.LOADING), "split");
            assertEquals(before + 1, c.metrics().get("conflicts"));
            // decided on the real one (ACTIVE): the split happened.
            assertEquals("b10", read(c, 2, 2, 100, "b"));
            assertEquals("p10", read(c, 1, 2, 100, "p"));
            // And a matching expectation is a plain split.
            ok(c, c.split(1, 2, new byte[][] {b("t")}, new long[] {3}, 3, RegionState.ACTIVE), "split 2");
            assertEquals("p10", read(c, 3, 3, 100, "p"));
        }
    }

    @Test
    void splitWhileLoadingMovesTheJobToTheChildrenWithBufferedWrites() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        storeBatch(store, wb(1, 1, 10, "b", "b10", "h", "h10", "p", "p10"));
        storeBatch(store, wb(1, 1, 20, "b", "b20"));
        final H.Held loader = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load");
            H.cycles(c, 5);
            // "a snapshot at a stale epoch answers EPOCH_MISMATCH whatever the region's state (a PENDING or LOADING
            // region too)"
            assertEquals("EPOCH_MISMATCH", read(c, 1, 0, 100, "b"));
            final String st = read(c, 1, 1, 100, "b");
            assertEquals("LOADING", st);
            final RegionState rs = c.stateOf(1);
            final WriteBatch w30 = wb(1, 1, 30, "h", "h30", "b", null);
            storeBatch(store, w30);
            // "Writes that arrive meanwhile are buffered and replayed" (LOADING); a write to a PENDING one is SKIPPED
            final ResultCode w30r = H.await(c, c.write(w30)).code();
            assertEquals(rs == RegionState.PENDING ? ResultCode.SKIPPED : ResultCode.OK, w30r, "state " + rs);
            // "A split during loading moves the job to the children: each child becomes ACTIVE when it finishes."
            ok(c, c.split(1, 1, new byte[][] {b("g"), b("m")}, new long[] {2, 3}, 2), "split while loading");
            assertEquals("LOADING", read(c, 2, 2, 100, "b"));
            assertEquals("EPOCH_MISMATCH", read(c, 2, 1, 100, "b"));
            final WriteBatch w40 = wb(1, 2, 40, "p", "p40");
            storeBatch(store, w40);
            final ResultCode w40r = H.await(c, c.write(w40)).code();
            for (int i = 0; i < 20 && (loader.size() > 0 || i < 3); i++)
            {
                loader.runAll();
                H.cycles(c, 20);
            }
            assertEquals(RegionState.ACTIVE, c.stateOf(2));
            assertEquals(RegionState.ACTIVE, c.stateOf(3));
            assertEquals(RegionState.ACTIVE, c.stateOf(1));
            if (w30r == ResultCode.OK)
            {
                assertEquals("<null>", read(c, 2, 2, 100, "b"));
                assertEquals("h30", read(c, 3, 2, 100, "h"));
            }
            assertEquals("b20", read(c, 2, 2, 25, "b"));
            assertEquals("b10", read(c, 2, 2, 15, "b"));
            assertEquals("h10", read(c, 3, 2, 25, "h"));
            if (w40r == ResultCode.OK)
            {
                assertEquals("p40", read(c, 1, 2, 100, "p"));
            }
            assertEquals("p10", read(c, 1, 2, 35, "p"));
            // store-first host: a write the load copied answers SKIPPED ("answers a later write at or below that
            // version SKIPPED (the load has it)") — here every later write is above it, so a new one is OK:
            final WriteBatch w50 = wb(2, 2, 50, "c", "c50");
            storeBatch(store, w50);
            ok(c, c.write(w50), "w50");
            assertEquals("c50", read(c, 2, 2, 100, "c"));
        }
    }

    @Test
    void disableWhileLoadsQueuedThenEnable() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        storeBatch(store, wb(1, 1, 10, "b", "b10", "p", "p10"));
        final H.Held loader = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(c, c.createRegion(new Region(7, b("za"), b("zz"), 1)), "create 7");
            ok(c, c.write(wb(7, 1, 5, "zb", "v5")), "w 7");
            final Snapshot s7 = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s7.open(7, 1, 100));
            ok(c, c.loadRegion(new Region(1, b("a"), b("m"), 1)), "load 1");
            ok(c, c.loadRegion(new Region(2, b("m"), b("z"), 1)), "load 2");
            H.cycles(c, 5);
            final long disabledBefore = c.metrics().get("evictions.DISABLED");
            // "disable at run time: every region is evicted with EvictReason.DISABLED, loads and creations answer
            // SKIPPED, writes and snapshots NOT_CACHED"
            ok(c, c.setEnabled(false), "disable");
            assertEquals(disabledBefore + 3, c.metrics().get("evictions.DISABLED"));
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            assertEquals("NOT_CACHED", read(c, 7, 1, 100, "zb"));
            // the open snapshot keeps reading ("even while snapshots opened before it still pin its memory")
            assertEquals("v5", get(s7, "zb"));
            loader.runAll();
            H.cycles(c, 50);
            loader.runAll();
            H.cycles(c, 50);
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            assertEquals("NOT_CACHED", read(c, 2, 1, 100, "p"));
            assertEquals(0, c.regions().stream().filter(i -> i.state() == RegionState.ACTIVE).count());
            expect(c, ResultCode.SKIPPED, c.loadRegion(new Region(1, b("a"), b("m"), 1)), "load disabled");
            expect(c, ResultCode.SKIPPED, c.createRegion(new Region(3, b("0"), b("1"), 1)), "create disabled");
            expect(c, ResultCode.NOT_CACHED, c.write(wb(7, 1, 6, "zb", "v6")), "write disabled");
            // "setEnabled to the state the cache is in" → SKIPPED
            expect(c, ResultCode.SKIPPED, c.setEnabled(false), "disable twice");
            ok(c, c.setEnabled(true), "enable");
            expect(c, ResultCode.SKIPPED, c.setEnabled(true), "enable twice");
            ok(c, c.loadRegion(new Region(1, b("a"), b("m"), 1)), "load again");
            for (int i = 0; i < 5; i++)
            {
                loader.runAll();
                H.cycles(c, 20);
            }
            assertEquals("b10", read(c, 1, 1, 100, "b"));
            assertEquals("v5", get(s7, "zb"));
            s7.close();
        }
    }

    @Test
    void applySnapshotOverRegionWithOpenSnapshotsThenRecreate() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10")), "w10");
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final long before = c.metrics().get("evictions.APPLY_SNAPSHOT");
            ok(c, c.applySnapshot(1), "applySnapshot");
            assertEquals(before + 1, c.metrics().get("evictions.APPLY_SNAPSHOT"));
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            assertEquals("b10", get(s, "b"));
            // recreate: "a new region's is 0, so its first write is at version 1 or later"
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "recreate");
            assertEquals("<null>", read(c, 1, 1, 100, "b"));
            ok(c, c.write(wb(1, 1, 1, "b", "b1")), "w1");
            assertEquals("b1", read(c, 1, 1, 100, "b"));
            assertEquals("b10", get(s, "b"));
            s.close();
            // and once more with the snapshot reopened on the new record, then destroy
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            ok(c, c.destroy(1), "destroy");
            assertEquals("b1", get(s, "b"));
            s.close();
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
        }
    }

    @Test
    void safePointIsKeptBySplitChildrenAfterCompaction() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10", "p", "p10")), "w10");
            ok(c, c.write(wb(1, 1, 20, "b", "b20")), "w20");
            ok(c, c.write(wb(1, 1, 30, "b", "b30", "p", "p30")), "w30");
            ok(c, c.advanceSafePoint(1, 25), "sp");
            // "a region's safe point below the region's or equal to it" → SKIPPED
            expect(c, ResultCode.SKIPPED, c.advanceSafePoint(1, 25), "sp equal");
            expect(c, ResultCode.SKIPPED, c.advanceSafePoint(1, 24), "sp below");
            ok(c, c.compact(1), "compact");
            H.cycles(c, 50);
            // "reads at or below the safe point are refused"
            assertEquals("TOO_OLD_READ", read(c, 1, 1, 25, "b"));
            assertEquals("b20", read(c, 1, 1, 26, "b"));
            ok(c, c.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2), "split");
            assertEquals("TOO_OLD_READ", read(c, 2, 2, 25, "b"));
            assertEquals("TOO_OLD_READ", read(c, 2, 2, 15, "b"));
            assertEquals("TOO_OLD_READ", read(c, 1, 2, 15, "p"));
            assertEquals("b20", read(c, 2, 2, 26, "b"));
            assertEquals("p10", read(c, 1, 2, 26, "p"));
            assertEquals("b30", read(c, 2, 2, 30, "b"));
            expect(c, ResultCode.SKIPPED, c.advanceSafePoint(2, 25), "child sp equal");
            // engine-wide: "answers OK and ignores a lower one"
            ok(c, c.advanceSafePoint(28), "all 28");
            ok(c, c.advanceSafePoint(27), "all lower");
            assertEquals("TOO_OLD_READ", read(c, 2, 2, 28, "b"));
            assertEquals("TOO_OLD_READ", read(c, 1, 2, 27, "p"));
            assertEquals("b20", read(c, 2, 2, 29, "b"));
            ok(c, c.compact(2), "compact child");
            H.cycles(c, 50);
            assertEquals("b20", read(c, 2, 2, 29, "b"));
            assertEquals("b30", read(c, 2, 2, 31, "b"));
        }
    }

    @Test
    void compactionRacingASplit() throws Exception
    {
        final H.Held gc = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().gcExecutor(gc).build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10", "n", "n10")), "w10");
            ok(c, c.write(wb(1, 1, 20, "b", "b20", "n", "n20")), "w20");
            ok(c, c.advanceSafePoint(1, 15), "sp");
            ok(c, c.compact(1), "compact");
            H.cycles(c, 5);
            ok(c, c.write(wb(1, 1, 30, "b", "b30")), "w30 during compaction");
            final Snapshot old = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, old.open(1, 1, 25));
            ok(c, c.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2), "split during compaction");
            ok(c, c.write(wb(1, 2, 40, "n", "n40")), "w40 child");
            ok(c, c.write(wb(2, 2, 41, "b", null)), "w41 child");
            gc.runAll();
            H.cycles(c, 50);
            gc.runAll();
            H.cycles(c, 50);
            assertEquals("b20", get(old, "b"));
            assertEquals("n20", get(old, "n"));
            assertEquals("EPOCH_MISMATCH", read(c, 1, 1, 100, "b"));
            assertEquals("<null>", read(c, 2, 2, 100, "b"));
            assertEquals("b30", read(c, 2, 2, 40, "b"));
            assertEquals("b20", read(c, 2, 2, 29, "b"));
            assertEquals("b10", read(c, 2, 2, 16, "b"));
            assertEquals("TOO_OLD_READ", read(c, 2, 2, 15, "b"));
            assertEquals("n40", read(c, 1, 2, 100, "n"));
            assertEquals("n20", read(c, 1, 2, 39, "n"));
            assertEquals("n10", read(c, 1, 2, 19, "n"));
            // and a compaction of each child afterwards ("The same swap gives each child of a split its own table")
            ok(c, c.compact(1), "compact child 1");
            ok(c, c.compact(2), "compact child 2");
            gc.runAll();
            H.cycles(c, 50);
            gc.runAll();
            H.cycles(c, 50);
            assertEquals("n20", read(c, 1, 2, 39, "n"));
            assertEquals("b10", read(c, 2, 2, 16, "b"));
            assertEquals("<null>", read(c, 2, 2, 100, "b"));
            assertEquals("b20", get(old, "b"));
            old.close();
        }
    }

    @Test
    void openSnapshotBelowANewSafePointKeepsItsTableAcrossCompaction() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10")), "w10");
            ok(c, c.write(wb(1, 1, 20, "b", "b20")), "w20");
            ok(c, c.write(wb(1, 1, 30, "b", "b30")), "w30");
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 15));
            ok(c, c.advanceSafePoint(1, 25), "sp");
            ok(c, c.compact(1), "compact");
            H.cycles(c, 50);
            // "Snapshots already open keep their table; reads at or below the safe point are refused."
            assertEquals("b10", get(s, "b"));
            assertEquals("TOO_OLD_READ", read(c, 1, 1, 25, "b"));
            assertEquals("b20", read(c, 1, 1, 26, "b"));
            assertEquals("b30", read(c, 1, 1, 100, "b"));
            ok(c, c.write(wb(1, 1, 40, "b", "b40")), "w40 after compaction");
            assertEquals("b40", read(c, 1, 1, 100, "b"));
            assertEquals("b10", get(s, "b"));
            // reopening the same handle at the old version is refused now
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 15));
        }
    }

    @Test
    void loadCanceledByMergeAndStaleEpochChecksBeforeRange() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        storeBatch(store, wb(1, 1, 10, "b", "b10", "p", "p10"));
        final H.Held loader = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("m"), 1)), "load 1");
            H.cycles(c, 5);
            final long merges = c.metrics().get("evictions.MERGE");
            ok(c, c.prepareMerge(1), "prepareMerge while loading");
            loader.runAll();
            H.cycles(c, 50);
            // "An eviction cancels the load"
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            assertEquals(merges + 1, c.metrics().get("evictions.MERGE"));
            // the merged region loads again
            ok(c, c.loadRegion(new Region(5, b("a"), b("z"), 2)), "load merged");
            loader.runAll();
            H.cycles(c, 50);
            assertEquals("b10", read(c, 5, 2, 100, "b"));
            assertEquals("p10", read(c, 5, 2, 100, "p"));
            // "a create or load naming a region id cached at a newer epoch too, before its range and id are checked"
            expect(c, ResultCode.STALE_EPOCH, c.createRegion(new Region(5, b("0"), b("1"), 1)), "create stale");
            expect(c, ResultCode.STALE_EPOCH, c.loadRegion(new Region(5, b("a"), b("c"), 1)), "load stale");
            // "a load of a region cached already (same id, range and epoch version; the conf version is not compared)"
            expect(c, ResultCode.SKIPPED, c.loadRegion(new Region(5, b("a"), b("z"), 2, 9)), "load again");
            // commitMerge names target and source: the target is evicted, the unknown source is normal
            ok(c, c.split(5, 2, new byte[][] {b("g")}, new long[] {6}, 3), "split");
            ok(c, c.commitMerge(5, 6), "commitMerge");
            assertEquals("NOT_CACHED", read(c, 5, 3, 100, "p"));
            assertEquals("NOT_CACHED", read(c, 6, 3, 100, "b"));
        }
    }

    @Test
    void writeAtOrBelowLoadedVersionIsSkippedAndAfterIsOrdered() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        storeBatch(store, wb(1, 1, 10, "b", "b10"));
        storeBatch(store, wb(1, 1, 50, "b", "b50"));
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load");
            H.cycles(c, 50);
            assertEquals("b50", read(c, 1, 1, 100, "b"));
            assertEquals("b10", read(c, 1, 1, 49, "b"));
            // "a write above it but at or below what a load copied is SKIPPED: the load has it"
            // (the first write the stream delivers after the load is below the copied version, then one at it)
            expect(c, ResultCode.SKIPPED, c.write(wb(1, 1, 30, "b", "x")), "below loaded");
            expect(c, ResultCode.SKIPPED, c.write(wb(1, 1, 50, "b", "x")), "at loaded");
            final WriteBatch w60 = wb(1, 1, 60, "b", "b60");
            storeBatch(store, w60);
            ok(c, c.write(w60), "w60");
            // "versions not above the last one the region's stream delivered (going backwards or repeated)" INVALID
            expect(c, ResultCode.INVALID, c.write(wb(1, 1, 55, "b", "x")), "backwards");
            expect(c, ResultCode.INVALID, c.write(wb(1, 1, 60, "b", "x")), "repeated");
            assertEquals("b60", read(c, 1, 1, 100, "b"));
            assertEquals("b50", read(c, 1, 1, 59, "b"));
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1000));
            // "a snapshot reads at min(readVersion, last batch published at open)"
            assertEquals(60, s.readVersion());
            s.close();
        }
    }

    @Test
    void rangeEvictionsHitOnlyOverlappingSplitPieces() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b", "h", "h", "p", "p", "t", "t")), "w");
            ok(c, c.split(1, 1, new byte[][] {b("g"), b("m"), b("s")}, new long[] {2, 3, 4}, 2), "split 3 keys");
            final long dr = c.metrics().get("evictions.DELETE_RANGE");
            ok(c, c.deleteRange(b("h"), b("i"), 11), "deleteRange inside piece 3");
            assertEquals(dr + 1, c.metrics().get("evictions.DELETE_RANGE"));
            assertEquals("NOT_CACHED", read(c, 3, 2, 100, "h"));
            assertEquals("b", read(c, 2, 2, 100, "b"));
            assertEquals("p", read(c, 4, 2, 100, "p"));
            // [s, z) is piece 1; an ingest ending exactly at 's' touches piece 4 only ([m, s))
            final long ing = c.metrics().get("evictions.INGEST");
            ok(c, c.ingest(b("n"), b("s")), "ingest");
            assertEquals(ing + 1, c.metrics().get("evictions.INGEST"));
            assertEquals("NOT_CACHED", read(c, 4, 2, 100, "p"));
            assertEquals("t", read(c, 1, 2, 100, "t"));
            // setKeepCached: unknown id NOT_CACHED, a cached piece OK
            expect(c, ResultCode.NOT_CACHED, c.setKeepCached(4, true), "keep evicted");
            ok(c, c.setKeepCached(1, true), "keep piece");
            // open bounds: "an open bound is an empty array" — the whole key space evicts what is left
            ok(c, c.deleteRange(new byte[0], new byte[0], 12), "deleteRange everything");
            assertEquals("NOT_CACHED", read(c, 1, 2, 100, "t"));
            assertEquals("NOT_CACHED", read(c, 2, 2, 100, "b"));
            assertNotEquals(0, c.metrics().get("evictions.DELETE_RANGE") - dr - 1);
        }
    }
}
