package io.regioncache.blackbox;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.function.Executable;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;

/** Helpers for the black-box tests: public API only. */
final class BB
{
    static final int MAX_KEY = 16;
    static final int MAX_VALUE = 64;

    private BB()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    static RegionCacheConfig.Builder invoker()
    {
        return invokerDefaultLimits().maxKeyLength(MAX_KEY).maxValueLength(MAX_VALUE);
    }

    /** {@link #invoker()} with the config's default key and value limits. */
    static RegionCacheConfig.Builder invokerDefaultLimits()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000);
    }

    /** An executor that holds its jobs until told to run them. */
    static final class HeldExecutor implements Executor
    {
        final ArrayDeque<Runnable> jobs = new ArrayDeque<>();

        @Override
        public synchronized void execute(final Runnable command)
        {
            jobs.add(command);
        }

        synchronized int runAll()
        {
            int n = 0;
            Runnable r;
            while ((r = jobs.poll()) != null)
            {
                r.run();
                n++;
            }
            return n;
        }
    }

    /** The limits of the reliability tests: keys up to 64 bytes, values up to 64 KiB (a capacity of a few segments). */
    static RegionCacheConfig.Builder wide()
    {
        return invoker().maxKeyLength(64).maxValueLength(1 << 16);
    }

    /** {@link #wide()} on a dedicated apply thread. */
    static RegionCacheConfig.Builder dedicated()
    {
        return wide().threading(RegionCacheConfig.Threading.DEDICATED_THREAD);
    }

    /** The result of {@code f}, driving the apply cycles first on an invoker-threaded cache. */
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

    static CommandResult expect(final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f,
        final String context) throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(code, r.code(), () -> "result: " + r + " " + context);
        return r;
    }

    /** Run {@code n} apply cycles of an invoker-threaded cache. */
    static void cycles(final RegionCache cache, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            cache.applyCycle();
        }
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

    static CommandResult expect(final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f)
        throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(code, r.code(), () -> "result: " + r);
        return r;
    }

    /** Answered at the call (no apply cycle ran), with {@code code}. */
    static CommandResult atCall(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        assertTrue(f.isDone(), () -> "expected " + code + " at the call, but the command was queued");
        final CommandResult r = f.get(10, TimeUnit.SECONDS);
        assertEquals(code, r.code(), () -> "result: " + r);
        if (code == ResultCode.INVALID || code == ResultCode.SKIPPED)
        {
            assertTrue(!r.detail().isEmpty(), "carries its reason: " + r);
        }
        return r;
    }

    static void throwsExactly(final Class<? extends Throwable> type, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
    }
}
