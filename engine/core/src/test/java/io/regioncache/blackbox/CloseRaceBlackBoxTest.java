package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** close() racing writers, readers and another close(). */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CloseRaceBlackBoxTest
{
    /**
     * Writers and snapshot readers on several threads while close() runs: every future completes (OK or CLOSED),
     * every snapshot that opens reads a value the writer wrote, and once every reader closed its snapshot within
     * the timeout, zero bytes are in use.
     */
    @Test
    void closeRacingWritersAndReaders() throws Exception
    {
        for (int round = 0; round < 10; round++)
        {
            final RegionCache cache = RegionCache.create(BB.dedicated().closeTimeoutMillis(5_000).build());
            expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            expect(cache, ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            final ConcurrentLinkedQueue<CompletableFuture<CommandResult>> futures = new ConcurrentLinkedQueue<>();
            final AtomicReference<Throwable> error = new AtomicReference<>();
            final CountDownLatch started = new CountDownLatch(4);
            final List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 2; w++)
            {
                final long id = w + 1;
                final byte[] key = b(id == 1 ? "c" : "p");
                threads.add(new Thread(() ->
                {
                    started.countDown();
                    for (long v = 1; !cache.isClosed() || v < 50; v++)
                    {
                        final CompletableFuture<CommandResult> f =
                            cache.write(new WriteBatch(id, 1, v).put(key, b("v" + v)));
                        futures.add(f);
                        if (f.isDone() && f.join().code() == ResultCode.CLOSED)
                        {
                            break;
                        }
                        if (f.isDone() && f.join().code() == ResultCode.QUEUE_FULL)
                        {
                            LockSupport.parkNanos(10_000);
                        }
                    }
                }, "writer-" + w));
            }
            final Set<SnapshotStatus> allowed = EnumSet.of(SnapshotStatus.OK, SnapshotStatus.CLOSED,
                SnapshotStatus.EVICTING, SnapshotStatus.NOT_CACHED);
            for (int r = 0; r < 2; r++)
            {
                final long id = r + 1;
                final byte[] key = b(id == 1 ? "c" : "p");
                threads.add(new Thread(() ->
                {
                    started.countDown();
                    final Snapshot s = cache.newSnapshot();
                    try
                    {
                        while (true)
                        {
                            final SnapshotStatus st = s.open(id, 1, Long.MAX_VALUE);
                            if (!allowed.contains(st))
                            {
                                throw new AssertionError("open " + st);
                            }
                            if (st == SnapshotStatus.CLOSED)
                            {
                                break;
                            }
                            if (st == SnapshotStatus.OK)
                            {
                                final byte[] v = s.get(key);
                                if (v != null && !new String(v, StandardCharsets.US_ASCII).matches("v[0-9]+"))
                                {
                                    throw new AssertionError("read " + new String(v, StandardCharsets.US_ASCII));
                                }
                                s.close();
                            }
                        }
                    }
                    catch (final Throwable t)
                    {
                        error.compareAndSet(null, t);
                    }
                    finally
                    {
                        s.dispose();
                    }
                }, "reader-" + r));
            }
            threads.forEach(Thread::start);
            started.await();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20 + round * 5));
            cache.close();
            for (final Thread t : threads)
            {
                t.join(20_000);
                assertTrue(!t.isAlive(), t.getName() + " finished");
            }
            if (error.get() != null)
            {
                throw new AssertionError(error.get());
            }
            for (final CompletableFuture<CommandResult> f : futures)
            {
                final CommandResult r = f.get(10, TimeUnit.SECONDS);
                assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.CLOSED ||
                    r.code() == ResultCode.QUEUE_FULL, r::toString);
            }
            assertEquals(0, cache.memoryInUse(), "round " + round + ": zero bytes after close");
        }
    }

    /**
     * README: "Zero bytes in use after close (no snapshot left open past closeTimeoutMillis)": two threads close the
     * cache at once while a snapshot stays open for a while (well within the timeout). Each close() that returns
     * must leave the cache closed and its memory given back.
     */
    @Test
    void aSecondConcurrentCloseReturnsOnlyWhenTheCacheIsClosed() throws Exception
    {
        final RegionCache cache = RegionCache.create(BB.dedicated().closeTimeoutMillis(10_000).build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        final Thread first = new Thread(cache::close, "first-close");
        first.start();
        assertTrue(BB.poll(null, 20_000, cache::isClosed));
        final long before = System.nanoTime();
        final CompletableFuture<Long> second = CompletableFuture.supplyAsync(() ->
        {
            cache.close();
            return cache.memoryInUse();
        });
        // the reader keeps its snapshot 500 ms more, then closes it (within the 10 s timeout)
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        final boolean secondReturnedEarly = second.isDone();
        s.close();
        final long memAfterSecond = second.get(20, TimeUnit.SECONDS);
        first.join(20_000);
        assertEquals(0, cache.memoryInUse(), "zero bytes once the snapshot closed");
        if (secondReturnedEarly)
        {
            fail("a second close() returned after " + (System.nanoTime() - before) / 1_000_000 +
                " ms while the first was still waiting for the open snapshot; memory in use then: " + memAfterSecond);
        }
    }
}
