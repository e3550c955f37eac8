package io.regioncache.bench;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Point-get state: every store, RegionCache in three ways (copying get, zero-copy view, snapshot per op), Chronicle
 * Map in two (its usual {@code getUsing}, and its zero-allocation best).
 */
@State(Scope.Benchmark)
public class GetState extends StoreState
{
    /** The store under test. */
    @Param({"regioncache", "regioncache-slots", "regioncache-view", "regioncache-open-per-op", "chronicle-map",
        "chronicle-map-offheap", "lmdb", "rocksdb", "rocksdb-tuned", "skiplist"})
    public String store;

    @Override
    protected String store()
    {
        return store;
    }
}
