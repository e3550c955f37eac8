package io.regioncache.rocksdb;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ChosenKeys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys that share an {@code Arrays.hashCode} (free to make: a pair of bytes {0, 31} equals {1, 0} to it) cost the
 * store what random keys cost. Its GC tracker keeps every written key in hash maps whose keys are not
 * {@code Comparable}, so with {@code Arrays.hashCode} one bin held all of them and each write searched it: 20,000
 * such puts took 6.2 s against 0.3 s for random keys (16 times the keys, ~20 times the time per key). The tracker
 * now hashes with {@link io.regioncache.store.KeyedHash}.
 */
class KeyedHashFloodTest
{
    private static final int BITS = 20;
    private static final int KEYS = 20_000;

    private static byte[] colliding(final long i)
    {
        return ChosenKeys.arraysHashColliding(BITS, i);
    }

    @Test
    void theTrackersKeysSpreadWhereArraysHashCodeCollides()
    {
        assertEquals(Arrays.hashCode(colliding(0)), Arrays.hashCode(colliding(KEYS - 1)));
        final Set<Integer> codes = new HashSet<>();
        for (int i = 0; i < KEYS; i++)
        {
            codes.add(new RocksDbGc.Tracked(colliding(i), i, i).hashCode());
        }
        // 32-bit codes of 20,000 distinct keys: ~0.05 chance pairs expected; Arrays.hashCode gave 1 code.
        assertTrue(codes.size() >= KEYS - 3, codes.size() + " distinct hash codes of " + KEYS);
    }

    @Test
    void chosenKeysCostWhatRandomKeysCost(@TempDir final Path dir)
    {
        long chosen = Long.MAX_VALUE;
        long random = Long.MAX_VALUE;
        for (int round = 0; round < 2; round++)
        {
            random = Math.min(random, putThenGetAll(dir.resolve("random" + round), false));
            chosen = Math.min(chosen, putThenGetAll(dir.resolve("chosen" + round), true));
        }
        assertTrue(chosen <= 4 * random + 500_000_000L, String.format(
            "%,d chosen keys took %.0f ms to put and get, random ones %.0f ms", KEYS, chosen / 1e6, random / 1e6));
    }

    private static long putThenGetAll(final Path dir, final boolean chosen)
    {
        final Random random = new Random(11);
        final byte[][] keys = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++)
        {
            keys[i] = chosen ? colliding(i) : colliding(random.nextLong());
        }
        if (!chosen)
        {
            // colliding(random) may repeat a key; make every random key distinct and unlike the chosen shape.
            for (int i = 0; i < KEYS; i++)
            {
                keys[i][2 * BITS - 1] = (byte)i;
                keys[i][2 * BITS - 2] = (byte)(i >>> 8);
                keys[i][2 * BITS - 3] = (byte)(i >>> 16);
            }
        }
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            final long start = System.nanoTime();
            for (int i = 0; i < KEYS; i++)
            {
                store.put(keys[i], 1 + i, new byte[] {(byte)i});
            }
            for (int i = 0; i < KEYS; i++)
            {
                assertArrayEquals(new byte[] {(byte)i}, store.get(keys[i], KEYS + 1), "key " + i);
            }
            return System.nanoTime() - start;
        }
    }
}
