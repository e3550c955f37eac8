package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.SnapshotUnavailableException;
import io.regioncache.WriteBatch;

/** The default (dedicated apply thread) engine, as the README's example builds it. */
class DedicatedThreadBlackBoxTest
{
    /** README 836: every command's future always completes, also when close() races with submitters. */
    @Test
    void everyFutureCompletesWhenCloseRacesSubmitters() throws Exception
    {
        for (int round = 0; round < 5; round++)
        {
            final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(64L << 20)
                .commandQueueCapacity(64).build());
            assertEquals(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)).get(10, TimeUnit.SECONDS).code());
            final ConcurrentLinkedQueue<CompletableFuture<CommandResult>> all = new ConcurrentLinkedQueue<>();
            final AtomicBoolean stop = new AtomicBoolean();
            final CountDownLatch started = new CountDownLatch(2);
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final int id = t;
                final Thread th = new Thread(() ->
                {
                    started.countDown();
                    long v = 1;
                    while (!stop.get())
                    {
                        all.add(cache.write(new WriteBatch(1, 1, id * 1_000_000_000L + v++).put(b("k" + id), b("v"))));
                        all.add(cache.advanceSafePoint(0));
                        if (all.size() > 200_000)
                        {
                            break;
                        }
                    }
                });
                th.start();
                threads.add(th);
            }
            started.await();
            while (all.size() < 2_000)
            {
                Thread.onSpinWait();
            }
            cache.close();
            stop.set(true);
            for (final Thread th : threads)
            {
                th.join();
            }
            for (final CompletableFuture<CommandResult> f : all)
            {
                final CommandResult r = f.get(10, TimeUnit.SECONDS);
                assertTrue(r.code() != ResultCode.INTERNAL_ERROR, r.toString());
            }
            assertEquals(ResultCode.CLOSED, cache.write(new WriteBatch(1, 1, 5).put(b("c"), b("v"))).get().code());
            assertEquals(SnapshotStatus.CLOSED, cache.newSnapshot().open(1, 1, 5));
            final SnapshotUnavailableException e = assertThrows(SnapshotUnavailableException.class,
                () -> cache.snapshot(1, 1, 5));
            assertEquals(SnapshotStatus.CLOSED, e.status());
        }
    }
}
