package io.regioncache;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.IdleStrategy;

/**
 * The dedicated apply thread's default idle strategy, and the wake-up that lets it park long without making a
 * command wait: it spins {@value #SPINS} times, yields {@value #YIELDS} times, then parks up to
 * {@link #MAX_PARK_NANOS} (1 ms), and every thread that queues work for it (a host submitting a command, a loader or
 * GC thread handing back a finished job) unparks it if it is parked.
 * <p>
 * <b>Why.</b> The default was Agrona's {@code BackoffIdleStrategy} parking at most 100 us: an idle engine woke about
 * 10,000 times a second. On a 2-core host each wake-up takes a core from whatever runs there, and during a load that
 * is the scan or the loader thread. A 1M-key {@code LoadBenchmark.load} measured 430-441 ms with that strategy and
 * 352-355 ms with the same one parking up to 1 ms; this strategy against the old default, four rounds alternating:
 * 369-401 ms against 418-444 (2026-12-07, {@code jmh-results/memlimit/apply-wake-ab/}). A longer park alone would
 * delay every command by up to the park; the wake-up removes that delay, so the park only bounds how late the duty
 * cycle's timed work (the policy, the reclaim of a record whose last pin went) can be.
 * <p>
 * <b>The protocol (a Dekker pair; the ordering argument).</b>
 * <pre>
 *   apply thread (idle, about to park)          any thread that queues work
 *   (a1) parking = true          (volatile)      (p1) queue.offer(work)     (release store)
 *   (a2) full fence                              (p2) full fence
 *   (a3) queued work?  yes: do not park          (p3) parking?  yes: unpark(apply thread)
 *   (a4) parkNanos(1 ms); parking = false
 * </pre>
 * Both sides store, fence, then load what the other stored. With a full fence between each side's store and load,
 * the two loads cannot both miss the other side's store: either (a3) sees the work (no park), or (p3) sees
 * {@code parking} and unparks (a park after an unpark returns at once: the permit is kept). Without (p2), x86 may
 * let (p3)'s load pass (p1)'s store (StoreLoad is the one reordering TSO allows) and both could miss: the work then
 * waits out the 1 ms park, never longer. The jcstress tests {@code ApplyThreadWakeTest} (the engine's MPSC queue)
 * and {@code ApplyThreadWakeReleaseOfferTest} (a queue whose offer is only a release store) race the two sides and
 * forbid that outcome. A stray unpark (the thread already awake) costs one early return from a later park, nothing else.
 * <p>
 * <b>Threads.</b> {@link #idle} and {@link #reset} on the apply thread only ({@link #spins}, {@link #yields} are its
 * own); {@link #wake} on any thread.
 */
final class ApplyThreadWake implements IdleStrategy
{
    /** Idle rounds spent spinning before yielding: a command that arrives within them is taken at once. */
    static final int SPINS = 100;
    /** Idle rounds spent yielding before parking. */
    static final int YIELDS = 10;
    /** The longest park: how late the duty cycle's timed work can run on an idle engine. */
    static final long MAX_PARK_NANOS = 1_000_000L;

    private final BooleanSupplier hasQueuedWork;
    private final long maxParkNanos;
    /** Apply thread only. */
    private int spins;
    /** Apply thread only. */
    private int yields;
    /** True from (a1) until the park returns: written by the apply thread, read by every thread that queues work. */
    private volatile boolean parking;
    /** The thread that parks; written before {@link #parking} is first set, so a reader of true sees it. */
    private volatile Thread parker;

    /**
     * @param hasQueuedWork any work queued for the apply thread (its queues' emptiness, read with acquire semantics).
     */
    ApplyThreadWake(final BooleanSupplier hasQueuedWork)
    {
        this(hasQueuedWork, MAX_PARK_NANOS);
    }

    /**
     * @param hasQueuedWork as above.
     * @param maxParkNanos  the longest park (tests park for a minute, so that a lost wake-up shows as a stall).
     */
    ApplyThreadWake(final BooleanSupplier hasQueuedWork, final long maxParkNanos)
    {
        this.hasQueuedWork = hasQueuedWork;
        this.maxParkNanos = maxParkNanos;
    }

    /** @return true while the idle thread is announcing a park or parked (tests). */
    boolean parking()
    {
        return parking;
    }

    /**
     * Any thread, right after it queued work for the apply thread: unpark it if it is parked or about to (p2, p3).
     */
    void wake()
    {
        if (wakeNeeded())
        {
            LockSupport.unpark(parker);
        }
    }

    /**
     * (p2) and (p3), without the unpark (split out for the jcstress test).
     *
     * @return true if the apply thread is parked or about to park.
     */
    boolean wakeNeeded()
    {
        VarHandle.fullFence(); // (p2): the caller's offer (p1) is visible before parking is read (p3)
        return parking;
    }

    /**
     * (a1) to (a3), without the park (split out for the jcstress test): announce the park, then look for work.
     *
     * @return true if work is queued (do not park); {@link #parking} is left true either way.
     */
    boolean announceParkAndCheckWork()
    {
        parking = true; // (a1)
        VarHandle.fullFence(); // (a2): the announcement is visible before the queues are read (a3)
        return hasQueuedWork.getAsBoolean(); // (a3)
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (spins < SPINS)
        {
            spins++;
            Thread.onSpinWait();
            return;
        }
        if (yields < YIELDS)
        {
            yields++;
            Thread.yield();
            return;
        }
        if (null == parker)
        {
            parker = Thread.currentThread();
        }
        try
        {
            if (!announceParkAndCheckWork())
            {
                LockSupport.parkNanos(this, maxParkNanos); // (a4)
            }
        }
        finally
        {
            parking = false;
        }
    }

    @Override
    public void reset()
    {
        spins = 0;
        yields = 0;
    }

    @Override
    public String alias()
    {
        return "regioncache-apply-wake";
    }
}
