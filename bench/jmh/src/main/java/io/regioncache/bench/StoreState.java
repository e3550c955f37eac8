package io.regioncache.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.regioncache.bench.store.ReadStore;
import io.regioncache.bench.support.AccessPattern;
import io.regioncache.bench.support.KeySpace;

/**
 * A loaded store and the pre-generated key indices of a read benchmark (one per trial, shared by its threads).
 * Subclasses declare the {@code store} parameter, so each benchmark lists only the stores it supports.
 */
@State(Scope.Benchmark)
public abstract class StoreState
{
    /** Seed of every index array: all stores see the same key sequence. */
    static final long SEED = 0x5EED_2026L;

    /** Number of keys loaded. */
    @Param({"100000", "1000000"})
    public int keys;

    /** {@code uniform} or {@code zipf} (0.99). */
    @Param({"uniform", "zipf"})
    public String distribution;

    KeySpace keySpace;
    ReadStore db;
    int[] indices;

    /** @return the store parameter. */
    protected abstract String store();

    /** @return indices are drawn below this (scans leave room for their steps). */
    protected int indexBound()
    {
        return keys;
    }

    /**
     * Generate the data and load the store (not measured).
     *
     * @throws Exception if the store cannot be built.
     */
    @Setup(Level.Trial)
    public void load() throws Exception
    {
        keySpace = KeySpace.of(keys);
        indices = AccessPattern.indices(distribution, keys, indexBound(), SEED);
        db = ReadStore.open(store(), keySpace);
        System.gc(); // load garbage out of the way before the first iteration
    }

    /**
     * @throws Exception if the store fails to close.
     */
    @TearDown(Level.Trial)
    public void close() throws Exception
    {
        if (db != null)
        {
            db.close();
            db = null;
        }
    }
}
