package io.regioncache.blackbox;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;

/** Helpers for the fourth black-box audit: public API only. */
final class BB4
{
    private BB4()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    static RegionCacheConfig.Builder invoker()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(64)
            .maxValueLength(1 << 16)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000);
    }

    static RegionCacheConfig.Builder dedicated()
    {
        return invoker().threading(RegionCacheConfig.Threading.DEDICATED_THREAD);
    }

    static CommandResult await(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        if (cache.config().threading() == RegionCacheConfig.Threading.INVOKER)
        {
            for (int i = 0; i < 100_000 && !f.isDone() && !cache.isClosed(); i++)
            {
                cache.applyCycle();
            }
        }
        return f.get(10, TimeUnit.SECONDS);
    }

    static CommandResult expect(final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f)
        throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(code, r.code(), () -> "result: " + r);
        return r;
    }

    static CommandResult expect(final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f,
        final String context) throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(code, r.code(), () -> "result: " + r + " " + context);
        return r;
    }

    /** Bounded poll: true once the condition holds, false after the deadline. */
    static boolean poll(final RegionCache cache, final long millis, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            if (cache != null && cache.config().threading() == RegionCacheConfig.Threading.INVOKER && !cache.isClosed())
            {
                cache.applyCycle();
            }
            else
            {
                LockSupport.parkNanos(100_000);
            }
        }
        return true;
    }
}
