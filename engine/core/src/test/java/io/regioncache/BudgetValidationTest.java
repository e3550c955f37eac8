package io.regioncache;

import org.junit.jupiter.api.Test;

import io.regioncache.internal.memory.MemoryBudget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetValidationTest
{
    private static RegionCacheConfig.Builder base()
    {
        return RegionCacheConfig.builder().threading(RegionCacheConfig.Threading.INVOKER)
            .segmentSize(64 * 1024).capacityBytes(4L << 20);
    }

    @Test
    void builderRejectsEvictAtOrAboveCapacity()
    {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> base().evictThresholdBytes(4L << 20).build());
        assertTrue(e.getMessage().contains("evictThreshold"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> base().evictThresholdBytes(5L << 20).build());
        assertTrue(e.getMessage().contains("evictThreshold"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> base().evictThresholdBytes(-5).build());
        assertTrue(e.getMessage().contains("evictThresholdBytes must be >= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> base().stopLoadThresholdBytes(-5).build());
        assertTrue(e.getMessage().contains("stopLoadThresholdBytes must be >= 0"), e.getMessage());
        // just below is fine
        final RegionCacheConfig ok = base().evictThresholdBytes((4L << 20) - 1).build();
        assertEquals((4L << 20) - 1, ok.evictThresholdBytes());
        assertTrue(ok.stopLoadThresholdBytes() <= ok.evictThresholdBytes());
    }

    @Test
    void builderRejectsStopLoadAboveEvict()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> base().evictThresholdBytes(2L << 20).stopLoadThresholdBytes((2L << 20) + 1).build());
        assertTrue(e.getMessage().contains("stopLoadThreshold"), e.getMessage());
        // stopLoad above the *default* evict threshold is refused too
        final IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
            () -> base().stopLoadThresholdBytes((4L << 20) - 1).build());
        assertTrue(e2.getMessage().contains("stopLoadThreshold"), e2.getMessage());
        // equal is allowed
        assertEquals(2L << 20, base().evictThresholdBytes(2L << 20).stopLoadThresholdBytes(2L << 20).build()
            .stopLoadThresholdBytes());
    }

    @Test
    void defaultsFollowTikvRule()
    {
        final RegionCacheConfig c = base().build();
        final long cap = 4L << 20;
        assertEquals(cap - cap / 10, c.evictThresholdBytes());
        assertEquals(c.evictThresholdBytes() - cap * 15 / 100, c.stopLoadThresholdBytes());
        final long[] big = MemoryBudget.defaultThresholds(10L << 30, 96L << 20);
        assertEquals((10L << 30) - (200L << 20), big[0]);
        assertEquals(big[0] - (2 * (96L << 20) + (200L << 20)), big[1]);
    }

    @Test
    void runtimeUpdateValidatesAndKeepsOldThresholdsOnError()
    {
        try (RegionCache cache = RegionCache.create(base().build()))
        {
            final MemoryBudget budget = cache.budget();
            final long cap = budget.capacity();
            final long evict = budget.evictThreshold();
            final long stop = budget.stopLoadThreshold();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> budget.update(1L << 20, 1L << 20, 0));
            assertTrue(e.getMessage().contains("evictThreshold"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> budget.update(1L << 20, 1000, 1001));
            assertTrue(e.getMessage().contains("stopLoadThreshold"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> budget.update(0, -1, -1));
            assertTrue(e.getMessage().contains("capacity"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> budget.update(1L << 20, 1000, -1));
            assertTrue(e.getMessage().contains("stopLoadThreshold"), e.getMessage());
            // a negative evict threshold is named as such, through the public call too (it was blamed on stop-load)
            e = assertThrows(IllegalArgumentException.class, () -> cache.updateMemoryLimits(1L << 20, -5, -10));
            assertTrue(e.getMessage().contains("evictThresholdBytes must be >= 0"), e.getMessage());
            assertEquals(cap, budget.capacity());
            assertEquals(evict, budget.evictThreshold());
            assertEquals(stop, budget.stopLoadThreshold());
            assertEquals(cap, cache.pool().capacity());

            budget.update(2L << 20, 1L << 20, 512 << 10);
            assertEquals(2L << 20, budget.capacity());
            assertEquals(1L << 20, budget.evictThreshold());
            assertEquals(512 << 10, budget.stopLoadThreshold());
            assertEquals(2L << 20, cache.pool().capacity());
        }
    }
}
