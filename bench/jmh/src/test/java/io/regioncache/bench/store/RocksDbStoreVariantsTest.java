package io.regioncache.bench.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.bench.support.KeySpace;

/**
 * Both RocksDB peers ({@code rocksdb} and the point-lookup-tuned {@code rocksdb-tuned}) answer every get with the
 * value written and every scan with the entries in order: a tuned configuration is measured only if it reads what
 * the general one reads. The data-block hash index and {@code optimizeFiltersForHits} change how a get finds its
 * key, so every key is read once, not a sample.
 */
class RocksDbStoreVariantsTest
{
    private static final int KEYS = 20_000;

    @ParameterizedTest
    @ValueSource(strings = {ReadStore.ROCKSDB, ReadStore.ROCKSDB_TUNED})
    void everyGetAndScanReadsWhatWasWritten(final String name) throws Exception
    {
        final KeySpace keys = KeySpace.of(KEYS);
        try (ReadStore store = ReadStore.open(name, keys); ReadStore.Reader reader = store.newReader())
        {
            for (int i = 0; i < KEYS; i++)
            {
                assertEquals(KeySpace.expectedGet(i), reader.get(i), name + ": get " + i);
            }
            for (int i = 0; i < KEYS - 101; i += 331)
            {
                assertEquals(keys.expectedScan(i, 101), reader.scan(i, 100), name + ": scan from " + i);
            }
            reader.verify(keys, true);
        }
    }
}
