package io.regioncache.hybrid;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.MapViewModelCheck;

/**
 * The store-served {@link HybridView} (region not cached) against {@link java.util.TreeMap} on random nested
 * sub/head/tail/descending views over MVCC history, on every durable store: LMDB's and RocksDB's two-way cursors
 * under the map API. The seed is in every failure message.
 */
class HybridViewStoresTest
{
    private static final byte[] START = {0x20};
    private static final byte[] END = {(byte)0xC0};

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Stores.class)
    void storeServedViewAgreesWithTreeMap(final Stores stores)
    {
        final long seed = System.nanoTime();
        try (HybridViewFixture fixture = new HybridViewFixture(stores.open(dir.resolve("db"))))
        {
            MapViewModelCheck.run(START, END,
                (start, end, entries, decoys) -> fixture.open(start, end, entries, decoys).asNavigableMap(), seed, 40);
        }
    }
}
