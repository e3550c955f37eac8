package io.regioncache.blackbox11b;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 11b on the in-memory store: {@link KeyShapeDifferential}'s seeded sequences (seed printed; fixed) with
 * every read path of the cache and the hybrid reader compared against a TreeMap in unsigned order, keys up to
 * {@code maxKeyLength} 64 and 200 (the latter longer than LMDB allows).
 */
class KeyShapeDifferentialTest
{
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void inMemoryStore(final long seed)
    {
        runOnce(seed, 64);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {5})
    void inMemoryStoreLongKeys(final long seed)
    {
        runOnce(seed, 200);
    }

    private static void runOnce(final long seed, final int maxKeyLength)
    {
        System.out.println("KeyShapeDifferentialTest seed " + seed + " maxKeyLength " + maxKeyLength);
        final KeyShapeDifferential d = new KeyShapeDifferential(new InMemoryBackingStore(), seed, maxKeyLength);
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
