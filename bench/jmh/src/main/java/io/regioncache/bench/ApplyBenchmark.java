package io.regioncache.bench;

import java.util.concurrent.CompletableFuture;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;

/**
 * Write throughput through the public path: build a {@link WriteBatch} of {@code batch} puts (16-byte keys cycling
 * over a bounded key set, 100-byte values), {@code cache.write(batch)}, applied by the dedicated ApplyAgent thread.
 * <p>
 * The primary score is ns per batch; the secondary {@code puts} (an OPERATIONS aux counter) is ns per put.
 * Submission is pipelined: a batch is not waited for. Back-pressure comes from a command queue of
 * {@link #QUEUE_CAPACITY}: a QUEUE_FULL answer resubmits the batch after a {@code Thread.yield()} (counted in {@code queueFull}), so the producer
 * runs at the apply thread's speed and at most {@code QUEUE_CAPACITY} batches are left unmeasured at the end of an
 * iteration. Any other non-OK result is counted in {@code failed} (must stay 0).
 * <p>
 * <b>Memory.</b> Every put is a new MVCC version and the engine has no version GC, so memory grows with every put:
 * each iteration evicts the previous region and writes into a fresh one ({@code @Setup(Level.Iteration)}), and the
 * capacity ({@link #CAPACITY}) holds well over ten seconds of puts. Keep {@code -r} at a few seconds at most.
 */
@BenchmarkMode(Mode.AverageTime)
@Threads(1)
public class ApplyBenchmark extends ForkedBenchmark
{
    /** Command queue capacity: bounds the unmeasured backlog at the end of an iteration. */
    static final int QUEUE_CAPACITY = 1024;
    /** The random order's stride (a prime): key {@code c * RANDOM_STRIDE mod keys} is the {@code c}-th written. */
    static final long RANDOM_STRIDE = 1_000_003L;
    /** Off-heap capacity: 8 GiB. */
    static final long CAPACITY = 8L << 30;

    /** The engine (one producer thread: this benchmark is @Threads(1)). */
    @State(Scope.Benchmark)
    public static class Engine
    {
        /** Puts per batch. */
        @Param({"1", "64"})
        public int batch;

        /** Size of the bounded key set cycled through . */
        @Param({"65536"})
        public int keys;

        /**
         * Order of the keys within a batch: {@code sorted} cycles through the key set in key order (each batch's keys
         * ascend, the apply thread inserts them first to last, each next to the one before); {@code random} visits
         * the same keys in a fixed pseudo-random order (a prime stride through the cycle: every key once per cycle),
         * so each put lands at an unrelated place in the table, as a host's writes to independent rows do.
         */
        @Param({"sorted", "random"})
        public String order;

        /**
         * Apply thread idle strategy: {@code backoff} (Agrona's, parking up to 100 us: the engine's default until
         * 2026-12-07, kept here so the committed figures stay comparable), {@code default} (the engine's own, woken
         * when a command is queued) or {@code spin} (see {@link RegionCaches#idleStrategy}).
         */
        @Param({"backoff"})
        public String idle;

        RegionCache cache;
        KeySpace keySpace;
        boolean random;
        UnsafeBuffer values;
        long regionId;
        long version;
        int cursor;
        CompletableFuture<CommandResult> last;

        /** Build the engine and the data (not measured). */
        @Setup(Level.Trial)
        public void setup()
        {
            final RegionCacheConfig.Builder config = RegionCacheConfig.builder()
                .capacityBytes(CAPACITY)
                .commandQueueCapacity(QUEUE_CAPACITY);
            final org.agrona.concurrent.IdleStrategy strategy = RegionCaches.idleStrategy(idle);
            if (null != strategy)
            {
                config.idleStrategy(strategy);
            }
            cache = RegionCache.create(config.build());
            if (keys % RANDOM_STRIDE == 0)
            {
                throw new IllegalArgumentException("keys must not be a multiple of " + RANDOM_STRIDE + ": " + keys);
            }
            random = "random".equals(order);
            keySpace = KeySpace.of(keys);
            final byte[] v = new byte[64 * KeySpace.VALUE_LENGTH];
            for (int i = 0; i < 64; i++)
            {
                KeySpace.fillValue(i, v, i * KeySpace.VALUE_LENGTH);
            }
            values = new UnsafeBuffer(v);
        }

        /** A fresh region per iteration (memory of the previous one returns to the pool). */
        @Setup(Level.Iteration)
        public void freshRegion()
        {
            if (regionId != 0)
            {
                RegionCaches.awaitOk(cache, cache.evict(regionId, EvictReason.MANUAL), "evict");
            }
            regionId++;
            version = 0;
            RegionCaches.awaitOk(cache, cache.createRegion(new Region(regionId, new byte[0], new byte[0], 1)),
                "createRegion");
        }

        /** Drain the backlog and check the region survived. */
        @TearDown(Level.Iteration)
        public void drain()
        {
            if (last != null)
            {
                final CommandResult r = RegionCaches.await(cache, last);
                if (!r.isOk() || cache.stateOf(regionId) != RegionState.ACTIVE)
                {
                    System.err.println("[ApplyBenchmark] WARNING: last write " + r + ", region state " +
                        cache.stateOf(regionId) + " (memory in use " + cache.memoryInUse() +
                        " B): results of this iteration are not valid; shorten -r");
                }
                last = null;
            }
        }

        /** Close the engine. */
        @TearDown(Level.Trial)
        public void close()
        {
            cache.close();
        }
    }

    /** Puts applied (normalised like operations: the {@code puts} score is ns per put). */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Puts
    {
        /** Puts submitted and accepted. */
        public long puts;

        /** Reset per iteration. */
        @Setup(Level.Iteration)
        public void reset()
        {
            puts = 0;
        }
    }

    /** Events: QUEUE_FULL resubmissions and failed writes. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Events
    {
        /** QUEUE_FULL answers (back-pressure), each followed by a resubmission. */
        public long queueFull;
        /** Writes that completed neither OK nor QUEUE_FULL (must be 0). */
        public long failed;

        /** Reset per iteration. */
        @Setup(Level.Iteration)
        public void reset()
        {
            queueFull = 0;
            failed = 0;
        }
    }

    /**
     * Build one batch and submit it (resubmitting on QUEUE_FULL).
     *
     * @param e      the engine.
     * @param puts   put counter.
     * @param events back-pressure and failure counters.
     * @return the accepted command's future (consumed by JMH).
     */
    @Benchmark
    public CompletableFuture<CommandResult> put(final Engine e, final Puts puts, final Events events)
    {
        final int n = e.batch;
        final WriteBatch wb = new WriteBatch(e.regionId, 1, ++e.version,
            n * (9 + KeySpace.KEY_LENGTH + KeySpace.VALUE_LENGTH));
        final UnsafeBuffer pool = e.keySpace.keyPool();
        final boolean random = e.random;
        int c = e.cursor;
        for (int i = 0; i < n; i++)
        {
            if (++c == e.keys)
            {
                c = 0;
            }
            // A prime stride coprime with keys: c -> c * stride mod keys visits every key once per cycle.
            final int k = random ? (int)((long)c * RANDOM_STRIDE % e.keys) : c;
            wb.put(pool, k << 4, KeySpace.KEY_LENGTH, e.values, (k & 63) * KeySpace.VALUE_LENGTH, KeySpace.VALUE_LENGTH);
        }
        e.cursor = c;
        CompletableFuture<CommandResult> f = e.cache.write(wb);
        CommandResult now;
        while ((now = f.getNow(null)) != null && now.code() == ResultCode.QUEUE_FULL)
        {
            events.queueFull++;
            Thread.yield(); // cede the core to the apply thread (2-core machines) instead of spinning on submit
            f = e.cache.write(wb);
        }
        final CompletableFuture<CommandResult> prev = e.last;
        if (prev != null && prev.isDone() && !prev.join().isOk())
        {
            events.failed++;
        }
        e.last = f;
        puts.puts += n;
        return f;
    }
}
