package io.regioncache.blackbox22;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;

/** Helpers for the twenty-second audit's black-box tests (README "How it works"): public API only. */
final class B
{
    static final int SEGMENT = 1 << 16;

    private B()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    /** A small engine driven by the test thread (INVOKER), loads and GC run inline; no policy round unless asked. */
    static RegionCacheConfig.Builder invoker()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(SEGMENT)
            .maxKeyLength(16)
            .maxValueLength(1024)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .policyIntervalMillis(3_600_000)
            .closeTimeoutMillis(2_000);
    }

    /** INVOKER mode: run apply cycles until the future is done (bounded), then answer it. */
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

    /** INVOKER mode: cycles until {@code done} holds (bounded). */
    static void until(final RegionCache cache, final String what, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; (i < 10_000 || System.nanoTime() - deadline < 0) && !done.getAsBoolean(); i++)
        {
            if (cache.applyCycle() == 0 && i >= 10_000)
            {
                Thread.onSpinWait();
            }
        }
        if (!done.getAsBoolean())
        {
            throw new AssertionError("never happened: " + what);
        }
    }

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

    /** Holds submitted jobs until the test runs them. */
    static final class HeldExecutor implements java.util.concurrent.Executor
    {
        private final java.util.ArrayDeque<Runnable> jobs = new java.util.ArrayDeque<>();

        @Override
        public synchronized void execute(final Runnable job)
        {
            jobs.add(job);
        }

        int runAll()
        {
            int n = 0;
            Runnable job;
            while ((job = next()) != null)
            {
                job.run();
                n++;
            }
            return n;
        }

        private synchronized Runnable next()
        {
            return jobs.poll();
        }
    }
}
