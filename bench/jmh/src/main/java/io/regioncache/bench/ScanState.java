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
    @Param({"regioncache", "regioncache-open-per-op", "lmdb", "rocksdb", "rocksdb-tuned", "skiplist"})
    public String store;

    /**
     * Where a scan's seek goes: {@code present} (the default) to its first key, which RegionCache finds through its
     * hash index; {@code absent} to a key no store holds just before it (the key before, and a zero byte), so every
     * store searches its order: RegionCache its skiplist, LMDB its B+tree, RocksDB its files. The entries read are the
     * same. A range scan from a prefix or a bound, as a host's queries make, seeks like {@code absent}.
     */
    @Param({"present"})
    public String seek;

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
