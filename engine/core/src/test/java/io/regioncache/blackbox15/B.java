package io.regioncache.blackbox15;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;

/** Helpers for the fifteenth audit's black-box tests: public API only. */
final class B
{
    static final int MAX_KEY = 16;
    static final int MAX_VALUE = 1024;

    private B()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    /** A small engine on a dedicated apply thread. */
    static RegionCacheConfig.Builder cfg()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(MAX_KEY)
            .maxValueLength(MAX_VALUE)
            .closeTimeoutMillis(2_000);
    }

    /** The same engine, driven by the test thread ({@code applyCycle()}): every step deterministic. */
    static RegionCacheConfig.Builder invoker()
    {
        return cfg().threading(RegionCacheConfig.Threading.INVOKER);
    }

    /** Dedicated apply thread: wait for a future. */
    static CommandResult r(final CompletableFuture<CommandResult> f) throws Exception
    {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** INVOKER mode: run apply cycles until the future is done (a bounded number of cycles), then answer it. */
    static CommandResult cycle(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        for (int i = 0; i < 1_000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        if (!f.isDone())
        {
            throw new AssertionError("command not answered after 1000 apply cycles");
        }
        return f.get(0, TimeUnit.SECONDS);
    }

    /** INVOKER mode: run a few more cycles (completions queued by the last cycle are applied by the next). */
    static void cycles(final RegionCache cache, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            cache.applyCycle();
        }
    }

    static long metric(final RegionCache cache, final String name)
    {
        final Number n = cache.metrics().values().get(name);
        if (n == null)
        {
            throw new AssertionError("no metric named " + name + " in " + cache.metrics().values().keySet());
        }
        return n.longValue();
    }
}
