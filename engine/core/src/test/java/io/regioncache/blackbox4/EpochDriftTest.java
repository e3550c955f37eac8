package io.regioncache.blackbox4;

import static io.regioncache.blackbox4.H.b;
import static io.regioncache.blackbox4.H.wb;
import static io.regioncache.blackbox4.H.expect;
import static io.regioncache.blackbox4.H.get;
import static io.regioncache.blackbox4.H.ok;
import static io.regioncache.blackbox4.H.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** "EPOCH_DRIFT: the cache missed an epoch change, so the region was evicted." in unusual states. */
class EpochDriftTest
{
    @Test
    void writeAtNewerEpochWhileLoadingEvictsAndTheLoadIsNotInstalled() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.applyBatch(wb(1, 1, 10, "b", "b10"));
        final H.Held loader = new H.Held();
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).loaderExecutor(loader).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load");
            H.cycles(c, 5);
            assertEquals("LOADING", read(c, 1, 1, 100, "b"));
            final long drift = c.metrics().get("evictions.EPOCH_DRIFT");
            final WriteBatch w = wb(1, 2, 20, "b", "b20");
            store.applyBatch(w);
            expect(c, ResultCode.EPOCH_DRIFT, c.write(w), "write at newer epoch");
            assertEquals(drift + 1, c.metrics().get("evictions.EPOCH_DRIFT"));
            for (int i = 0; i < 4; i++)
            {
                loader.runAll();
                H.cycles(c, 20);
            }
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            assertEquals("NOT_CACHED", read(c, 1, 2, 100, "b"));
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 2)), "reload at new epoch");
            for (int i = 0; i < 4; i++)
            {
                loader.runAll();
                H.cycles(c, 20);
            }
            assertEquals("b20", read(c, 1, 2, 100, "b"));
        }
    }

    @Test
    void splitAtNewerEpochWithPinnedSnapshot() throws Exception
    {
        try (RegionCache c = RegionCache.create(H.invoker().build()))
        {
            ok(c, c.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            ok(c, c.write(wb(1, 1, 10, "b", "b10", "p", "p10")), "w10");
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            // a snapshot at a newer epoch is a mismatch, and changes nothing
            assertEquals("EPOCH_MISMATCH", read(c, 1, 2, 100, "b"));
            assertEquals("b10", read(c, 1, 1, 100, "b"));
            final long drift = c.metrics().get("evictions.EPOCH_DRIFT");
            expect(c, ResultCode.EPOCH_DRIFT, c.split(1, 2, new byte[][] {b("m")}, new long[] {2}, 3), "split drift");
            assertEquals(drift + 1, c.metrics().get("evictions.EPOCH_DRIFT"));
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            assertEquals("NOT_CACHED", read(c, 2, 3, 100, "b"));
            assertEquals("p10", get(s, "p"));
            s.close();
            H.cycles(c, 10);
            assertEquals(0, c.memoryInUse());
        }
    }

    @Test
    void loadAtNewerEpochOfACachedRegion() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.applyBatch(wb(1, 1, 10, "b", "b10", "p", "p10"));
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).build()))
        {
            ok(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)), "load");
            H.cycles(c, 20);
            assertEquals("b10", read(c, 1, 1, 100, "b"));
            final long drift = c.metrics().get("evictions.EPOCH_DRIFT");
            // the host split [a,z) at m behind the cache's back; it now loads the right piece at epoch 2
            final CommandResult r = H.await(c, c.loadRegion(new Region(1, b("m"), b("z"), 2)));
            H.cycles(c, 20);
            assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.EPOCH_DRIFT, r::toString);
            // "EPOCH_DRIFT: the cache missed an epoch change, so the region was evicted."
            assertEquals(drift + 1, c.metrics().get("evictions.EPOCH_DRIFT"));
            assertNotEquals("b10", read(c, 1, 1, 100, "b"));
            if (r.code() == ResultCode.OK)
            {
                assertEquals(RegionState.ACTIVE, c.stateOf(1));
                assertEquals("p10", read(c, 1, 2, 100, "p"));
            }
            // the left piece's range is free
            ok(c, c.loadRegion(new Region(2, b("a"), b("m"), 2)), "load left");
            H.cycles(c, 20);
            assertEquals("b10", read(c, 2, 2, 100, "b"));
        }
    }
}
