package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/** Audit 13b, table row #17405: a write at a newer epoch on a PENDING region (loads paused) is not EPOCH_DRIFT;
 * whatever the cache makes of it, reads at either epoch after the load answer the store's values. */
class PendingEpochProbeTest
{
    @Test
    void newerEpochWriteOnAPendingRegion()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 1, b("c1"));
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run).gcExecutor(Runnable::run).pipelinedLoads(false)))
        {
            e.cache().pauseLoads(true);
            assertEquals(ResultCode.OK, e.await(e.loadRegion(new Region(1, b("a"), b("z"), 5))).code());
            for (int i = 0; i < 4; i++)
            {
                e.applyCycle();
            }
            assertEquals(RegionState.PENDING, e.cache().stateOf(1));
            final CommandResult w = e.await(e.write(new WriteBatch(1, 7, 2).put(b("c"), b("c2"))));
            System.out.println("PendingEpochProbeTest write answered " + w + ", state " + e.cache().stateOf(1));
            assertNotEquals(ResultCode.EPOCH_DRIFT, w.code());
            e.cache().pauseLoads(false);
            for (int i = 0; i < 1000 && e.cache().stateOf(1) == RegionState.PENDING; i++)
            {
                e.applyCycle();
            }
            for (int i = 0; i < 100; i++)
            {
                e.applyCycle();
            }
            System.out.println("PendingEpochProbeTest after unpause: " + e.cache().stateOf(1) + " " + e.cache().region(1));
            try (HybridReader rd = e.newReader())
            {
                assertEquals("c2", s(rd.get(1, 7, 2, b("c"))));
                System.out.println("PendingEpochProbeTest epoch 7 status " + rd.lastStatus());
                assertEquals("c2", s(rd.get(1, 5, 2, b("c"))));
                System.out.println("PendingEpochProbeTest epoch 5 status " + rd.lastStatus());
                assertEquals("c1", s(rd.get(1, 7, 1, b("c"))));
            }
            for (final CrossCheck.Report r : CrossCheck.checkAll(e))
            {
                assertTrue(r.status() != io.regioncache.SnapshotStatus.OK || r.ok(), r::toString);
            }
        }
    }
}
