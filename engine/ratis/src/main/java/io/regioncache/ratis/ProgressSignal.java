package io.regioncache.ratis;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells waiting threads that a replica node made progress, so that they re-check what they wait for instead of
 * sleeping and polling: a condition variable whose condition is whatever the waiter passes to {@link #await}.
 * <p>
 * A {@link ReplicaNode} raises its signal ({@link ReplicaNode#progress()}) after each change another thread may
 * wait for: a log entry applied, a snapshot installed, leadership changed or ready, a region group added or
 * removed, a region's cache load installed. A condition over such state (an applied index, a leader, a cached
 * region) is therefore re-evaluated after every change that can make it true, and a wait ends as soon as it holds.
 * <p>
 * <b>Cost.</b> {@link #signal} reads one volatile field and returns when nobody waits (the usual case on the apply
 * path); only while a thread waits does it take each waiter's monitor to wake it.
 * <p>
 * <b>No lost wake-up.</b> A waiter registers (a volatile write) before it evaluates its condition; a signaller
 * changes its state before it reads the waiters (a volatile read). Either the waiter sees the new state, or the
 * signaller sees the waiter and wakes it; and a wake-up between the evaluation and the wait is not lost because
 * the waiter waits for its wake-up count to move past the count it read before evaluating.
 */
public final class ProgressSignal
{
    private static final Logger LOG = LoggerFactory.getLogger(ProgressSignal.class);
    private static final Waiter[] NONE = new Waiter[0];

    private volatile Waiter[] waiters = NONE;

    /**
     * Wake every waiter so it re-checks its condition. Call after the state change is visible (after the volatile
     * write that publishes it); never blocks on a waiter's condition.
     */
    public void signal()
    {
        final Waiter[] ws = waiters;
        for (final Waiter w : ws)
        {
            w.wake();
        }
    }

    /**
     * Wait until the condition holds, re-checking it after each {@link #signal}.
     *
     * @param condition what to wait for; evaluated on the calling thread, first at once.
     * @param timeoutMs how long to wait at most.
     * @return true once the condition held, false if it still did not at the deadline.
     * @throws InterruptedException if interrupted while waiting.
     */
    public boolean await(final BooleanSupplier condition, final long timeoutMs) throws InterruptedException
    {
        return await(List.of(this), condition, timeoutMs);
    }

    /**
     * Wait until the condition holds, re-checking it after a {@link #signal} of any of the signals (a condition over
     * several nodes: a leader elected somewhere, every replica applied the same index).
     *
     * @param signals   the signals of the nodes the condition reads.
     * @param condition what to wait for; evaluated on the calling thread, first at once.
     * @param timeoutMs how long to wait at most.
     * @return true once the condition held, false if it still did not at the deadline.
     * @throws InterruptedException if interrupted while waiting.
     */
    public static boolean await(final Collection<ProgressSignal> signals, final BooleanSupplier condition,
        final long timeoutMs) throws InterruptedException
    {
        final Waiter w = new Waiter();
        for (final ProgressSignal s : signals)
        {
            s.add(w);
        }
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            boolean woken = true;
            while (true)
            {
                final long seen = w.wakeups();
                if (condition.getAsBoolean())
                {
                    if (!woken)
                    {
                        // It became true with no signal: some state change does not signal. Said, not hidden.
                        LOG.warn("a condition held only when its {} ms wait ran out: a change did not signal",
                            timeoutMs);
                    }
                    return true;
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    return false;
                }
                woken = w.awaitWakeupAfter(seen, left);
            }
        }
        finally
        {
            for (final ProgressSignal s : signals)
            {
                s.remove(w);
            }
        }
    }

    /** @return how many threads wait on this signal now (for tests). */
    int waiting()
    {
        return waiters.length;
    }

    private synchronized void add(final Waiter w)
    {
        final Waiter[] ws = Arrays.copyOf(waiters, waiters.length + 1);
        ws[ws.length - 1] = w;
        waiters = ws;
    }

    private synchronized void remove(final Waiter w)
    {
        final Waiter[] ws = waiters;
        for (int i = 0; i < ws.length; i++)
        {
            if (ws[i] == w)
            {
                final Waiter[] out = new Waiter[ws.length - 1];
                System.arraycopy(ws, 0, out, 0, i);
                System.arraycopy(ws, i + 1, out, i, ws.length - i - 1);
                waiters = out;
                return;
            }
        }
    }

    /** One waiting thread: a wake-up count under its own monitor. */
    private static final class Waiter
    {
        private long wakeups;

        synchronized void wake()
        {
            wakeups++;
            notifyAll();
        }

        synchronized long wakeups()
        {
            return wakeups;
        }

        /** @return true if woken, false if the time ran out first. */
        synchronized boolean awaitWakeupAfter(final long seen, final long nanos) throws InterruptedException
        {
            final long end = System.nanoTime() + nanos;
            long left = nanos;
            while (wakeups == seen && left > 0)
            {
                TimeUnit.NANOSECONDS.timedWait(this, left);
                left = end - System.nanoTime();
            }
            return wakeups != seen;
        }
    }
}
