package io.regioncache.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;

/**
 * {@link RegionCacheMeterBinder} misused: a null engine or registry, a negative or absurdly long refresh age, bound
 * twice, read after the engine closed. Each answer is typed at the call (never on a scrape, deep inside Micrometer),
 * an absurd age means "never rebuilt", not "rebuilt on every read", and the gauges keep reading. What
 * {@code RegionCacheMeterBinderTest} and {@code MeterBinderContractTest} check is not repeated. Where a test failed on
 * the code it was written against, its Javadoc says what the code did then ("Was: ...").
 */
class MicrometerApiMisuseTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RegionCache cache()
    {
        return RegionCache.create(RegionCacheConfig.builder().segmentSize(64 * 1024)
            .threading(RegionCacheConfig.Threading.INVOKER).build());
    }

    private static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        for (int i = 0; i < 10_000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        return f.join();
    }

    private static <T extends Throwable> T throwsExactly(final Class<T> type, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
        return type.cast(t);
    }

    private static double active(final SimpleMeterRegistry registry)
    {
        final Gauge g = registry.find("regioncache.regions.ACTIVE").gauge();
        assertNotNull(g);
        return g.value();
    }

    /**
     * The constructor refuses a null engine and a negative refresh age, naming them; {@code bindTo(null)} is a
     * {@code NullPointerException}. Was: a null engine was accepted and failed in {@code bindTo}; a negative age was
     * accepted (and meant "rebuild on every read").
     */
    @Test
    void badArgumentsAreRefusedAtTheCall()
    {
        final NullPointerException npe = throwsExactly(NullPointerException.class,
            () -> new RegionCacheMeterBinder(null, 1_000));
        assertEquals("cache", npe.getMessage());
        try (RegionCache cache = cache())
        {
            final IllegalArgumentException iae = throwsExactly(IllegalArgumentException.class,
                () -> new RegionCacheMeterBinder(cache, -1));
            assertTrue(iae.getMessage().contains("refreshMillis"), iae::getMessage);
            throwsExactly(IllegalArgumentException.class, () -> new RegionCacheMeterBinder(cache, Long.MIN_VALUE));
            throwsExactly(NullPointerException.class, () -> new RegionCacheMeterBinder(cache, 0).bindTo(null));
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new RegionCacheMeterBinder(cache, 0).bindTo(registry);
            assertEquals(0.0, active(registry), "the binder serves after the refused calls");
        }
    }

    /**
     * {@code refreshMillis} is the minimum age of the shared snapshot: 0 rebuilds it on every read, and
     * {@code Long.MAX_VALUE} never does (the gauges keep the values of the first read). Was: the millis were
     * multiplied into nanoseconds with overflow, so {@code Long.MAX_VALUE} became a negative age and the snapshot was
     * rebuilt on every read of every gauge.
     */
    @Test
    void anAbsurdRefreshAgeMeansNeverNotAlways()
    {
        try (RegionCache cache = cache())
        {
            final SimpleMeterRegistry every = new SimpleMeterRegistry();
            final SimpleMeterRegistry never = new SimpleMeterRegistry();
            new RegionCacheMeterBinder(cache, 0).bindTo(every);
            new RegionCacheMeterBinder(cache, Long.MAX_VALUE).bindTo(never);
            assertEquals(0.0, active(every));
            assertEquals(0.0, active(never));
            assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            assertEquals(1.0, active(every), "age 0: rebuilt on this read");
            assertEquals(0.0, active(never), "age Long.MAX_VALUE: never rebuilt");
        }
    }

    /**
     * Bound twice to one registry: one gauge per metric (Micrometer keeps the first), reading the engine. After the
     * engine closed, every gauge still reads a number without throwing (the engine's final metrics).
     */
    @Test
    void boundTwiceAndReadAfterTheEngineClosed()
    {
        final RegionCache cache = cache();
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final RegionCacheMeterBinder binder = new RegionCacheMeterBinder(cache, 0);
        binder.bindTo(registry);
        final int meters = registry.getMeters().size();
        binder.bindTo(registry);
        new RegionCacheMeterBinder(cache, 0).bindTo(registry);
        assertEquals(meters, registry.getMeters().size(), "no duplicate gauges");
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
        assertEquals(1.0, active(registry));
        cache.close();
        registry.getMeters().forEach(m ->
        {
            final double v = ((Gauge)m).value();
            assertFalse(Double.isInfinite(v), m.getId().getName());
        });
        assertEquals(0.0, active(registry), "closed: no region is cached");
    }
}
