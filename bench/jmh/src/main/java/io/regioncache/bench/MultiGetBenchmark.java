package io.regioncache.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/**
 * Gets of {@value #BATCH} random keys of one region per operation, reported per key
 * ({@code @OperationsPerInvocation}): RegionCache's {@code Snapshot.multiGet} (lookups interleaved so their misses
 * overlap) beside the same keys read by single gets, RegionCache's and Chronicle Map's. Runs in the same JMH run as
 * {@link ReadBenchmark} and {@link MemoryLatencyBenchmark}; the summary puts the per-key time beside Chronicle Map's
 * best single get and beside {@code independent16 / 16}, the physical limit of overlapped misses.
 */
@BenchmarkMode(Mode.AverageTime)
public class MultiGetBenchmark extends ForkedBenchmark
{
    /** Keys per operation. */
    public static final int BATCH = 16;

    /**
     * @param r this thread's reader.
     * @return checksum of the batch, consumed by JMH.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long multiGet16(final ReaderState.Multi r)
    {
        return r.reader.multiGet(r.indices(), r.nextBatch(BATCH), BATCH);
    }
}
