package io.regioncache.bench;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Batched-get state: RegionCache's {@code multiGet} against RegionCache's single gets and Chronicle Map's single
 * gets (both of its read paths), {@link MultiGetBenchmark#BATCH} keys per operation.
 */
@State(Scope.Benchmark)
public class MultiGetState extends StoreState
{
    /** The store under test. */
    @Param({"regioncache-multiget", "regioncache", "chronicle-map", "chronicle-map-offheap"})
    public String store;

    @Override
    protected String store()
    {
        return store;
    }
}
