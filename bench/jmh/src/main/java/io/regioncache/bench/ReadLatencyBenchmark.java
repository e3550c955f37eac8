package io.regioncache.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;

/**
 * {@link ReadBenchmark#get} in SampleTime mode: the latency distribution (p50, p90, p99, p99.9, p99.99, max) of
 * single gets. Note each sampled call is timed with {@code System.nanoTime()} (~20 ns of timer cost and
 * granularity), so compare shapes and tails here, and means in {@link ReadBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
public class ReadLatencyBenchmark extends ForkedBenchmark
{
    /**
     * @param r this thread's reader.
     * @return checksum, consumed by JMH.
     */
    @Benchmark
    public long get(final ReaderState.Get r)
    {
        return r.reader.get(r.next());
    }
}
