package io.regioncache.blackbox17;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.regioncache.BackingSnapshot;
import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Helpers for the seventeenth audit's black-box tests (README "Observability"), public API only; the twentieth
 * audit (README "Reliability") uses them too.
 */
public final class B
{
    private B()
    {
    }

    public static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    /** A small engine driven by the test thread (INVOKER): every step deterministic; no policy round unless asked. */
    public static RegionCacheConfig.Builder invoker()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
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
    public static CommandResult cycle(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
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
    public static void until(final RegionCache cache, final String what, final BooleanSupplier done)
    {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++)
        {
            cache.applyCycle();
        }
        if (!done.getAsBoolean())
        {
            throw new AssertionError("never happened: " + what);
        }
    }

    public static long metric(final RegionCache cache, final String name)
    {
        final Number n = cache.metrics().values().get(name);
        if (n == null)
        {
            throw new AssertionError("no metric named " + name + " in " + cache.metrics().values().keySet());
        }
        return n.longValue();
    }

    /** Holds submitted jobs until the test runs them. */
    public static final class Held implements Executor
    {
        private final ArrayDeque<Runnable> jobs = new ArrayDeque<>();

        @Override
        public synchronized void execute(final Runnable job)
        {
            jobs.add(job);
        }

        public int runAll()
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

    /** An in-memory store whose next write or delete-range can be made to fail. */
    public static final class FailingWrites implements WritableStore
    {
        public final InMemoryBackingStore delegate = new InMemoryBackingStore();
        public volatile boolean failWrites;

        @Override
        public void applyBatch(final WriteBatch batch)
        {
            if (failWrites)
            {
                throw new StoreException("injected write failure");
            }
            delegate.applyBatch(batch);
        }

        @Override
        public long deleteRange(final byte[] start, final byte[] end, final long version)
        {
            if (failWrites)
            {
                throw new StoreException("injected delete-range failure");
            }
            return delegate.deleteRange(start, end, version);
        }

        @Override
        public long gcBelow(final long safePoint)
        {
            return delegate.gcBelow(safePoint);
        }

        @Override
        public BackingSnapshot openSnapshot()
        {
            return delegate.openSnapshot();
        }

        @Override
        public void close()
        {
            delegate.close();
        }
    }
}
