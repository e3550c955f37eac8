package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

class ConcurrentHostThreadsTest
{
    private static final int REGIONS = 3;
    private static final int VERSIONS = 400;
    private static final int KEYS = 6;

    private static byte[] key(final int region, final int k)
    {
        return b((char)('a' + region) + "k" + k);
    }

    @Test
    void writersPerRegionAndReadersSeeWholeBatchesAtTheirReadVersion() throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("ConcurrentHostThreadsTest seed " + seed);
        final ExecutorService pool = Executors.newFixedThreadPool(REGIONS + 3);
        try (RegionCache cache = RegionCache.create(K.cfg().commandQueueCapacity(1 << 12).build()))
        {
            for (int i = 0; i < REGIONS; i++)
            {
                assertEquals(ResultCode.OK, r(cache.createRegion(
                    new Region(i, b(String.valueOf((char)('a' + i))), b(String.valueOf((char)('b' + i))), 1))).code());
            }
            final CountDownLatch start = new CountDownLatch(1);
            final AtomicBoolean writing = new AtomicBoolean(true);
            final AtomicLong reads = new AtomicLong();
            // Each reader counts down after its first whole read, and the writers wait for both before their second
            // half: without it, writers that finished before a reader was scheduled (2 cores, six threads) left the
            // test with no read at all ("reads > 0" failed in 1 clean-clone CI run of many).
            final CountDownLatch firstReads = new CountDownLatch(2);
            final List<Future<?>> writers = new ArrayList<>();
            for (int reg = 0; reg < REGIONS; reg++)
            {
                final int region = reg;
                writers.add(pool.submit(() ->
                {
                    start.await();
                    final List<CompletableFuture<CommandResult>> fs = new ArrayList<>();
                    for (int v = 1; v <= VERSIONS; v++)
                    {
                        if (v == VERSIONS / 2 + 1)
                        {
                            assertTrue(firstReads.await(30, TimeUnit.SECONDS), "no reader read: seed " + seed);
                        }
                        final WriteBatch w = new WriteBatch(region, 1, v);
                        for (int k = 0; k < KEYS; k++)
                        {
                            if ((v + k) % 7 == 0)
                            {
                                w.delete(key(region, k));
                            }
                            else
                            {
                                w.put(key(region, k), b(Integer.toString(v)));
                            }
                        }
                        CompletableFuture<CommandResult> f = cache.write(w);
                        while (f.isDone() && f.join().code() == ResultCode.QUEUE_FULL)
                        {
                            Thread.onSpinWait();
                            f = cache.write(w); // a refused batch is not sealed: write it again
                        }
                        fs.add(f);
                    }
                    for (final CompletableFuture<CommandResult> f : fs)
                    {
                        assertEquals(ResultCode.OK, f.get(30, TimeUnit.SECONDS).code(), "seed " + seed);
                    }
                    return null;
                }));
            }
            final List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final SplittableRandom rnd = new SplittableRandom(seed + t);
                readers.add(pool.submit(() ->
                {
                    final Snapshot s = cache.newSnapshot();
                    final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
                    final UnsafeBuffer kb = new UnsafeBuffer(new byte[0]);
                    start.await();
                    while (writing.get())
                    {
                        final int region = rnd.nextInt(REGIONS);
                        final long rv = rnd.nextBoolean() ? Long.MAX_VALUE : 1 + rnd.nextInt(VERSIONS);
                        assertEquals(SnapshotStatus.OK, s.open(region, 1, rv), "seed " + seed);
                        final long eff = s.readVersion();
                        assertTrue(eff <= rv);
                        for (int k = 0; k < KEYS; k++)
                        {
                            final byte[] key = key(region, k);
                            kb.wrap(key);
                            final int len = s.get(kb, 0, key.length, dst, 0);
                            final boolean deleted = eff == 0 || (eff + k) % 7 == 0;
                            if (deleted)
                            {
                                assertEquals(-1, len, "seed " + seed + " key " + k + " at " + eff);
                            }
                            else
                            {
                                assertTrue(len > 0, "seed " + seed + " key " + k + " at " + eff);
                                assertEquals(Long.toString(eff), dst.getStringWithoutLengthAscii(0, len),
                                    "seed " + seed + " region " + region + " key " + k);
                            }
                        }
                        final SnapshotIterator it = s.iterator();
                        int seen = 0;
                        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
                        {
                            assertEquals(eff, it.version(), "seed " + seed);
                            seen++;
                        }
                        int expected = 0;
                        for (int k = 0; k < KEYS && eff > 0; k++)
                        {
                            expected += (eff + k) % 7 == 0 ? 0 : 1;
                        }
                        assertEquals(expected, seen, "seed " + seed + " at " + eff);
                        reads.incrementAndGet();
                        firstReads.countDown();
                    }
                    s.dispose();
                    return null;
                }));
            }
            final Future<?> observer = pool.submit(() ->
            {
                start.await();
                while (writing.get())
                {
                    cache.metrics().toJson();
                    cache.regions();
                }
                return null;
            });
            start.countDown();
            for (final Future<?> f : writers)
            {
                f.get(60, TimeUnit.SECONDS);
            }
            writing.set(false);
            for (final Future<?> f : readers)
            {
                f.get(60, TimeUnit.SECONDS);
            }
            observer.get(60, TimeUnit.SECONDS);
            assertTrue(reads.get() > 0);
            assertEquals(REGIONS * VERSIONS, cache.metrics().get("results.OK") - REGIONS);
            for (int i = 0; i < REGIONS; i++)
            {
                try (Snapshot s = cache.snapshot(i, 1, Long.MAX_VALUE))
                {
                    assertEquals(VERSIONS, s.readVersion());
                }
            }
        }
        finally
        {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
