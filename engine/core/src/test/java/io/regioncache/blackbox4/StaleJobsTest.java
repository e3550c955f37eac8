package io.regioncache.blackbox4;

import static io.regioncache.blackbox4.H.b;
import static io.regioncache.blackbox4.H.wb;
import static io.regioncache.blackbox4.H.expect;
import static io.regioncache.blackbox4.H.get;
import static io.regioncache.blackbox4.H.ok;
import static io.regioncache.blackbox4.H.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** Background jobs (loads, compactions) that finish after their region was evicted, recreated, split or merged. */
class StaleJobsTest
{
    private static void settle(final RegionCache c, final H.Held... jobs)
    {
        for (int i = 0; i < 5; i++)
        {
            for (final H.Held h : jobs)
            {
                h.runAll();
            }
            H.cycles(c, 20);
        }
    }

    @Test
    void compactionFinishingAfterEvictAndRecreateDoesNotReplaceTheNewRegion() throws Exception
    {
        final H.Held gc = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().gcExecutor(gc).build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "old10", "c", "old10")), "w10");
            ok(c, c.write(wb(1, 1, 20, "b", "old20")), "w20");
            ok(c, c.advanceSafePoint(1, 15), "sp");
            ok(c, c.compact(1), "compact");
            H.cycles(c, 5);
            ok(c, c.evict(1, EvictReason.MANUAL), "evict");
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "recreate");
            ok(c, c.write(wb(1, 1, 1, "d", "new1")), "w1 new");
            settle(c, gc);
            // the recreated region is a new, empty record: "Records are never reused: a reload, a split child or a
            // compacted successor is a new record"; a new region's safe point is its own.
            assertEquals("<null>", read(c, 1, 1, 100, "b"));
            assertEquals("<null>", read(c, 1, 1, 100, "c"));
            assertEquals("new1", read(c, 1, 1, 100, "d"));
            // (no read below 16: the engine keeps a region id's safe point across incarnations, README is silent)
            assertEquals("new1", read(c, 1, 1, 16, "d"));
            ok(c, c.write(wb(1, 1, 2, "d", "new2")), "w2 new");
            assertEquals("new2", read(c, 1, 1, 100, "d"));
        }
    }

    @Test
    void compactionFinishingAfterMergeDoesNotResurrect() throws Exception
    {
        final H.Held gc = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().gcExecutor(gc).build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("m"), 1)), "create 1");
            ok(c, c.createRegion(new Region(2, b("m"), b("z"), 1)), "create 2");
            ok(c, c.write(wb(1, 1, 10, "b", "b10")), "w10");
            ok(c, c.write(wb(2, 1, 11, "p", "p11")), "w11");
            ok(c, c.compact(1), "compact 1");
            ok(c, c.compact(2), "compact 2");
            H.cycles(c, 5);
            ok(c, c.prepareMerge(2), "prepare");
            ok(c, c.commitMerge(1, 2), "commit");
            settle(c, gc);
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            assertEquals("NOT_CACHED", read(c, 2, 1, 100, "p"));
            assertTrue(c.regions().isEmpty(), () -> "regions: " + c.regions());
            // the merged region can be created at the new epoch
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 2)), "merged");
            assertEquals("<null>", read(c, 1, 2, 100, "b"));
            // "Memory is only ever released when no region and no pinned snapshot can reach it" — and then it is:
            ok(c, c.evict(1, EvictReason.MANUAL), "evict merged");
            settle(c, gc);
            assertEquals(0, c.memoryInUse(), "memory in use with no region and no snapshot");
        }
    }

    @Test
    void staleLoadAfterEvictAndReloadDoesNotOverwriteTheSecondLoad() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.applyBatch(wb(1, 1, 10, "b", "b10", "c", "c10"));
        final H.Held loader = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load 1");
            H.cycles(c, 5);
            ok(c, c.evict(1, EvictReason.MANUAL), "evict while loading");
            final WriteBatch w20 = wb(1, 1, 20, "b", "b20");
            store.applyBatch(w20);
            expect(c, ResultCode.NOT_CACHED, c.write(w20), "w20 while evicted");
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load 2");
            H.cycles(c, 5);
            final WriteBatch w30 = wb(1, 1, 30, "c", null);
            store.applyBatch(w30);
            final ResultCode w30r = H.await(c, c.write(w30)).code();
            assertTrue(w30r == ResultCode.OK || w30r == ResultCode.SKIPPED, "w30 " + w30r);
            settle(c, loader);
            assertEquals(RegionState.ACTIVE, c.stateOf(1));
            // "A load takes the store snapshot as the truth up to the newest version it copied"
            assertEquals("b20", read(c, 1, 1, 100, "b"));
            assertEquals("<null>", read(c, 1, 1, 100, "c"));
            assertEquals("c10", read(c, 1, 1, 25, "c"));
            assertEquals("b10", read(c, 1, 1, 15, "b"));
        }
    }

    @Test
    void loadFinishingAfterCreateOfTheSameIdIsNotInstalled() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.applyBatch(wb(1, 1, 10, "b", "b10"));
        final H.Held loader = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load");
            H.cycles(c, 5);
            ok(c, c.destroy(1), "destroy while loading");
            // host recreates the region (e.g. a new peer) at a newer epoch, empty
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 2)), "create");
            ok(c, c.write(wb(1, 2, 1, "d", "d1")), "w1");
            settle(c, loader);
            assertEquals("<null>", read(c, 1, 2, 100, "b"));
            assertEquals("d1", read(c, 1, 2, 100, "d"));
            assertEquals("EPOCH_MISMATCH", read(c, 1, 1, 100, "b"));
        }
    }

    @Test
    void evictWithTwoPinsMovesToEvictingExactlyOnceAndFreesMemory() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10")), "w10");
            final Snapshot s1 = c.newSnapshot();
            final Snapshot s2 = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s1.open(1, 1, 100));
            assertEquals(SnapshotStatus.OK, s2.open(1, 1, 100));
            final long before = c.metrics().get("transitions.made.PENDING_EVICT->EVICTING");
            ok(c, c.applySnapshot(1), "evict");
            H.cycles(c, 10);
            assertTrue(c.memoryInUse() > 0, "pinned memory stays");
            assertEquals("b10", get(s1, "b"));
            s1.close();
            H.cycles(c, 10);
            assertEquals("b10", get(s2, "b"));
            s2.close();
            H.cycles(c, 10);
            // "The unpin that leaves a PENDING_EVICT record with no pin moves it to EVICTING (one CAS, so exactly once)."
            assertEquals(before + 1, c.metrics().get("transitions.made.PENDING_EVICT->EVICTING"));
            assertEquals(0, c.memoryInUse());
        }
    }

    @Test
    void splitReusingTheIdOfAnEvictedButPinnedRegion() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("m"), 1)), "create 1");
            ok(c, c.createRegion(new Region(2, b("m"), b("z"), 1)), "create 2");
            ok(c, c.write(wb(1, 1, 10, "b", "b10")), "w1");
            ok(c, c.write(wb(2, 1, 10, "p", "p10", "t", "t10")), "w2");
            final Snapshot pin1 = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, pin1.open(1, 1, 100));
            ok(c, c.destroy(1), "destroy 1 (pinned)");
            // "once an eviction is applied the region is out of the index": id 1 is no longer "in use"
            ok(c, c.split(2, 1, new byte[][] {b("s")}, new long[] {1}, 2), "split 2 reusing id 1");
            assertEquals("p10", read(c, 1, 2, 100, "p"));
            assertEquals("t10", read(c, 2, 2, 100, "t"));
            assertEquals("b10", get(pin1, "b"));
            // the same handle, reopened on id 1, reads the new piece
            assertEquals(SnapshotStatus.OK, pin1.open(1, 2, 100));
            assertEquals("p10", get(pin1, "p"));
            assertEquals(List.of("p10".equals(get(pin1, "p")) ? "p=p10" : "?"), H.scan(pin1, null, null));
            pin1.close();
            H.cycles(c, 10);
            // and the old range [a, m) is free again
            ok(c, c.createRegion(new Region(3, b("a"), b("m"), 1)), "create 3");
        }
    }

    @Test
    void reusedHandleAcrossSplitCompactAndSafePoint() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, new byte[0], new byte[0], 1)), "create whole space");
            ok(c, c.write(wb(1, 1, 10, "b", "b10", "p", "p10", "zz", "zz10")), "w10");
            final Snapshot h = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, h.open(1, 1, 100));
            assertEquals(List.of("b=b10", "p=p10", "zz=zz10"), H.scan(h, null, null));
            ok(c, c.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2), "split");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, h.open(1, 1, 100));
            assertEquals(SnapshotStatus.OK, h.open(1, 2, 100));
            assertEquals(List.of("p=p10", "zz=zz10"), H.scan(h, null, null));
            assertEquals(List.of("p=p10", "zz=zz10"), H.scanBack(h, null, null));
            assertEquals(SnapshotStatus.OK, h.open(2, 2, 100));
            assertEquals(List.of("b=b10"), H.scan(h, null, null));
            assertEquals(List.of("b=b10"), H.scanBack(h, null, null));
            ok(c, c.write(wb(2, 2, 20, "c", "c20")), "w20");
            ok(c, c.advanceSafePoint(2, 15), "sp");
            // same handle, same region, index unchanged: "reads at or below the safe point are refused"
            assertEquals(SnapshotStatus.TOO_OLD_READ, h.open(2, 2, 15));
            assertEquals(SnapshotStatus.OK, h.open(2, 2, 16));
            assertEquals(List.of("b=b10"), H.scan(h, null, null));
            assertEquals(SnapshotStatus.OK, h.open(2, 2, 100));
            assertEquals(List.of("b=b10", "c=c20"), H.scan(h, null, null));
            ok(c, c.compact(2), "compact");
            H.cycles(c, 20);
            assertEquals(SnapshotStatus.OK, h.open(2, 2, 16));
            assertEquals(List.of("b=b10"), H.scan(h, null, null));
            assertEquals(SnapshotStatus.TOO_OLD_READ, h.open(2, 2, 15));
            assertEquals(SnapshotStatus.OK, h.open(1, 2, 100));
            assertEquals(List.of("p=p10", "zz=zz10"), H.mapView(h));
            h.close();
        }
    }
}
