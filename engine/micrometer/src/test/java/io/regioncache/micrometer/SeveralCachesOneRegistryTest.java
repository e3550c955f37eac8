package io.regioncache.micrometer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;

/**
 * Several caches on one registry: tagged binders publish each cache under its own tags; untagged (or same-tagged)
 * binders of two caches are refused, since Micrometer would hand the second the first one's gauges. Was: the second
 * cache's bind silently published nothing, and the only series named for it read the first cache.
 */
final class SeveralCachesOneRegistryTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static RegionCache cacheWithRegions(final int regions) throws Exception
    {
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().segmentSize(64 * 1024).build());
        for (int i = 0; i < regions; i++)
        {
            final CommandResult r = cache.createRegion(new Region(i + 1, b("k" + i), b("k" + i + "~"), 1))
                .get(10, TimeUnit.SECONDS);
            assertEquals(ResultCode.OK, r.code(), r::toString);
        }
        return cache;
    }

    private static double active(final MeterRegistry registry, final String... tags)
    {
        return registry.get("regioncache.regions.ACTIVE").tags(tags).gauge().value();
    }

    @Test
    void taggedBindersPublishEachCacheUnderItsOwnTags() throws Exception
    {
        try (RegionCache a = cacheWithRegions(2); RegionCache c = cacheWithRegions(1))
        {
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new RegionCacheMeterBinder(a, 0, Tags.of("cache", "a")).bindTo(registry);
            new RegionCacheMeterBinder(c, 0, Tags.of("cache", "c")).bindTo(registry);
            assertEquals(2.0, active(registry, "cache", "a"));
            assertEquals(1.0, active(registry, "cache", "c"));
            // the same cache again under its tags: nothing added, nothing refused
            final int meters = registry.getMeters().size();
            new RegionCacheMeterBinder(a, 0, Tags.of("cache", "a")).bindTo(registry);
            assertEquals(meters, registry.getMeters().size());
            for (final String name : a.metrics().values().keySet())
            {
                assertEquals(1, registry.find("regioncache." + name).tags("cache", "a").gauges().size(), name);
            }
        }
    }

    @Test
    void twoCachesUnderTheSameTagsAreRefusedAndTheFirstKeepsServing() throws Exception
    {
        try (RegionCache a = cacheWithRegions(2); RegionCache c = cacheWithRegions(1))
        {
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new RegionCacheMeterBinder(a, 0).bindTo(registry);
            final int meters = registry.getMeters().size();
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> new RegionCacheMeterBinder(c, 0).bindTo(registry));
            assertTrue(ex.getMessage().contains("its own tags"), ex::getMessage);
            assertEquals(meters, registry.getMeters().size(), "nothing registered by the refused bind");
            assertEquals(2.0, active(registry));
            // with tags of its own, the second cache binds beside the untagged first
            new RegionCacheMeterBinder(c, 0, Tags.of("cache", "c")).bindTo(registry);
            assertEquals(1.0, active(registry, "cache", "c"));
        }
    }

    @Test
    void theRegistrysCommonTagsDoNotHideACollision() throws Exception
    {
        try (RegionCache a = cacheWithRegions(1); RegionCache c = cacheWithRegions(1))
        {
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registry.config().commonTags("node", "1");
            new RegionCacheMeterBinder(a, 0).bindTo(registry);
            assertThrows(IllegalStateException.class, () -> new RegionCacheMeterBinder(c, 0).bindTo(registry));
            assertEquals(1.0, active(registry, "node", "1"));
        }
    }

    @Test
    void gaugesTheRegistryDeniesAreNoCollision() throws Exception
    {
        try (RegionCache a = cacheWithRegions(1); RegionCache c = cacheWithRegions(1))
        {
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registry.config().meterFilter(MeterFilter.denyNameStartsWith("regioncache."));
            new RegionCacheMeterBinder(a, 0).bindTo(registry);
            assertDoesNotThrow(() -> new RegionCacheMeterBinder(c, 0).bindTo(registry));
            assertEquals(0, registry.getMeters().size());
        }
    }

    @Test
    void nullTagsAreRefused() throws Exception
    {
        try (RegionCache a = cacheWithRegions(0))
        {
            assertThrows(NullPointerException.class, () -> new RegionCacheMeterBinder(a, 0, null));
        }
    }
}
