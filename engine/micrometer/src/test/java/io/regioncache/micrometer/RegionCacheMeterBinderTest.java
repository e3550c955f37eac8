package io.regioncache.micrometer;

import java.nio.charset.StandardCharsets;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.WriteBatch;
import io.regioncache.micrometer.RegionCacheMeterBinder;
import io.regioncache.SnapshotStatus;
import io.regioncache.Region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegionCacheMeterBinderTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void gaugesFollowTheEngine()
    {
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().segmentSize(64 * 1024).build()))
        {
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new RegionCacheMeterBinder(cache, 0).bindTo(registry);
            assertEquals(0.0, registry.get("regioncache.regions.ACTIVE").gauge().value());
            // every legal move is bound from the start, even before it first happens
            assertEquals(0.0, registry.get("regioncache.transitions.made.ACTIVE->RETIRED").gauge().value());

            cache.createRegion(new Region(1, b("a"), b("z"), 1)).join();
            cache.write(new WriteBatch(1, 1, 5).put(b("k"), b("v"))).join();
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, cache.newSnapshot().open(1, 9, 5));

            assertEquals(1.0, registry.get("regioncache.regions.ACTIVE").gauge().value());
            assertEquals(1.0, registry.get("regioncache.snapshot.failures.EPOCH_MISMATCH").gauge().value());
            assertTrue(registry.get("regioncache.memory.used").gauge().value() > 0);
            assertEquals(2.0, registry.get("regioncache.results.OK").gauge().value());
            cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2).join();
            assertEquals(1.0, registry.get("regioncache.transitions.made.ACTIVE->RETIRED").gauge().value());
            assertEquals(2.0, registry.get("regioncache.transitions.made.NEW->ACTIVE").gauge().value() - 1.0);
        }
    }
}
