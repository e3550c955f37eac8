package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b, README 1328-1334: released memory is kept for reuse and handed out zeroed to a request of exactly its size.
 * A region evicted and loaded again over the same range, with the same number of keys but different keys, asks for
 * the index sizes its predecessor gave back: no key of the predecessor may answer from it. Also hugePages(true) on
 * this JDK (README 1258-1266: on JDK 17 the flag only logs).
 */
class ReusedMemoryTest
{
    private static final int N = 5_000;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void reloadWithTheSameKeyCountSeesNoneOfThePredecessorsKeys(final boolean hugePages)
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < N; i++)
        {
            store.put(b(String.format("b%05d", i)), 1, b("old" + i));
        }
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(256L << 20).segmentSize(1 << 16).hugePages(hugePages)
            .threading(RegionCacheConfig.Threading.INVOKER).loaderExecutor(Runnable::run).gcExecutor(Runnable::run)
            .pipelinedLoads(false)))
        {
            final Region region = new Region(1, b("a"), b("z"), 5);
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            for (int i = 0; i < 10_000 && e.cache().stateOf(1) != RegionState.ACTIVE; i++)
            {
                e.applyCycle();
            }
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
            try (HybridReader rd = e.newReader())
            {
                assertEquals("old7", s(rd.get(1, 5, 5, b("b00007"))));
                assertEquals(SnapshotStatus.OK, rd.lastStatus());
            }
            assertEquals(ResultCode.OK, e.await(e.evict(1, EvictReason.MANUAL)).code());
            for (int i = 0; i < 1000 && e.cache().memoryInUse() > 0; i++)
            {
                e.applyCycle();
            }
            assertEquals(0, e.cache().memoryInUse());
            // the old keys are gone from the store entirely; as many new ones arrive
            assertNotEquals(ResultCode.STORE_ERROR, e.await(e.deleteRange(b("a"), b("z"), 2)).code());
            e.gc(2);
            for (int i = 0; i < N; i++)
            {
                store.put(b(String.format("b%05dx", i)), 3, b("new" + i));
            }
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            for (int i = 0; i < 10_000 && e.cache().stateOf(1) != RegionState.ACTIVE; i++)
            {
                e.applyCycle();
            }
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
            try (HybridReader rd = e.newReader())
            {
                for (int i = 0; i < N; i++)
                {
                    assertNull(rd.get(1, 5, 5, b(String.format("b%05d", i))), "old key " + i);
                    assertEquals(SnapshotStatus.OK, rd.lastStatus());
                    assertEquals("new" + i, s(rd.get(1, 5, 5, b(String.format("b%05dx", i)))));
                }
                int n = 0;
                try (HybridScan sc = rd.scan(1, 5, 5, b("a"), b("z")))
                {
                    assertTrue(sc.servedByCache());
                    while (sc.next())
                    {
                        n++;
                    }
                }
                assertEquals(N, n);
            }
            assertTrue(CrossCheck.check(e, 1).ok());
        }
    }
}
