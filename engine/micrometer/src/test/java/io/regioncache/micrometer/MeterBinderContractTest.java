package io.regioncache.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.MetricsSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * README.md "## Observability": "RegionCacheMeterBinder publishes the same metrics to Micrometer": one gauge
 * {@code regioncache.<name>} per key of {@code cache.metrics()}, no other, each reading that metric's value.
 * <p>
 * Was (before this test): the gauges held the binder weakly (Micrometer's default), and a host that bound it as the
 * README's one-liner does ({@code new RegionCacheMeterBinder(cache, ms).bindTo(registry)}) kept no other reference:
 * after the next garbage collection every gauge read NaN.
 */
class MeterBinderContractTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }

    private static RegionCache cache()
    {
        return RegionCache.create(RegionCacheConfig.builder().segmentSize(64 * 1024)
            .threading(RegionCacheConfig.Threading.INVOKER).build());
    }

    /** Every metric has its gauge, there is no other gauge, and each gauge reads the metric's current value. */
    @Test
    void everyMetricIsPublishedWithItsValue()
    {
        try (RegionCache cache = cache())
        {
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            final RegionCacheMeterBinder binder = new RegionCacheMeterBinder(cache, 0);
            binder.bindTo(registry);

            assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            assertEquals(ResultCode.OK, run(cache, cache.write(new WriteBatch(1, 1, 5).put(b("k"), b("v")))).code());
            assertEquals(ResultCode.OK, run(cache, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2)).code());
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, cache.newSnapshot().open(1, 9, 5));
            final Snapshot pinned = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, pinned.open(2, 2, 5));
            assertEquals(ResultCode.OK, run(cache, cache.evict(2, EvictReason.MANUAL)).code());
            cache.applyCycle();

            final MetricsSnapshot m = cache.metrics();
            final Map<String, Double> published = new TreeMap<>();
            for (final Meter meter : registry.getMeters())
            {
                assertTrue(meter instanceof Gauge, meter.getId().toString());
                published.put(meter.getId().getName(), ((Gauge)meter).value());
            }
            final Map<String, Double> expected = new TreeMap<>();
            m.values().forEach((k, v) -> expected.put("regioncache." + k, v.doubleValue()));
            assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(published.keySet()), "the same metrics");
            assertEquals(expected, published, "the same values");
            assertEquals(1.0, published.get("regioncache.regions.draining"));
            assertEquals(1.0, published.get("regioncache.transitions.made.ACTIVE->PENDING_EVICT"));
            pinned.dispose();
        }
    }

    /** A binder the host keeps no reference to goes on publishing after a garbage collection. */
    @Test
    void gaugesOutliveABinderTheHostDropped()
    {
        try (RegionCache cache = cache())
        {
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            final WeakReference<RegionCacheMeterBinder> dropped = bindAndDrop(cache, registry);
            assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            for (int i = 0; i < 3 && dropped.get() != null; i++)
            {
                System.gc(); // a weakly held binder is gone after the first full collection
            }
            final Gauge active = registry.find("regioncache.regions.ACTIVE").gauge();
            assertNotNull(active);
            assertEquals(1.0, active.value(), "the gauge still reads the engine");
            assertNotNull(dropped.get(), "the registry keeps the binder its gauges read");
            assertNull(registry.find("regioncache.no.such.metric").gauge());
        }
    }

    private static WeakReference<RegionCacheMeterBinder> bindAndDrop(
        final RegionCache cache, final SimpleMeterRegistry registry)
    {
        final RegionCacheMeterBinder binder = new RegionCacheMeterBinder(cache, 0);
        binder.bindTo(registry);
        return new WeakReference<>(binder);
    }
}
