package io.regioncache.rocksdb.blackbox13b;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.blackbox13b.DeterministicInterleavingTest;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * Audit 13b on RocksDB: the core's {@link DeterministicInterleavingTest} (INVOKER mode, the loader and GC jobs held and
 * run at random points, every key read through the hybrid reader at several versions after every step and compared
 * with the store's own answer) over a RocksDB store. Seeded; the seed is printed ({@code -Dseed=N} replays run + N).
 */
class RocksInterleavingTest
{
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void randomInterleavings(final int run)
    {
        final long seed = Long.getLong("seed", System.nanoTime()) + run;
        try (RocksDbBackingStore store = RocksDbBackingStore.open(tmp.resolve("db" + run)))
        {
            DeterministicInterleavingTest.run("RocksInterleavingTest", seed, store);
        }
    }
}
