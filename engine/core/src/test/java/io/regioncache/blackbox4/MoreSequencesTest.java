package io.regioncache.blackbox4;

import static io.regioncache.blackbox4.H.b;
import static io.regioncache.blackbox4.H.wb;
import static io.regioncache.blackbox4.H.expect;
import static io.regioncache.blackbox4.H.ok;
import static io.regioncache.blackbox4.H.read;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.store.InMemoryBackingStore;

class MoreSequencesTest
{
    @Test
    void splitOfALoadingRegionExpectedActiveIsAConflictDecidedOnLoading() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.applyBatch(wb(1, 1, 10, "b", "b10", "h", "h10", "p", "p10"));
        final H.Held loader = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load");
            H.cycles(c, 5);
            // "a compaction that cannot start" → SKIPPED
            expect(c, ResultCode.SKIPPED, c.compact(1), "compact while loading");
            final long conflicts = c.metrics().get("conflicts");
            // "STATE_CONFLICT: the sender expected another state; decided on the real one, counted and logged."
            expect(c, ResultCode.STATE_CONFLICT,
                c.split(1, 1, new byte[][] {b("g"), b("m")}, new long[] {2, 3}, 2, RegionState.ACTIVE), "split");
            assertEquals(conflicts + 1, c.metrics().get("conflicts"));
            // decided on LOADING: "A split during loading moves the job to the children"
            assertEquals("LOADING", read(c, 2, 2, 100, "b"));
            for (int i = 0; i < 4; i++)
            {
                loader.runAll();
                H.cycles(c, 20);
            }
            assertEquals("b10", read(c, 2, 2, 100, "b"));
            assertEquals("h10", read(c, 3, 2, 100, "h"));
            assertEquals("p10", read(c, 1, 2, 100, "p"));
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(3, 2, 100));
            assertEquals(List.of("h=h10"), H.scan(s, null, null));
            assertEquals(List.of("h=h10"), H.scanBack(s, null, null));
            s.close();
        }
    }

    @Test
    void parentAndChildCompactionsFinishingInReverseOrder() throws Exception
    {
        final H.Held gc = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().gcExecutor(gc).build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10", "p", "p10")), "w10");
            ok(c, c.write(wb(1, 1, 20, "b", "b20", "p", "p20")), "w20");
            ok(c, c.advanceSafePoint(1, 12), "sp");
            ok(c, c.compact(1), "compact parent");
            H.cycles(c, 3);
            ok(c, c.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2), "split");
            ok(c, c.write(wb(2, 2, 30, "b", null)), "w30");
            ok(c, c.advanceSafePoint(2, 22), "sp child");
            final ResultCode cc = H.await(c, c.compact(2)).code();
            H.cycles(c, 3);
            // run the child's job first, then the parent's
            final java.util.ArrayDeque<Runnable> jobs;
            synchronized (gc)
            {
                jobs = new java.util.ArrayDeque<>(gc.jobs);
                gc.jobs.clear();
            }
            while (!jobs.isEmpty())
            {
                jobs.pollLast().run();
                H.cycles(c, 10);
            }
            for (int i = 0; i < 3; i++)
            {
                gc.runAll();
                H.cycles(c, 10);
            }
            assertEquals(true, cc == ResultCode.OK || cc == ResultCode.SKIPPED, "compact child " + cc);
            // "reads at or below the safe point are refused"; above it the newest version at or below the read
            assertEquals("TOO_OLD_READ", read(c, 2, 2, 22, "b"));
            assertEquals("b20", read(c, 2, 2, 23, "b"));
            assertEquals("<null>", read(c, 2, 2, 30, "b"));
            assertEquals("TOO_OLD_READ", read(c, 1, 2, 12, "p"));
            assertEquals("p10", read(c, 1, 2, 13, "p"));
            assertEquals("p20", read(c, 1, 2, 100, "p"));
            ok(c, c.write(wb(1, 2, 40, "p", "p40")), "w40");
            ok(c, c.write(wb(2, 2, 41, "b", "b41")), "w41");
            assertEquals("p40", read(c, 1, 2, 100, "p"));
            assertEquals("b41", read(c, 2, 2, 100, "b"));
            assertEquals("<null>", read(c, 2, 2, 40, "b"));
        }
    }

    @Test
    void disableWithCompactionQueuedThenEnableAndCreate() throws Exception
    {
        final H.Held gc = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().gcExecutor(gc).build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10")), "w10");
            ok(c, c.compact(1), "compact");
            H.cycles(c, 3);
            ok(c, c.setEnabled(false), "disable");
            gc.runAll();
            H.cycles(c, 20);
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            ok(c, c.setEnabled(true), "enable");
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create again");
            assertEquals("<null>", read(c, 1, 1, 100, "b"));
            gc.runAll();
            H.cycles(c, 20);
            assertEquals("<null>", read(c, 1, 1, 100, "b"));
            ok(c, c.evict(1, io.regioncache.EvictReason.MANUAL), "evict");
            H.cycles(c, 20);
            assertEquals(0, c.memoryInUse());
        }
    }
}
