package io.regioncache;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.jctools.queues.MpscArrayQueue;
import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ApplyThreadWake} with real threads: an idle loop parked for a whole minute must come back as soon as work is
 * queued and {@link ApplyThreadWake#wake} called, so a lost wake-up shows as a stall the test's deadline catches (the
 * engine's 1 ms park would hide it). The ordering argument itself is checked by the jcstress pair
 * {@code ApplyThreadWakeTest} and {@code ApplyThreadWakeReleaseOfferTest}.
 */
class ApplyThreadWakeRaceTest
{
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    @Test
    void aParkedLoopWakesAtOnceWhenWorkIsQueued() throws Exception
    {
        final MpscArrayQueue<Integer> queue = new MpscArrayQueue<>(16);
        final ApplyThreadWake wake = new ApplyThreadWake(() -> !queue.isEmpty(), MINUTE);
        final AtomicLong taken = new AtomicLong();
        final Thread consumer = startConsumer(queue, wake, taken, 1);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(wake.parking() && LockSupport.getBlocker(consumer) == wake) && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertTrue(wake.parking(), "the idle loop never parked");
        queue.offer(1);
        wake.wake();
        consumer.join(10_000);
        assertFalse(consumer.isAlive(), "a parked loop was not woken by the work queued");
        assertEquals(1, taken.get());
    }

    /**
     * Two submitters and one consumer, 20,000 items with random pauses, some long enough for the consumer to reach its
     * park: each item is offered and then the consumer woken, as the engine's queues do. Every item must be taken well
     * within the deadline; one lost wake-up costs a minute.
     */
    @Test
    void submittersRacingTheParkNeverLeaveWorkBehind() throws Exception
    {
        final long seed = System.nanoTime();
        final int perSubmitter = 10_000;
        final MpscArrayQueue<Integer> queue = new MpscArrayQueue<>(1024);
        final ApplyThreadWake wake = new ApplyThreadWake(() -> !queue.isEmpty(), MINUTE);
        final AtomicLong takenCount = new AtomicLong();
        final Thread consumer = startConsumer(queue, wake, takenCount, 2L * perSubmitter);
        final Thread[] submitters = new Thread[2];
        for (int s = 0; s < submitters.length; s++)
        {
            final Random random = new Random(seed + s);
            submitters[s] = new Thread(() ->
            {
                for (int i = 0; i < perSubmitter; i++)
                {
                    while (!queue.offer(i))
                    {
                        Thread.onSpinWait();
                    }
                    wake.wake();
                    final int pause = random.nextInt(100);
                    if (pause < 2)
                    {
                        LockSupport.parkNanos(200_000); // long enough for the consumer to spin, yield and park
                    }
                    else if (pause < 30)
                    {
                        Thread.yield();
                    }
                }
            }, "wake-submitter-" + s);
            submitters[s].setDaemon(true);
            submitters[s].start();
        }
        // A submitter can stall too: on a full queue behind a consumer that parked with work queued.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        for (final Thread t : new Thread[] {submitters[0], submitters[1], consumer})
        {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            assertFalse(t.isAlive(), "seed " + seed + ": " + t.getName() + " stalled: work left behind a park (a " +
                "lost wake-up); taken " + takenCount.get() + " of " + 2 * perSubmitter);
        }
        assertEquals(2L * perSubmitter, takenCount.get(), "seed " + seed);
    }

    @Test
    void theDefaultEngineParksOnItsWakeAndAHostStrategyIsUsedAsGiven() throws Exception
    {
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .backingStore(new InMemoryBackingStore()).build()))
        {
            final Thread apply = applyThread(cache);
            final Object blocker = waitForBlocker(apply);
            assertTrue(blocker instanceof ApplyThreadWake, "the default apply thread parks on " + blocker);
            assertEquals(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1))
                .get(10, TimeUnit.SECONDS).code());
        }
        final BackoffIdleStrategy host = new BackoffIdleStrategy(1, 1, 1_000, 1_000_000);
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().idleStrategy(host).build()))
        {
            final Thread apply = applyThread(cache);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline)
            {
                assertFalse(LockSupport.getBlocker(apply) instanceof ApplyThreadWake);
                Thread.sleep(5);
            }
            assertSame(host, RegionCacheConfig.builder().idleStrategy(host).build().idleStrategy());
        }
    }

    /**
     * The apply thread's loop in small: take work while there is any, idle on {@code wake} when there is none, until
     * {@code expected} items were taken. A daemon, so that a failed run does not keep the test JVM alive behind a
     * minute's parks.
     */
    private static Thread startConsumer(
        final MpscArrayQueue<Integer> queue, final ApplyThreadWake wake, final AtomicLong taken, final long expected)
    {
        final Thread consumer = new Thread(() ->
        {
            while (taken.get() < expected)
            {
                final Integer work = queue.poll();
                if (null != work)
                {
                    taken.incrementAndGet();
                }
                wake.idle(null == work ? 0 : 1);
            }
        }, "wake-consumer");
        consumer.setDaemon(true);
        consumer.start();
        return consumer;
    }

    private static Object waitForBlocker(final Thread apply) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Object blocker = null;
        while (System.nanoTime() < deadline && null == (blocker = LockSupport.getBlocker(apply)))
        {
            Thread.sleep(1);
        }
        return blocker;
    }

    private static Thread applyThread(final RegionCache cache)
    {
        final Thread t = cache.dedicatedApplyThread();
        assertTrue(null != t, "no dedicated apply thread");
        return t;
    }
}
