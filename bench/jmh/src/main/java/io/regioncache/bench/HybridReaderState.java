package io.regioncache.bench;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The hybrid engine's reads ({@link HybridReaderBenchmark}): cached, not cached (RocksDB through the MVCC encoding),
 * and the {@code rocksdb} peer's plain {@code db.get} of the same keys and values under the same RocksDB options; and
 * on LMDB not cached (LMDB through the MVCC encoding) beside the {@code lmdb} peer.
 */
@State(Scope.Benchmark)
public class HybridReaderState extends StoreState
{
    /** The store under test. */
    @Param({"regioncache-hybrid", "regioncache-hybrid-store", "rocksdb", "regioncache-hybrid-lmdb-store", "lmdb"})
    public String store;

    @Override
    protected String store()
    {
        return store;
    }
}
