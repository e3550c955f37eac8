package io.regioncache.bench;

import io.regioncache.bench.support.KeySpace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.Region;

/**
 * Builds and fills RegionCache instances through the public API only.
 */
public final class RegionCaches
{
    /** Off-heap capacity of read benchmarks: 10^6 keys take about 600 MB (nodes and the index with its entries). */
    public static final long READ_CAPACITY = 2L << 30;
    /** Puts per write batch when loading. */
    public static final int LOAD_BATCH = 256;
    /** Read version meaning "the latest whole batch applied when the snapshot opens". */
    public static final long LATEST = Long.MAX_VALUE;

    private RegionCaches()
    {
    }

    /**
     * @param capacityBytes off-heap capacity.
     * @return an engine with a dedicated apply thread and the default idle strategy.
     */
    public static RegionCache create(final long capacityBytes)
    {
        return create(capacityBytes, true);
    }

    /**
     * @param capacityBytes        off-heap capacity.
     * @param inlineNewestVersions the index keeps each key's newest version inline (the default), or slots only.
     * @return an engine with a dedicated apply thread and the default idle strategy.
     */
    public static RegionCache create(final long capacityBytes, final boolean inlineNewestVersions)
    {
        return create(capacityBytes, inlineNewestVersions, false);
    }

    /**
     * @param capacityBytes        off-heap capacity.
     * @param inlineNewestVersions the index keeps each key's newest version inline (the default), or slots only.
     * @param hugePages            buffers of 2 MiB+ on transparent huge pages; refused (an exception, not a silent
     *                             4 KiB run) where this JVM cannot have them.
     * @return an engine with a dedicated apply thread and the default idle strategy.
     */
    public static RegionCache create(
        final long capacityBytes, final boolean inlineNewestVersions, final boolean hugePages)
    {
        if (hugePages)
        {
            requireHugePages();
        }
        return RegionCache.create(RegionCacheConfig.builder().capacityBytes(capacityBytes)
            .segmentSize(Integer.getInteger("bench.segmentSize", 1 << 20))
            .inlineNewestVersions(inlineNewestVersions).hugePages(hugePages).build());
    }

    /**
     * @throws IllegalStateException if this JVM cannot advise memory for huge pages (JDK 17, or a benchmark jar
     *                               built on JDK 17 without the multi-release class).
     */
    public static void requireHugePages()
    {
        final String why = io.regioncache.internal.memory.SegmentPool.hugePagesStatus();
        if (null != why)
        {
            throw new IllegalStateException("huge pages asked for but unavailable: " + why);
        }
    }

    /**
     * @param name {@code default} (the engine's own: parks up to 1 ms and is woken when a command is queued),
     *             {@code backoff} (Agrona's backoff parking up to 100 us, not woken: the engine's default before
     *             2026-12-07, which the committed put figures were measured with), {@code spin} (busy spin: lowest
     *             hand-off latency, burns a core).
     * @return the idle strategy to give the builder, or null for {@code default} (leave the builder's own).
     */
    public static IdleStrategy idleStrategy(final String name)
    {
        switch (name)
        {
            case "default":
                return null;
            case "backoff":
                return new BackoffIdleStrategy(100, 10, 1_000, 100_000);
            case "spin":
                return new BusySpinIdleStrategy();
            default:
                throw new IllegalArgumentException("unknown idle strategy " + name + " (default|backoff|spin)");
        }
    }

    /**
     * Wait for a command: in INVOKER mode drive the apply agent on this thread, otherwise spin (no park/unpark
     * hand-off on the caller's side).
     *
     * @param cache  the engine.
     * @param future the command's future.
     * @return its result.
     */
    public static CommandResult await(final RegionCache cache, final CompletableFuture<CommandResult> future)
    {
        if (cache.config().threading() == RegionCacheConfig.Threading.INVOKER)
        {
            while (!future.isDone())
            {
                cache.applyCycle();
            }
        }
        else
        {
            while (!future.isDone())
            {
                Thread.onSpinWait();
            }
        }
        return future.join();
    }

    /**
     * @param cache  the engine.
     * @param future the command's future.
     * @param what   what it was, for the message.
     * @throws IllegalStateException unless it completed OK.
     */
    public static void awaitOk(final RegionCache cache, final CompletableFuture<CommandResult> future, final String what)
    {
        final CommandResult r = await(cache, future);
        if (!r.isOk())
        {
            throw new IllegalStateException(what + " failed: " + r);
        }
    }

    /**
     * Create region {@code [-inf, +inf)} and write every key of {@code keys} into it, {@link #LOAD_BATCH} puts per
     * batch, versions 1, 2, ...; waits for all of them and checks every result.
     *
     * @param cache    the engine.
     * @param regionId region id.
     * @param epoch    epoch version.
     * @param keys     the data.
     * @return the last version written.
     */
    public static long createAndLoad(final RegionCache cache, final long regionId, final long epoch, final KeySpace keys)
    {
        awaitOk(cache, cache.createRegion(new Region(regionId, new byte[0], new byte[0], epoch)), "createRegion");
        final UnsafeBuffer pool = keys.keyPool();
        final byte[] value = new byte[KeySpace.VALUE_LENGTH];
        final UnsafeBuffer valueBuffer = new UnsafeBuffer(value);
        final List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
        long version = 0;
        for (int start = 0; start < keys.size(); start += LOAD_BATCH)
        {
            final int end = Math.min(keys.size(), start + LOAD_BATCH);
            final WriteBatch batch = new WriteBatch(regionId, epoch, ++version,
                (end - start) * (9 + KeySpace.KEY_LENGTH + KeySpace.VALUE_LENGTH));
            for (int i = start; i < end; i++)
            {
                KeySpace.fillValue(i, value, 0);
                batch.put(pool, i * KeySpace.KEY_LENGTH, KeySpace.KEY_LENGTH, valueBuffer, 0, KeySpace.VALUE_LENGTH);
            }
            futures.add(submitWithRetry(cache, batch));
            if (futures.size() >= 1024)
            {
                awaitAll(cache, futures);
            }
        }
        awaitAll(cache, futures);
        return version;
    }

    private static void awaitAll(final RegionCache cache, final List<CompletableFuture<CommandResult>> futures)
    {
        for (final CompletableFuture<CommandResult> f : futures)
        {
            awaitOk(cache, f, "load write");
        }
        futures.clear();
    }

    /**
     * Submit a batch, resubmitting it while the engine answers QUEUE_FULL.
     *
     * @param cache the engine.
     * @param batch the batch.
     * @return the accepted command's future.
     */
    public static CompletableFuture<CommandResult> submitWithRetry(final RegionCache cache, final WriteBatch batch)
    {
        while (true)
        {
            final CompletableFuture<CommandResult> f = cache.write(batch);
            final CommandResult now = f.getNow(null);
            if (now == null || now.code() != ResultCode.QUEUE_FULL)
            {
                return f;
            }
            if (cache.config().threading() == RegionCacheConfig.Threading.INVOKER)
            {
                cache.applyCycle();
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }
}
