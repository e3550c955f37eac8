package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

class NewerEpochLoadTest
{
    @Test
    void loadAtANewerEpochRefusedForMemoryEvictsTheStaleRecordFirst() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (RegionCache cache = RegionCache.create(K.cfg().backingStore(store).policyIntervalMillis(3_600_000).build()))
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")))).code());
            assertTrue(cache.memoryInUse() > 0);
            cache.updateMemoryLimits(64L << 20, 60L << 20, 1);
            final long conflicts = cache.metrics().get("conflicts");
            final CommandResult res = r(cache.loadRegion(new Region(1, b("a"), b("m"), 2)));
            assertEquals(ResultCode.SKIPPED, res.code(), res.toString());
            assertNull(cache.stateOf(1), "nothing of the region stays cached");
            assertEquals(1, cache.metrics().get("evictions.EPOCH_DRIFT"));
            assertEquals(conflicts + 1, cache.metrics().get("conflicts"));
            assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 1));
            // a load at the same epoch refused at the threshold changes nothing
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(2, b("m"), b("z"), 1))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(2, 1, 1).put(b("n"), b("1")))).code());
            assertTrue(cache.memoryInUse() > 0);
            assertEquals(ResultCode.SKIPPED, r(cache.loadRegion(new Region(3, b("a"), b("c"), 1))).code());
            assertNull(cache.stateOf(3));
            assertEquals(RegionState.ACTIVE, cache.stateOf(2));
            // loadRegionKeepCached is not refused for the estimate, but at the stop-load threshold it is
            final CommandResult kc = r(cache.loadRegionKeepCached(new Region(3, b("a"), b("c"), 1)));
            assertEquals(ResultCode.SKIPPED, kc.code(), kc.toString());
        }
    }
}
