package io.regioncache;

import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.jctools.queues.MpscArrayQueue;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ApplyThreadWake} with real threads: an idle loop parked for a whole minute must come back as soon as work is
 * queued and {@link ApplyThreadWake#wake} called, so a lost wake-up shows as a stall the test's deadline catches (the
 * engine's 1 ms park would hide it). Nothing here sleeps: the submitters wait for the loop's own announcement of a
 * park (its look at the queue, (a3) of the protocol) and then queue their work into that window. The ordering
 * argument itself is checked by the jcstress pair {@code ApplyThreadWakeTest} and
 * {@code ApplyThreadWakeReleaseOfferTest}.
 */
class ApplyThreadWakeRaceTest
{
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    @Test
    void aLoopAboutToParkWakesAtOnceWhenWorkIsQueued() throws Exception
    {
        final MpscArrayQueue<Integer> queue = new MpscArrayQueue<>(16);
        final CountDownLatch announced = new CountDownLatch(1);
        final ApplyThreadWake wake = new ApplyThreadWake(() ->
        {
            announced.countDown(); // (a3): the loop has announced its park and looks for work
            return !queue.isEmpty();
        }, MINUTE);
        final AtomicLong taken = new AtomicLong();
        final Thread consumer = startConsumer(queue, wake, taken, 1);
        assertTrue(announced.await(30, TimeUnit.SECONDS), "the idle loop never went to park");
        queue.offer(1); // after its look at the queue: only the wake-up can bring it back before the minute is up
        wake.wake();
        consumer.join(10_000);
        assertFalse(consumer.isAlive(), "a parked loop was not woken by the work queued");
        assertEquals(1, taken.get());
    }

    /**
     * Two submitters and one consumer, 20,000 items: each item is offered and then the consumer woken, as the engine's
     * queues do. At random points (2 in 100 items) a submitter first waits for the consumer's next announcement of a
     * park, so that many items land right in the window between that announcement and the park. Every item must be
     * taken well within the deadline; one lost wake-up costs a minute.
     */
    @Test
    void submittersRacingTheParkNeverLeaveWorkBehind() throws Exception
    {
        final long seed = System.nanoTime();
        final int perSubmitter = 10_000;
        final MpscArrayQueue<Integer> queue = new MpscArrayQueue<>(1024);
        final AtomicLong announcements = new AtomicLong();
        final ApplyThreadWake wake = new ApplyThreadWake(() ->
        {
            announcements.incrementAndGet();
            return !queue.isEmpty();
        }, MINUTE);
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
                    final int pause = random.nextInt(100);
                    if (pause < 2)
                    {
                        awaitNextAnnouncement(announcements);
                    }
                    else if (pause < 30)
                    {
                        Thread.yield();
                    }
                    while (!queue.offer(i))
                    {
                        Thread.onSpinWait();
                    }
                    wake.wake();
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
        assertTrue(announcements.get() > 0, "seed " + seed + ": the consumer never went to park");
    }

    /**
     * The engine idles its apply thread on its own {@link ApplyThreadWake} for the builder's default, also when that
     * default is read from one config and given to another builder, and on a host's strategy as given.
     */
    @Test
    void theDefaultIsTheEnginesWokenStrategyAndAHostsIsUsedAsGiven()
    {
        final ApplyThreadWake wake = new ApplyThreadWake(() -> false);
        final RegionCacheConfig byDefault = RegionCacheConfig.builder().build();
        assertSame(wake, RegionCache.applyIdleStrategy(byDefault, wake));
        assertSame(wake, RegionCache.applyIdleStrategy(
            RegionCacheConfig.builder().idleStrategy(byDefault.idleStrategy()).build(), wake));
        final BackoffIdleStrategy host = new BackoffIdleStrategy(1, 1, 1_000, 1_000_000);
        assertSame(host, RegionCache.applyIdleStrategy(RegionCacheConfig.builder().idleStrategy(host).build(), wake));
    }

    /** Submitter: spin until the consumer announces its next park (bounded, so a stalled consumer fails the test). */
    private static void awaitNextAnnouncement(final AtomicLong announcements)
    {
        final long seen = announcements.get();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (announcements.get() == seen && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
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
}
