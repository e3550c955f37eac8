package io.regioncache.bench;

import java.nio.ByteBuffer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.EvictReason;

/**
 * Split of a region holding {@code keys} keys at one key in the middle: expected O(1) in the number of keys (the
 * pieces share the parent's table). SampleTime, so the result has a mean and a median (p0.50) and tails.
 * <p>
 * State kept across invocations: the right-hand piece keeps the source id (right-derive), so every invocation
 * splits region 1 again at the next key of the sequence {@code middleKey ++ counter} (24 bytes, strictly
 * increasing, all inside the right-hand piece), at the next epoch; no rebuild. The left-hand piece is evicted
 * after each invocation ({@code @TearDown(Level.Invocation)}, not measured) so the region directory stays at one
 * region: otherwise its copy-on-write index (copied and re-sorted on every split) would grow by one region per
 * invocation and the benchmark would measure that growth.
 * <p>
 * {@code threading=invoker}: the benchmark thread submits and runs the apply agent's duty cycle itself: the cost
 * of the split command without any thread hand-off. {@code threading=dedicated}: the engine's apply thread (idle
 * strategy {@code backoff}, the default) runs it and the caller spins on the future: end-to-end latency including
 * the apply thread's wake-up from its idle strategy.
 */
@BenchmarkMode(Mode.SampleTime)
public class SplitBenchmark extends ForkedBenchmark
{
    private static final long REGION = 1;

    /** The engine and the split sequence. */
    @State(Scope.Benchmark)
    public static class Engine
    {
        /** Keys in the region split. */
        @Param({"1000", "1000000"})
        public int keys;

        /** {@code invoker} (split cost alone) or {@code dedicated} (through the apply thread). */
        @Param({"invoker", "dedicated"})
        public String threading;

        RegionCache cache;
        byte[] middle;
        long epoch = 1;
        long counter;
        long nextLeftId = 1_000_000;
        byte[][] splitKeys;
        long[] leftIds;

        /** Build and load (not measured). */
        @Setup(Level.Trial)
        public void setup()
        {
            cache = RegionCache.create(RegionCacheConfig.builder()
                .capacityBytes(RegionCaches.READ_CAPACITY)
                .threading("invoker".equals(threading) ?
                    RegionCacheConfig.Threading.INVOKER : RegionCacheConfig.Threading.DEDICATED_THREAD)
                .build());
            final KeySpace ks = KeySpace.of(keys);
            RegionCaches.createAndLoad(cache, REGION, epoch, ks);
            middle = ks.key(keys / 2);
            prepare();
        }

        /** The arguments of the next split (allocated here, outside the measurement). */
        void prepare()
        {
            final byte[] k = ByteBuffer.allocate(middle.length + 8).put(middle).putLong(counter++).array();
            splitKeys = new byte[][] {k};
            leftIds = new long[] {nextLeftId++};
        }

        /** Evict the left-hand piece just made and prepare the next split (not measured). */
        @TearDown(Level.Invocation)
        public void afterSplit()
        {
            RegionCaches.awaitOk(cache, cache.evict(leftIds[0], EvictReason.MANUAL), "evict left piece");
            prepare();
        }

        /** Close the engine. */
        @TearDown(Level.Trial)
        public void close()
        {
            cache.close();
        }
    }

    /**
     * Split region 1 at the prepared key and wait for the result.
     *
     * @param e the engine.
     * @return the result, consumed by JMH.
     */
    @Benchmark
    public CommandResult split(final Engine e)
    {
        final long epoch = e.epoch;
        final CommandResult r = RegionCaches.await(e.cache, e.cache.split(REGION, epoch, e.splitKeys, e.leftIds,
            epoch + 1));
        if (!r.isOk())
        {
            throw new IllegalStateException("split failed: " + r);
        }
        e.epoch = epoch + 1;
        return r;
    }
}
