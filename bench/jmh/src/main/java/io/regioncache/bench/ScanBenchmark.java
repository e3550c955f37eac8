package io.regioncache.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;

/**
 * Range scans over the ordered stores ({@link ScanState}): seek to a random key, then 100 {@code next()} calls,
 * consuming the key and value of all 101 entries reached; ns per scan.
 */
@BenchmarkMode(Mode.AverageTime)
public class ScanBenchmark extends ForkedBenchmark
{
    /**
     * @param r this thread's reader.
     * @return checksum over keys and values, consumed by JMH.
     */
    @Benchmark
    public long scan100(final ReaderState.Scan r)
    {
        return r.reader.scan(r.next(), ScanState.NEXTS);
    }
}
