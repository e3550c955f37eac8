package io.regioncache.internal.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentPoolTest
{
    private static final int SEG = 4096;

    @Test
    void rejectsBadArguments()
    {
        assertThrows(IllegalArgumentException.class, () -> new SegmentPool(3000, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new SegmentPool(0, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new SegmentPool(32, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new SegmentPool(SEG, -1));
        try (SegmentPool pool = new SegmentPool(SEG, 1 << 20))
        {
            assertThrows(IllegalArgumentException.class, () -> pool.tryAcquireLarge(0));
            assertThrows(IllegalArgumentException.class, () -> pool.setCapacity(-5));
            assertThrows(IllegalArgumentException.class, () -> pool.release(new UnsafeBuffer(new byte[SEG])));
        }
    }

    @Test
    void acquireReleaseAccounting()
    {
        try (SegmentPool pool = new SegmentPool(SEG, 3L * SEG))
        {
            final UnsafeBuffer a = pool.tryAcquire();
            final UnsafeBuffer b = pool.tryAcquire();
            assertEquals(SEG, a.capacity());
            assertEquals(2L * SEG, pool.bytesInUse());
            assertEquals(2, pool.segmentsInUse());
            assertNull(pool.tryAcquireLarge(SEG + 1), "would exceed cap");
            final UnsafeBuffer c = pool.tryAcquire();
            assertNotNull(c);
            assertNull(pool.tryAcquire(), "cap reached");
            assertEquals(3L * SEG, pool.bytesInUse());

            a.putLong(0, 0xDEADBEEFL);
            a.putLong(SEG - 8, 42);
            pool.release(a);
            assertEquals(2L * SEG, pool.bytesInUse());
            final UnsafeBuffer recycled = pool.tryAcquire();
            assertSame(a, recycled, "recycled from the free list");
            assertEquals(0, recycled.getLong(0), "recycled segments are zeroed");
            assertEquals(0, recycled.getLong(SEG - 8));

            pool.release(recycled);
            pool.release(b);
            pool.release(c);
            assertEquals(0, pool.bytesInUse());
            assertEquals(0, pool.segmentsInUse());
        }
    }

    @Test
    void largeBuffersAreChargedAndNotTakenForSegments()
    {
        try (SegmentPool pool = new SegmentPool(SEG, 10L * SEG))
        {
            final UnsafeBuffer large = pool.tryAcquireLarge(3 * SEG + 8);
            assertEquals(3 * SEG + 8, large.capacity());
            assertEquals(3L * SEG + 8, pool.bytesInUse());
            assertEquals(0, pool.segmentsInUse());
            pool.release(large);
            assertEquals(0, pool.bytesInUse());
            assertEquals(0, pool.freeSegments());

            final UnsafeBuffer segmentSized = pool.tryAcquireLarge(SEG);
            assertEquals(1, pool.segmentsInUse());
            pool.release(segmentSized);
            assertEquals(0, pool.segmentsInUse());
            assertEquals(0, pool.bytesInUse());
        }
    }

    @Test
    void releasedLargeBuffersAreReusedZeroedWithinTheirBound()
    {
        // The bound: as many bytes as the segment free list may hold (4 segments here).
        try (SegmentPool pool = new SegmentPool(SEG, 100L * SEG, 4))
        {
            final UnsafeBuffer large = pool.tryAcquireLarge(2 * SEG);
            large.setMemory(0, 2 * SEG, (byte)0x5A);
            pool.release(large);
            assertEquals(0, pool.bytesInUse());
            assertEquals(2L * SEG, pool.freeLargeBytes());

            final UnsafeBuffer other = pool.tryAcquireLarge(3 * SEG);
            assertNotSame(large, other, "another size is a fresh buffer");
            final UnsafeBuffer again = pool.tryAcquireLarge(2 * SEG);
            assertSame(large, again, "the same size is the kept buffer");
            assertEquals(0, pool.freeLargeBytes());
            for (int i = 0; i < 2 * SEG; i += 8)
            {
                assertEquals(0L, again.getLong(i), "zeroed at " + i);
            }
            assertEquals(5L * SEG, pool.bytesInUse(), "charged like a fresh one");

            final UnsafeBuffer big = pool.tryAcquireLarge(3 * SEG);
            pool.release(again);
            pool.release(big); // 2 + 3 segments' worth would pass the bound of 4: dropped
            assertEquals(2L * SEG, pool.freeLargeBytes());
            pool.release(other);
            assertEquals(0, pool.bytesInUse());
            pool.close();
            assertEquals(0, pool.freeLargeBytes(), "close drops the kept buffers");
        }
    }

    @Test
    void capacityCanChangeAtRuntime()
    {
        try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE))
        {
            final UnsafeBuffer a = pool.tryAcquire();
            final UnsafeBuffer b = pool.tryAcquire();
            pool.setCapacity(SEG);
            assertEquals(SEG, pool.capacity());
            assertNull(pool.tryAcquire(), "below use: refuse");
            pool.release(a);
            assertNull(pool.tryAcquire(), "still at cap");
            pool.release(b);
            final UnsafeBuffer c = pool.tryAcquire();
            assertNotNull(c);
            pool.release(c);
            assertEquals(0, pool.bytesInUse());
        }
    }

    @Test
    void freeListIsBounded()
    {
        try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE, 2))
        {
            final List<UnsafeBuffer> held = new ArrayList<>();
            for (int i = 0; i < 10; i++)
            {
                held.add(pool.tryAcquire());
            }
            held.forEach(pool::release);
            assertTrue(pool.freeSegments() <= 2, "free list bound");
            assertEquals(0, pool.bytesInUse());
            pool.close();
            assertEquals(0, pool.freeSegments());
        }
    }

    @Test
    void concurrentAcquireNeverExceedsCap() throws Exception
    {
        final int threads = 4;
        final long cap = 64L * SEG + 1000;
        try (SegmentPool pool = new SegmentPool(SEG, cap, 16))
        {
            final AtomicLong maxObserved = new AtomicLong();
            final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int seed = t;
                final Thread worker = new Thread(() ->
                {
                    try
                    {
                        start.await();
                        final List<UnsafeBuffer> mine = new ArrayList<>();
                        final java.util.Random random = new java.util.Random(seed);
                        for (int i = 0; i < 20_000; i++)
                        {
                            if (random.nextInt(3) != 0)
                            {
                                final UnsafeBuffer b = random.nextBoolean() ?
                                    pool.tryAcquire() : pool.tryAcquireLarge(1 + random.nextInt(2 * SEG));
                                if (null != b)
                                {
                                    mine.add(b);
                                }
                            }
                            else if (!mine.isEmpty())
                            {
                                pool.release(mine.remove(mine.size() - 1));
                            }
                            final long used = pool.bytesInUse();
                            maxObserved.accumulateAndGet(used, Math::max);
                            if (used > cap)
                            {
                                throw new AssertionError("cap exceeded: " + used);
                            }
                        }
                        mine.forEach(pool::release);
                    }
                    catch (final Throwable ex)
                    {
                        errors.add(ex);
                    }
                });
                workers.add(worker);
                worker.start();
            }
            start.countDown();
            for (final Thread worker : workers)
            {
                worker.join();
            }
            assertTrue(errors.isEmpty(), () -> "errors: " + errors);
            assertTrue(maxObserved.get() <= cap);
            assertTrue(maxObserved.get() > cap - 2L * SEG, "cap was actually approached");
            assertTrue(pool.peakBytesInUse() >= maxObserved.get(), "the peak counts every charge a sample saw");
            assertTrue(pool.peakBytesInUse() <= cap, "the peak never passes the cap");
            assertEquals(0, pool.bytesInUse());
            assertEquals(0, pool.segmentsInUse());
        }
    }

    @Test
    void thePeakIsTheHighWaterMarkOfEveryCharge()
    {
        try (SegmentPool pool = new SegmentPool(SEG, 8L * SEG))
        {
            assertEquals(0, pool.peakBytesInUse(), "nothing charged yet");
            final UnsafeBuffer a = pool.tryAcquire();
            final UnsafeBuffer b = pool.tryAcquire();
            assertEquals(2L * SEG, pool.peakBytesInUse());
            pool.release(a);
            pool.release(b);
            assertEquals(0, pool.bytesInUse());
            assertEquals(2L * SEG, pool.peakBytesInUse(), "a release does not lower the peak");
            final UnsafeBuffer recycled = pool.tryAcquire(); // from the free list: charged all the same
            assertEquals(2L * SEG, pool.peakBytesInUse(), "below the high: unchanged");
            final UnsafeBuffer large = pool.tryAcquireLarge(3 * SEG + 100);
            assertEquals(4L * SEG + 100, pool.peakBytesInUse(), "a large buffer counts as it is charged");
            assertNull(pool.tryAcquireLarge(5 * SEG), "over the cap");
            assertEquals(4L * SEG + 100, pool.peakBytesInUse(), "a refused charge does not count");
            pool.release(large);
            pool.release(recycled);
            pool.setCapacity(SEG);
            assertEquals(4L * SEG + 100, pool.peakBytesInUse(), "lowering the cap keeps the high that was reached");
        }
    }

    @Test
    void racingChargersLeaveThePeakAtWhatWasHeldAtOnce() throws Exception
    {
        final int threads = 4;
        final int each = 32;
        for (int round = 0; round < 20; round++)
        {
            try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE))
            {
                final CountDownLatch start = new CountDownLatch(1);
                final CountDownLatch allHeld = new CountDownLatch(threads);
                final CountDownLatch releaseNow = new CountDownLatch(1);
                final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
                final List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++)
                {
                    final Thread worker = new Thread(() ->
                    {
                        try
                        {
                            start.await();
                            final List<UnsafeBuffer> mine = new ArrayList<>();
                            for (int i = 0; i < each; i++)
                            {
                                mine.add(pool.tryAcquire());
                            }
                            allHeld.countDown();
                            releaseNow.await();
                            mine.forEach(pool::release);
                        }
                        catch (final Throwable ex)
                        {
                            errors.add(ex);
                        }
                    });
                    workers.add(worker);
                    worker.start();
                }
                start.countDown();
                allHeld.await();
                // every segment is held at once here, and every charge raised the peak before it returned
                assertEquals((long)threads * each * SEG, pool.peakBytesInUse(), "round " + round);
                releaseNow.countDown();
                for (final Thread worker : workers)
                {
                    worker.join();
                }
                assertTrue(errors.isEmpty(), () -> "errors: " + errors);
                assertEquals(0, pool.bytesInUse());
                assertEquals((long)threads * each * SEG, pool.peakBytesInUse(), "round " + round);
            }
        }
    }
}
