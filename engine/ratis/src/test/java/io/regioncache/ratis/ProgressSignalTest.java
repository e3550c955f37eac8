package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The signal the Ratis tests and the merge's apply wait on: no lost wake-up, no waiter left behind. */
class ProgressSignalTest
{
    @Test
    @Timeout(10)
    void aConditionAlreadyTrueReturnsAtOnceAndAFalseOneTimesOut() throws Exception
    {
        final ProgressSignal s = new ProgressSignal();
        assertTrue(s.await(() -> true, 60_000));
        final long t0 = System.nanoTime();
        assertFalse(s.await(() -> false, 50));
        assertTrue(System.nanoTime() - t0 >= 50_000_000L, "waited out the timeout");
        assertEquals(0, s.waiting(), "the waiter unregistered");
    }

    /**
     * A writer bumps a counter and signals, over and over; the waiter waits for each next value with a one-minute
     * timeout. A lost wake-up (a signal between the waiter's check and its wait) would stall it until the test's
     * timeout.
     */
    @Test
    @Timeout(30)
    void everyChangeWakesTheWaiter() throws Exception
    {
        final ProgressSignal s = new ProgressSignal();
        final AtomicLong value = new AtomicLong();
        final int rounds = 20_000;
        final Thread writer = new Thread(() ->
        {
            for (int i = 0; i < rounds; i++)
            {
                value.incrementAndGet();
                s.signal();
            }
        }, "writer");
        writer.start();
        for (long want = 1; want <= rounds; want++)
        {
            final long w = want;
            assertTrue(s.await(() -> value.get() >= w, 60_000), "value " + w);
        }
        writer.join();
        assertEquals(0, s.waiting());
    }

    @Test
    @Timeout(30)
    void aWaitOnSeveralSignalsEndsOnAnyOfThem() throws Exception
    {
        final ProgressSignal a = new ProgressSignal();
        final ProgressSignal b = new ProgressSignal();
        final AtomicLong value = new AtomicLong();
        final CountDownLatch waiting = new CountDownLatch(1);
        final Thread t = new Thread(() ->
        {
            try
            {
                // The waiter registers on both before it first evaluates its condition; then signal only b.
                waiting.await();
                value.set(1);
                b.signal();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "signaller");
        t.start();
        assertTrue(ProgressSignal.await(List.of(a, b), () ->
        {
            waiting.countDown();
            return value.get() == 1;
        }, 60_000));
        t.join();
        assertEquals(0, a.waiting());
        assertEquals(0, b.waiting());
    }
}
