package io.regioncache.bench;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Scan state: the ordered stores only (Chronicle Map is a hash map and cannot scan, so it is not a value here).
 */
@State(Scope.Benchmark)
public class ScanState extends StoreState
{
    /** Entries stepped over after the seek. */
    public static final int NEXTS = 100;

    /** The store under test. */
    @Param({"regioncache", "regioncache-open-per-op", "lmdb", "rocksdb", "skiplist"})
    public String store;

    @Override
    protected String store()
    {
        return store;
    }

    @Override
    protected int indexBound()
    {
        return Math.max(1, keys - NEXTS - 1);
    }
}
