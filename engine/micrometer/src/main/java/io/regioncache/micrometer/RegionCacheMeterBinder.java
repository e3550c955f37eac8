package io.regioncache.micrometer;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.regioncache.RegionCache;
import io.regioncache.MetricsSnapshot;

/**
 * Binds every metric of {@link RegionCache#metrics()} to a Micrometer registry as a gauge named
 * {@code regioncache.<metric>}. Micrometer is an optional dependency: only hosts that use this class need it.
 * <p>
 * Gauges read one shared snapshot refreshed at most once per {@code refreshMillis}, so a scrape of a hundred gauges
 * builds one snapshot, not a hundred.
 */
public final class RegionCacheMeterBinder implements MeterBinder
{
    private final RegionCache cache;
    private final long refreshNanos;
    private volatile MetricsSnapshot last;
    private volatile long lastNanos;

    /**
     * @param cache         the engine.
     * @param refreshMillis minimum age of the shared snapshot before it is rebuilt ({@code >= 0}: 0 rebuilds it on
     *                      every read; {@code Long.MAX_VALUE} never, the gauges then keep the first read's values).
     * @throws NullPointerException if {@code cache} is null.
     * @throws IllegalArgumentException if {@code refreshMillis < 0}.
     */
    public RegionCacheMeterBinder(final RegionCache cache, final long refreshMillis)
    {
        this.cache = Objects.requireNonNull(cache, "cache");
        if (refreshMillis < 0)
        {
            throw new IllegalArgumentException("refreshMillis must be >= 0, was " + refreshMillis);
        }
        // Saturating: millis * 1_000_000 overflowed for huge ages into a negative age, "rebuild on every read".
        this.refreshNanos = TimeUnit.MILLISECONDS.toNanos(refreshMillis);
    }

    /**
     * {@inheritDoc}
     *
     * @throws NullPointerException if {@code registry} is null.
     */
    @Override
    public void bindTo(final MeterRegistry registry)
    {
        Objects.requireNonNull(registry, "registry");
        for (final Map.Entry<String, Number> e : snapshot().values().entrySet())
        {
            final String name = e.getKey();
            // strongReference: Micrometer holds a gauge's object weakly by default, and a host that binds as
            // `new RegionCacheMeterBinder(cache, ms).bindTo(registry)` keeps no other reference to this binder, so
            // after the next GC every gauge would read NaN.
            Gauge.builder("regioncache." + name, this, b -> b.value(name)).strongReference(true).register(registry);
        }
    }

    private double value(final String name)
    {
        final Number n = snapshot().values().get(name);
        return n == null ? Double.NaN : n.doubleValue();
    }

    private MetricsSnapshot snapshot()
    {
        final long now = System.nanoTime();
        MetricsSnapshot s = last;
        // >=: "minimum age" and "0 rebuilds it on every read", even two reads within one tick of nanoTime
        if (s == null || now - lastNanos >= refreshNanos)
        {
            s = cache.metrics();
            last = s;
            lastNanos = now;
        }
        return s;
    }
}
