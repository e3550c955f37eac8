package io.regioncache.hybrid;

import java.nio.file.Path;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.Region;
import io.regioncache.SnapshotStatus;

import static io.regioncache.hybrid.HybridTestSupport.b;
import static io.regioncache.hybrid.HybridTestSupport.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link HybridReader#multiGet}: the same answers as single gets and the model, whether the cache serves the batch
 * (region ACTIVE at the caller's epoch) or the store does in one batched read (region not cached, or another
 * epoch), at many read versions, with absent, deleted and shadowed keys.
 */
@ParameterizedClass
@EnumSource(Stores.class)
class HybridMultiGetTest
{
    /** The durable store under the hybrid engine in this run (the store side of multiGet differs per store). */
    @Parameter
    Stores stores;

    @TempDir
    Path dir;

    @Test
    void cacheAndStoreServeTheSameAnswers()
    {
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve("db"));
        final Random random = new Random(7);
        long version = 0;
        for (int i = 0; i < 600; i++)
        {
            version++;
            final String k = key(random.nextInt(60));
            if (random.nextInt(5) == 0)
            {
                h.delete(1, 1, version, k);
            }
            else
            {
                h.put(1, 1, version, k, "v" + version + "-" + "x".repeat(random.nextInt(20)));
            }
        }
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[40 * 8]);
        final int[] offsets = new int[40];
        final int[] lengths = new int[40];
        final String[] names = new String[40];
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[40 * 64]);
        final int[] valueOffsets = new int[40];
        final int[] valueLengths = new int[40];
        try (HybridReader reader = h.engine.newReader())
        {
            for (int phase = 0; phase < 2; phase++)
            {
                if (phase == 1)
                {
                    h.ok(h.engine.loadRegion(new Region(1, new byte[0], new byte[0], 1)));
                    h.runLoads();
                }
                for (int round = 0; round < 200; round++)
                {
                    final int count = random.nextInt(40);
                    int at = 0;
                    for (int i = 0; i < count; i++)
                    {
                        // keys 60..69 were never written: absent
                        names[i] = key(random.nextInt(70));
                        keys.putBytes(at, b(names[i]));
                        offsets[i] = at;
                        lengths[i] = names[i].length();
                        at += lengths[i];
                    }
                    final long readVersion = 1 + random.nextInt((int)version + 1);
                    // phase 0: not cached, the store serves; phase 1: epoch 1 is cached, epoch 9 goes to the store.
                    final long epoch = phase == 1 && random.nextBoolean() ? 1 : 9;
                    final int end = reader.multiGet(1, epoch, readVersion, keys, offsets, lengths, count, dst, 0,
                        valueOffsets, valueLengths);
                    assertEquals(phase == 1 && epoch == 1 ? SnapshotStatus.OK : phase == 0 ?
                        SnapshotStatus.NOT_CACHED : SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
                    int packed = 0;
                    for (int i = 0; i < count; i++)
                    {
                        final byte[] expected = h.expected(names[i], readVersion);
                        final String what = names[i] + " at " + readVersion + " epoch " + epoch + " phase " + phase;
                        assertArrayEquals(expected, reader.get(1, epoch, readVersion, b(names[i])), what);
                        if (expected == null)
                        {
                            assertEquals(-1, valueLengths[i], what);
                            continue;
                        }
                        assertEquals(expected.length, valueLengths[i], what);
                        assertEquals(packed, valueOffsets[i], what);
                        final byte[] got = new byte[expected.length];
                        dst.getBytes(valueOffsets[i], got);
                        assertArrayEquals(expected, got, what);
                        packed += expected.length;
                    }
                    assertEquals(packed, end);
                }
            }
        }
        finally
        {
            h.close();
        }
    }
}
