package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.NavigableMap;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;
import io.regioncache.store.InMemoryBackingStore;

/** Audit 13b: a HybridView held across an eviction and across writes; both sources at versions below the newest. */
class HybridViewProbeTest
{
    @Test
    void viewsAtAFixedVersionBelowTheNewestAnswerAlikeAcrossEvictionAndWrites()
    {
        try (HybridEngine e = HybridEngine.create(new InMemoryBackingStore(), RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run).gcExecutor(Runnable::run).pipelinedLoads(false)))
        {
            final Region region = new Region(1, b("a"), b("z"), 5);
            assertEquals(ResultCode.OK, e.await(e.createRegion(region)).code());
            assertEquals(ResultCode.OK, e.await(e.write(new WriteBatch(1, 5, 10).put(b("c"), b("c10")).put(b("d"), b("d10")))).code());
            assertEquals(ResultCode.OK, e.await(e.write(new WriteBatch(1, 5, 11).delete(b("c")).put(b("e"), b("e11")))).code());
            try (HybridReader rd = e.newReader();
                 HybridView cacheView = rd.view(region, 10);
                 HybridView storeView = rd.view(new Region(1, b("a"), b("z"), 6), 10))
            {
                assertTrue(cacheView.servedByCache());
                assertFalse(storeView.servedByCache());
                final NavigableMap<byte[], byte[]> cm = cacheView.asNavigableMap();
                final NavigableMap<byte[], byte[]> sm = storeView.asNavigableMap();
                assertEquals(2, cm.size());
                assertEquals(2, sm.size());
                assertEquals(ResultCode.OK, e.await(e.evict(1, EvictReason.MANUAL)).code());
                assertEquals(ResultCode.NOT_CACHED, e.await(e.write(new WriteBatch(1, 5, 12).put(b("f"), b("f12")).delete(b("d")))).code());
                for (int i = 0; i < 8; i++)
                {
                    e.applyCycle();
                }
                for (final NavigableMap<byte[], byte[]> m : java.util.List.of(cm, sm))
                {
                    assertEquals("c10", s(m.get(b("c"))));
                    assertEquals("d10", s(m.get(b("d"))));
                    assertNull(m.get(b("e")));
                    assertNull(m.get(b("f")));
                    assertEquals("d", s(m.lastKey()));
                    assertEquals("c", s(m.firstKey()));
                    assertEquals("d", s(m.higherKey(b("c"))));
                    assertEquals(2, m.descendingMap().size());
                }
            }
            assertEquals(0, e.cache().memoryInUse() > 0 ? drain(e) : 0);
        }
    }

    private static long drain(final HybridEngine e)
    {
        for (int i = 0; i < 10_000 && e.cache().memoryInUse() > 0; i++)
        {
            e.applyCycle();
        }
        return e.cache().memoryInUse();
    }
}
