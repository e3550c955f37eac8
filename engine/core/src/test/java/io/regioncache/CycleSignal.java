package io.regioncache;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An apply-thread idle strategy that tells a test when whole duty cycles have run: Agrona calls it after every
 * {@code doWork} (which drains the command queues, reclaims, and runs the policy when its interval passed on the
 * engine clock). Tests wait for a cycle instead of sleeping and hoping one ran. Public for the black-box packages
 * (set it with the public {@code idleStrategy(...)}).
 */
public final class CycleSignal implements IdleStrategy
{
    private final IdleStrategy delegate = new BackoffIdleStrategy(10, 20, 1_000, 100_000);
    private volatile CountDownLatch waiting = new CountDownLatch(0);

    @Override
    public void idle(final int workCount)
    {
        waiting.countDown();
        delegate.idle(workCount);
    }

    @Override
    public void idle()
    {
        waiting.countDown();
        delegate.idle();
    }

    @Override
    public void reset()
    {
        delegate.reset();
    }

    /**
     * Block until a whole duty cycle began and ended after this call (the cycle running now may predate it, so this
     * waits for the end of two).
     *
     * @throws InterruptedException if interrupted.
     */
    public void awaitCycle() throws InterruptedException
    {
        final CountDownLatch latch = new CountDownLatch(2);
        waiting = latch;
        assertTrue(latch.await(20, TimeUnit.SECONDS), "the apply thread stopped cycling");
    }

    /**
     * Wait whole duty cycles until {@code done} holds: what the apply thread changes (a region's state when a load's
     * completion is applied) is checked once per cycle, never on a timer.
     *
     * @param done      the condition, read on the caller's thread.
     * @param maxCycles cycles to wait at most.
     * @param what      what is awaited, for the failure message.
     * @throws InterruptedException if interrupted.
     */
    public void awaitUntil(final BooleanSupplier done, final int maxCycles, final String what)
        throws InterruptedException
    {
        for (int i = 0; i < maxCycles && !done.getAsBoolean(); i++)
        {
            awaitCycle();
        }
        assertTrue(done.getAsBoolean(), () -> what + ": not after " + maxCycles + " duty cycles");
    }
}
