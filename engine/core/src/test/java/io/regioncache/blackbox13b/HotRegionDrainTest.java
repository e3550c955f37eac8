package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotUnavailableException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b, README 1223-1226: "A retired record admits no new pins, so even the hottest region's old tables drain and
 * are freed." Readers hold a pin at every instant (hand over hand: the next snapshot opens before the previous closes)
 * while the region is compacted (successor swap) and then evicted; the retired records must still drain.
 */
class HotRegionDrainTest
{
    private static boolean poll(final BooleanSupplier cond, final long timeoutMillis)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!cond.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
        return true;
    }

    @Test
    void handOverHandReadersDoNotKeepRetiredRecordsAlive() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        final AtomicBoolean stop = new AtomicBoolean();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong reads = new AtomicLong();
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).closeTimeoutMillis(5_000)))
        {
            final Region region = new Region(1, b("a"), b("z"), 5);
            assertEquals(ResultCode.OK, e.await(e.createRegion(region)).code());
            for (int v = 1; v <= 50; v++)
            {
                assertEquals(ResultCode.OK, e.await(e.write(new WriteBatch(1, 5, v).put(b("k"), b("v" + v)))).code());
            }
            final CountDownLatch started = new CountDownLatch(2);
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                fs.add(pool.submit(() ->
                {
                    Snapshot held = null;
                    boolean counted = false;
                    try
                    {
                        while (!stop.get())
                        {
                            Snapshot next = null;
                            try
                            {
                                next = e.cache().snapshot(1, 5, 50);
                            }
                            catch (final SnapshotUnavailableException ex)
                            {
                                // evicted: fine
                            }
                            if (next != null)
                            {
                                final String got = s(next.get(b("k")));
                                if (!"v50".equals(got))
                                {
                                    failures.add("read " + got);
                                }
                                reads.incrementAndGet();
                            }
                            if (held != null)
                            {
                                held.close();
                            }
                            held = next;
                            if (!counted)
                            {
                                counted = true;
                                started.countDown();
                            }
                        }
                    }
                    finally
                    {
                        if (held != null)
                        {
                            held.close();
                        }
                    }
                    return null;
                }));
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            final long before = e.cache().metrics().get("transitions.made.ACTIVE->RETIRED");
            final CommandResult c = e.await(e.cache().compact(1));
            assertEquals(ResultCode.OK, c.code(), c::toString);
            assertTrue(poll(() -> e.cache().metrics().get("transitions.made.ACTIVE->RETIRED") > before, 10_000),
                "the compaction swapped: " + e.cache().metrics());
            assertTrue(poll(() -> e.cache().metrics().get("regions.draining") == 0, 10_000),
                "the retired record drains while readers keep pins: draining=" + e.cache().metrics().get("regions.draining"));
            final long readsMid = reads.get();
            assertEquals(ResultCode.OK, e.await(e.evict(1, EvictReason.MANUAL)).code());
            assertTrue(poll(() -> e.cache().memoryInUse() == 0, 10_000), "the evicted table is freed: " + e.cache().memoryInUse());
            stop.set(true);
            for (final Future<?> f : fs)
            {
                f.get(10, TimeUnit.SECONDS);
            }
            assertTrue(failures.isEmpty(), failures::toString);
            assertTrue(readsMid > 0);
        }
        finally
        {
            stop.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
