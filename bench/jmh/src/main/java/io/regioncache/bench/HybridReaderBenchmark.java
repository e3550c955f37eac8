package io.regioncache.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/**
 * Reads through the hybrid engine's {@code HybridReader} ({@link HybridReaderState}): a get and a batch of
 * {@value MultiGetBenchmark#BATCH} keys (reported per key) when the region is cached, when it is not (RocksDB serves,
 * through the MVCC encoding: a seek per key on the store's reused iterators), and the {@code rocksdb} peer's plain
 * {@code db.get} (its batch is a get per key) in the same run, so a host sees what a cache miss costs beside a hit
 * and beside RocksDB alone; likewise on LMDB, not cached (a cursor seek per key on the store's reused read
 * transactions), beside the {@code lmdb} peer.
 */
@BenchmarkMode(Mode.AverageTime)
public class HybridReaderBenchmark extends ForkedBenchmark
{
    /**
     * @param r this thread's reader.
     * @return checksum (length + first value long), consumed by JMH.
     */
    @Benchmark
    public long get(final ReaderState.Hybrid r)
    {
        return r.reader.get(r.next());
    }

    /**
     * @param r this thread's reader.
     * @return checksum of the batch, consumed by JMH.
     */
    @Benchmark
    @OperationsPerInvocation(MultiGetBenchmark.BATCH)
    public long multiGet16(final ReaderState.Hybrid r)
    {
        return r.reader.multiGet(r.indices(), r.nextBatch(MultiGetBenchmark.BATCH), MultiGetBenchmark.BATCH);
    }
}
