package io.regioncache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys a client chooses to collide cost what random keys cost, through the public API. The keys are 16 bytes whose
 * second word is the word mask of the index hash before it was keyed by a secret: all of them had one hash then, so
 * the index probed a run as long as the keys written (20,000 took 880 ms to write, random ones 76 ms; n keys cost
 * n<sup>2</sup>/2 probes). The bound is a ratio with a wide margin, the better of two rounds each, so that a busy
 * host does not fail it while a quadratic cost (12-25 times at this size) does.
 */
class HashFloodTest
{
    private static final int KEYS = 40_000;
    private static final int BATCH = 500;

    @Test
    void chosenKeysCostWhatRandomKeysCost() throws Exception
    {
        long chosen = Long.MAX_VALUE;
        long random = Long.MAX_VALUE;
        for (int round = 0; round < 2; round++)
        {
            random = Math.min(random, writeThenReadAll(false));
            chosen = Math.min(chosen, writeThenReadAll(true));
        }
        assertTrue(chosen <= 4 * random + 300_000_000L, String.format(
            "%,d chosen keys took %.0f ms to write and read, random ones %.0f ms", KEYS, chosen / 1e6, random / 1e6));
    }

    private static byte[] key(final boolean chosen, final int i, final Random random)
    {
        if (chosen)
        {
            return ChosenKeys.oldIndexHashColliding(i);
        }
        final byte[] key = ChosenKeys.oldIndexHashColliding(i);
        ByteBuffer.wrap(key).putLong(8, random.nextLong());
        return key;
    }

    /** @return nanoseconds to write {@link #KEYS} keys in batches and then get each one back (checked). */
    private static long writeThenReadAll(final boolean chosen) throws Exception
    {
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(1L << 30).build()))
        {
            assertEquals(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get().code());
            final Random random = new Random(7);
            final byte[][] keys = new byte[KEYS][];
            for (int i = 0; i < KEYS; i++)
            {
                keys[i] = key(chosen, i, random);
            }
            final long start = System.nanoTime();
            long version = 1;
            for (int i = 0; i < KEYS; i += BATCH)
            {
                final WriteBatch batch = new WriteBatch(1, 1, ++version);
                for (int j = i; j < i + BATCH; j++)
                {
                    batch.put(keys[j], ByteBuffer.allocate(4).putInt(j).array());
                }
                assertEquals(ResultCode.OK, cache.write(batch).get().code());
            }
            final Snapshot snapshot = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snapshot.open(1, 1, version));
            final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);
            final UnsafeBuffer value = new UnsafeBuffer(new byte[4]);
            try
            {
                for (int i = 0; i < KEYS; i++)
                {
                    key.putBytes(0, keys[i]);
                    assertEquals(4, snapshot.get(key, 0, 16, value, 0));
                    assertEquals(i, value.getInt(0, ByteOrder.BIG_ENDIAN));
                }
            }
            finally
            {
                snapshot.close();
            }
            return System.nanoTime() - start;
        }
    }
}
