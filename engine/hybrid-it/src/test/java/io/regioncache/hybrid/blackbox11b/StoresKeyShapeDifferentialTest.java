package io.regioncache.hybrid.blackbox11b;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.regioncache.blackbox11b.KeyShapeDifferential;
import io.regioncache.hybrid.Stores;

/**
 * Audit 11b on the durable stores: the core's {@link KeyShapeDifferential} (seeded, printed) over RocksDB and LMDB,
 * whose stored keys are the memcomparable encoding (8-byte groups), so keys around those groups, ending in 0x00 or
 * 0xFF, and prefixes of each other must keep the unsigned order on the cache path, the store path (gets, batched
 * gets, scans both ways, views, raw cursors) and across region boundaries. LMDB runs at its own key limit, 439
 * bytes ("The engine alone": 439 bytes encode to 503, 440 to 512).
 */
class StoresKeyShapeDifferentialTest
{
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} seed {1} maxKeyLength {2}")
    @CsvSource({"ROCKSDB,1,64", "ROCKSDB,4,4100", "LMDB,1,64", "LMDB,3,439"})
    void everyReadPathAgreesWithTheModel(final Stores stores, final long seed, final int maxKeyLength)
    {
        System.out.println("StoresKeyShapeDifferentialTest " + stores + " seed " + seed + " maxKeyLength " + maxKeyLength);
        final KeyShapeDifferential d = new KeyShapeDifferential(stores.open(dir), seed, maxKeyLength);
        try
        {
            d.run(400);
        }
        finally
        {
            d.close();
        }
        System.out.println("  checks " + d.checks + ", cache-served " + d.cacheReads + ", store-served " + d.storeReads);
        assertTrue(d.cacheReads > 0 && d.storeReads > 0, "both paths exercised");
    }
}
