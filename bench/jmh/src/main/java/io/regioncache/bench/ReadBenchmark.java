package io.regioncache.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;

/**
 * Point gets of 16-byte keys with 100-byte values against every store ({@link GetState}); ns per get.
 * <p>
 * Scans live in {@link ScanBenchmark}: JMH parameters form a full cartesian product per class, so a class with
 * both methods would either run a fake Chronicle Map scan or fail; a second class with its own store list is the
 * clean exclusion.
 */
@BenchmarkMode(Mode.AverageTime)
public class ReadBenchmark extends ForkedBenchmark
{
    /**
     * @param r this thread's reader.
     * @return checksum (length + first value long), consumed by JMH.
     */
    @Benchmark
    public long get(final ReaderState.Get r)
    {
        return r.reader.get(r.next());
    }
}
