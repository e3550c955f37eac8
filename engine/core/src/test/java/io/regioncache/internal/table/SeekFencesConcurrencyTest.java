package io.regioncache.internal.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.regioncache.internal.memory.SegmentPool;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Reader threads search for absent keys while the writer grows the table: first in key order (every tall node appended
 * to the seek fences, the fences' arrays copied as they fill and published again), then into gaps between the keys
 * already there (fences no longer complete, built again when the keys double). Every search must land exactly on the
 * key the model names: the key after the absent one, published before the search began, with nothing ever written
 * between the two. An entry published before it was written, or a copy published before its new entry, sends a search
 * from a wrong node or from NULL, and the check or the read fails. Seed printed on failure
 * ({@code -Dregioncache.seed=...}).
 */
class SeekFencesConcurrencyTest
{
    private static final int KEYS = 150_000;
    private static final byte[] COMMON = {'t', 'b', 'l', '_'};

    /** Key {@code i}: the common prefix and {@code 2 * i} big-endian; 12 bytes. */
    private static byte[] key(final long i)
    {
        final byte[] k = Arrays.copyOf(COMMON, COMMON.length + 8);
        new UnsafeBuffer(k).putLong(COMMON.length, 2 * i, ByteOrder.BIG_ENDIAN);
        return k;
    }

    @Test
    void searchesRacingTheWriterLandOnTheKeyTheModelNames() throws Exception
    {
        final String forced = System.getProperty("regioncache.seed");
        final long seed = null == forced ? System.nanoTime() : Long.parseLong(forced);
        try
        {
            run(seed);
        }
        catch (final Throwable ex)
        {
            throw new AssertionError("FAILED with seed " + seed + " (rerun with -Dregioncache.seed=" + seed + ")", ex);
        }
    }

    private static void run(final long seed) throws Exception
    {
        final MvccTable table = new MvccTable(new SegmentPool(1 << 20, Long.MAX_VALUE), 32);
        final byte[] value = {7};
        /** Keys 0 .. published - 1 are in the table (written before this counter's release). */
        final AtomicLong published = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong searches = new AtomicLong();
        final AtomicLong fromFences = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        final Thread[] readers = new Thread[2];
        for (int t = 0; t < readers.length; t++)
        {
            final SplittableRandom random = new SplittableRandom(seed + t);
            readers[t] = new Thread(() ->
            {
                final UnsafeBuffer sought = new UnsafeBuffer(new byte[0]);
                final UnsafeBuffer found = new UnsafeBuffer(new byte[0]);
                try
                {
                    while (done.getCount() > 0)
                    {
                        final long n = published.get();
                        if (n < 3) // an even j in [2, n) needs n >= 3 (the draw's bound, (n - 1) / 2, is then >= 1)
                        {
                            Thread.onSpinWait();
                            continue;
                        }
                        // an absent key right before key j, after key j - 1 (odd: no gap key is ever written after it)
                        final long j = 2 * (1 + random.nextLong((n - 1) / 2));
                        if (j >= n)
                        {
                            continue;
                        }
                        final byte[] before = Arrays.copyOf(key(j - 1), 13);
                        sought.wrap(before);
                        final long node = table.findGreaterOrEqual(sought, 0, before.length, Long.MAX_VALUE);
                        assertTrue(NodeLayout.NULL != node, "nothing found after key " + (j - 1));
                        table.wrapKey(node, found);
                        final byte[] got = new byte[found.capacity()];
                        found.getBytes(0, got);
                        assertEquals(Arrays.toString(key(j)), Arrays.toString(got), "the key after key " + (j - 1));
                        searches.incrementAndGet();
                        if (table.seekFenceCount() > 0)
                        {
                            fromFences.incrementAndGet();
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            });
            readers[t].start();
        }
        try
        {
            // in key order: appends
            for (long i = 0; i < KEYS; i++)
            {
                assertEquals(MvccTable.OK, table.put(key(i), 1, value));
                published.lazySet(i + 1);
            }
            // into gaps after even keys only: the fences stop being complete and are built again as the keys double
            final SplittableRandom random = new SplittableRandom(seed ^ 0x5EED);
            for (int g = 0; g < 2 * KEYS && null == failure.get(); g++)
            {
                final byte[] k = Arrays.copyOf(key(2 * random.nextLong(KEYS / 2)), 14);
                k[12] = (byte)(1 + random.nextInt(255));
                k[13] = (byte)random.nextInt(256);
                final int r = table.put(k, 1, value);
                assertTrue(MvccTable.OK == r || MvccTable.DUPLICATE == r, "gap put: " + r);
            }
        }
        finally
        {
            done.countDown();
            for (final Thread reader : readers)
            {
                reader.join();
            }
        }
        if (null != failure.get())
        {
            throw new AssertionError(failure.get());
        }
        assertTrue(searches.get() > 1_000, "searches: " + searches.get());
        assertTrue(fromFences.get() > 100, "searches with fences: " + fromFences.get());
        assertTrue(table.seekFenceCount() > 0);
        table.free();
    }
}
