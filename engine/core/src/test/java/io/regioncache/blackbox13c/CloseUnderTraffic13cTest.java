package io.regioncache.blackbox13c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README "Reliability": "Every future completes ... queued commands complete CLOSED at close"; "Evictions are
 * accounted from every state ... after close, timed evictions = counted evictions"; "Zero bytes in use after close (no
 * snapshot left open past closeTimeoutMillis)". Through the public API only: two host threads pour random (often
 * stale, sometimes malformed) loads, writes, evictions of every reason, splits, compactions, enable/disable and safe
 * points into a dedicated apply thread with real loader and GC executors, a reader opens and closes snapshots, and
 * close() comes while commands are still queued. Randomized: the seed is printed.
 */
class CloseUnderTraffic13cTest
{
    private static byte[] key(final int i)
    {
        return String.format("k%04d", i).getBytes(US_ASCII);
    }

    @Test
    @Timeout(120)
    void closeUnderTrafficCompletesEveryFutureTimesEveryEvictionAndFreesEveryByte() throws Exception
    {
        for (int round = 0; round < 3; round++)
        {
            final long seed = System.nanoTime() + round;
            System.out.println("CloseUnderTraffic13cTest seed " + seed);
            runOnce(seed);
        }
    }

    private static void runOnce(final long seed) throws Exception
    {
        final int keys = 400;
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < keys; i++)
        {
            store.put(key(i), 1, ("v" + i).getBytes(US_ASCII));
        }
        final ExecutorService loaders = Executors.newFixedThreadPool(2);
        final ExecutorService gc = Executors.newSingleThreadExecutor();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(4L << 20)
            .segmentSize(1 << 16).threading(RegionCacheConfig.Threading.DEDICATED_THREAD).backingStore(store)
            .loaderExecutor(loaders).gcExecutor(gc).closeTimeoutMillis(5_000).maxKeyLength(64)
            .maxValueLength(1024).build());
        final ConcurrentLinkedQueue<CompletableFuture<CommandResult>> futures = new ConcurrentLinkedQueue<>();
        final AtomicLong version = new AtomicLong(1);
        final AtomicLong nextId = new AtomicLong(100);
        final AtomicBoolean stopReads = new AtomicBoolean();
        final EvictReason[] reasons = EvictReason.values();
        final List<Thread> hosts = new ArrayList<>();
        final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 2; t++)
        {
            final SplittableRandom rnd = new SplittableRandom(seed * 31 + t);
            hosts.add(new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < 4_000; i++)
                    {
                        final long id = 1 + rnd.nextInt(6);
                        final long epoch = 1 + rnd.nextInt(3);
                        final int lo = rnd.nextInt(keys - 2);
                        final int hi = Math.min(keys, lo + 2 + rnd.nextInt(120));
                        final int op = rnd.nextInt(100);
                        final CompletableFuture<CommandResult> f;
                        if (op < 15)
                        {
                            f = cache.loadRegion(new Region(id, key(lo), rnd.nextInt(8) == 0 ? new byte[0] : key(hi),
                                epoch));
                        }
                        else if (op < 60)
                        {
                            final WriteBatch b = new WriteBatch(id, epoch, version.incrementAndGet());
                            final int n = 1 + rnd.nextInt(4);
                            for (int k = 0; k < n; k++)
                            {
                                if (rnd.nextInt(10) == 0)
                                {
                                    b.delete(key(rnd.nextInt(keys)));
                                }
                                else
                                {
                                    b.put(key(rnd.nextInt(keys)), new byte[rnd.nextInt(200)]);
                                }
                            }
                            f = cache.write(b);
                        }
                        else if (op < 72)
                        {
                            f = cache.evict(id, reasons[rnd.nextInt(reasons.length)]);
                        }
                        else if (op < 80)
                        {
                            f = cache.split(id, epoch, new byte[][] {key(lo + 1)}, new long[] {nextId.incrementAndGet()},
                                epoch + 1);
                        }
                        else if (op < 86)
                        {
                            f = cache.compact(id);
                        }
                        else if (op < 90)
                        {
                            f = cache.setEnabled(rnd.nextInt(4) != 0);
                        }
                        else if (op < 95)
                        {
                            f = cache.advanceSafePoint(Math.max(0, version.get() - rnd.nextInt(50)));
                        }
                        else
                        {
                            f = cache.write(new WriteBatch(-id, epoch, -1)); // malformed: answered at the call
                        }
                        futures.add(f);
                    }
                }
                catch (final Throwable ex)
                {
                    errors.add(ex);
                }
            }, "host-" + t));
        }
        final Thread reader = new Thread(() ->
        {
            final SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EED);
            final Snapshot s = cache.newSnapshot();
            try
            {
                while (!stopReads.get())
                {
                    if (s.open(1 + rnd.nextInt(6), 1 + rnd.nextInt(3), version.get()) == SnapshotStatus.OK)
                    {
                        try
                        {
                            s.get(key(rnd.nextInt(keys)));
                        }
                        catch (final IllegalArgumentException outsideTheRegion)
                        {
                            // documented: a key outside the snapshot's region is refused at the call
                        }
                        finally
                        {
                            s.close();
                        }
                    }
                }
            }
            catch (final Throwable ex)
            {
                errors.add(ex);
            }
        }, "reader");
        reader.start();
        hosts.forEach(Thread::start);
        for (final Thread h : hosts)
        {
            h.join(60_000);
        }
        stopReads.set(true);
        reader.join(60_000);
        final int queuedAtClose = cache.queueDepth();
        cache.close();
        long notDone = futures.stream().filter(f -> !f.isDone()).count();
        assertEquals(0, notDone, "futures not complete when close() returned (queue depth at close " + queuedAtClose +
            "), seed " + seed);
        assertTrue(errors.isEmpty(), "host threads threw: " + errors + ", seed " + seed);
        final Map<String, Number> m = cache.metrics().values();
        long counted = 0;
        for (final EvictReason r : reasons)
        {
            counted += m.get("evictions." + r).longValue();
        }
        assertEquals(counted, m.get("evict.count").longValue(), "timed evictions = counted evictions, seed " + seed +
            ": " + m);
        assertEquals(0, cache.memoryInUse(), "zero bytes in use after close, seed " + seed);
        loaders.shutdown();
        gc.shutdown();
        assertTrue(loaders.awaitTermination(30, TimeUnit.SECONDS) && gc.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(m, cache.metrics().values(), "nothing changes after close, seed " + seed);
        System.out.println("CloseUnderTraffic13cTest seed " + seed + ": " + futures.size() + " futures, queue depth " +
            "at close " + queuedAtClose + ", evictions " + counted);
    }
}
