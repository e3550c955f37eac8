package io.regioncache.hybrid;

import junit.framework.Test;
import org.junit.runner.RunWith;
import org.junit.runners.AllTests;

import io.regioncache.SnapshotMapViewGuavaTest;
import io.regioncache.store.InMemoryBackingStore;

/**
 * guava-testlib's {@code NavigableMapTestSuiteBuilder} (the same suite and samples as
 * {@link SnapshotMapViewGuavaTest}) against {@link HybridView#asBytesMap()} of regions the cache does not hold: the
 * store serves every navigation through its two-way MVCC cursor ({@link io.regioncache.store.MvccStoreCursor}),
 * here over {@link InMemoryBackingStore}; hybrid-it runs it over RocksDB.
 */
@RunWith(AllTests.class)
public final class HybridViewGuavaTest
{
    private HybridViewGuavaTest()
    {
    }

    /** @return the generated suite. */
    public static Test suite()
    {
        final HybridViewFixture fixture = new HybridViewFixture(new InMemoryBackingStore());
        return SnapshotMapViewGuavaTest.suite("HybridView over InMemoryBackingStore",
            (entries, decoys) -> fixture.open(new byte[0], new byte[0], entries, decoys).asBytesMap());
    }
}
