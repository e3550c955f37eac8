package io.regioncache.micrometer;

import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.noop.NoopGauge;

import io.regioncache.RegionCache;
import io.regioncache.MetricsSnapshot;

/**
 * Binds every metric of {@link RegionCache#metrics()} to a Micrometer registry as a gauge named
 * {@code regioncache.<metric>}. Micrometer is an optional dependency: only hosts that use this class need it.
 * <p>
 * Gauges read one shared snapshot refreshed at most once per {@code refreshMillis}, so a scrape of a hundred gauges
 * builds one snapshot, not a hundred.
 * <p>
 * Several caches on one registry need tags that tell them apart (as Micrometer's own cache binders take a cache
 * name): {@code new RegionCacheMeterBinder(cache, 1000, Tags.of("cache", "orders"))}. Micrometer keeps one meter per
 * name and tags, so another cache's binder with the same tags would get the first cache's gauges back; {@link #bindTo}
 * refuses that with an {@link IllegalStateException} instead of leaving the first cache's values under the second's
 * name.
 */
public final class RegionCacheMeterBinder implements MeterBinder
{
    /**
     * Per registry (weakly held; registries do not override equals), the cache whose binder registered each first
     * gauge: how a bind tells "this cache again" from "another cache under the same tags". Guarded by itself.
     */
    private static final Map<MeterRegistry, Map<Meter.Id, WeakReference<RegionCache>>> OWNERS = new WeakHashMap<>();

    private final RegionCache cache;
    private final long refreshNanos;
    private final Tags tags;
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
        this(cache, refreshMillis, Tags.empty());
    }

    /**
     * @param cache         the engine.
     * @param refreshMillis minimum age of the shared snapshot before it is rebuilt, as in
     *                      {@link #RegionCacheMeterBinder(RegionCache, long)}.
     * @param tags          tags on every gauge (for example {@code Tags.of("cache", name)} to tell several caches on
     *                      one registry apart).
     * @throws NullPointerException if {@code cache} or {@code tags} (or one of its tags) is null.
     * @throws IllegalArgumentException if {@code refreshMillis < 0}.
     */
    public RegionCacheMeterBinder(final RegionCache cache, final long refreshMillis, final Iterable<Tag> tags)
    {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        if (refreshMillis < 0)
        {
            throw new IllegalArgumentException("refreshMillis must be >= 0, was " + refreshMillis);
        }
        // Saturating: millis * 1_000_000 overflowed for huge ages into a negative age, "rebuild on every read".
        this.refreshNanos = TimeUnit.MILLISECONDS.toNanos(refreshMillis);
    }

    /**
     * {@inheritDoc}
     * <p>
     * Binding a cache to a registry that has its gauges already (this binder or another one of the same cache, with the
     * same tags) keeps them (Micrometer hands back the gauges it has, which read that cache) and adds a gauge for each
     * metric that appeared since the last bind.
     *
     * @throws NullPointerException if {@code registry} is null.
     * @throws IllegalStateException if the registry holds these gauges (same names and tags, the registry's common
     *                               tags included) for another cache, or from something other than a
     *                               {@code RegionCacheMeterBinder}: they would go on reading that. Tag each cache's
     *                               binder differently. Nothing is registered then.
     */
    @Override
    public void bindTo(final MeterRegistry registry)
    {
        Objects.requireNonNull(registry, "registry");
        synchronized (OWNERS)
        {
            final Map<Meter.Id, WeakReference<RegionCache>> owners =
                OWNERS.computeIfAbsent(registry, r -> new HashMap<>());
            boolean first = true;
            for (final String name : snapshot().values().keySet())
            {
                // Micrometer answers a second registration of a name and tags with the meter it has. The id after
                // the registry's filters (common tags) is not ours to compute, so the first registration tells: a
                // gauge that added no meter was there already, and its owner decides.
                final int before = first ? registry.getMeters().size() : 0;
                // strongReference: Micrometer holds a gauge's object weakly by default, and a host that binds as
                // `new RegionCacheMeterBinder(cache, ms).bindTo(registry)` keeps no other reference to this binder,
                // so after the next GC every gauge would read NaN.
                final Gauge gauge = Gauge.builder("regioncache." + name, this, b -> b.value(name)).tags(tags)
                    .strongReference(true).register(registry);
                if (first && !(gauge instanceof NoopGauge))
                {
                    final WeakReference<RegionCache> owner = owners.get(gauge.getId());
                    if (registry.getMeters().size() == before && (owner == null || owner.get() != cache))
                    {
                        throw new IllegalStateException("the registry already has gauge regioncache." + name +
                            " with tags " + gauge.getId().getTags() + (owner == null ? " from elsewhere" :
                            " for another cache") + ": give each cache's RegionCacheMeterBinder its own tags");
                    }
                    // This cache's gauges bound before: the rest register as they did then (Micrometer hands back
                    // the ones it has), and a metric that appeared since (a per-move refusal) is added.
                    owners.put(gauge.getId(), new WeakReference<>(cache));
                }
                first = false;
            }
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
