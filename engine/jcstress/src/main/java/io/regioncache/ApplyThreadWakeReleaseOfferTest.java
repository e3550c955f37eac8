package io.regioncache;

import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link ApplyThreadWakeTest}'s race on a JCTools SPSC queue, whose offer publishes with a release store and no
 * fence: the one reordering x86 allows (a later load passing an earlier store) can then hide the work from the apply
 * thread's check and the announcement from the submitter's, unless {@link ApplyThreadWake}'s full fences forbid it.
 * With both fences taken out of {@code ApplyThreadWake}, 0, 0 was observed in the quick mode (2026-12-07); with them,
 * it must never be.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the apply thread parks; the submitter unparks it")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the apply thread finds the work and does not park")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both: no park, one stray unpark")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: parked with work queued and not unparked")
@State
public class ApplyThreadWakeReleaseOfferTest
{
    private final SpscArrayQueue<Object> queue = new SpscArrayQueue<>(4);
    private final ApplyThreadWake wake = new ApplyThreadWake(() -> !queue.isEmpty());

    @Actor
    public void submitter(final II_Result r)
    {
        queue.offer(Boolean.TRUE);
        r.r1 = wake.wakeNeeded() ? 1 : 0;
    }

    @Actor
    public void applyThread(final II_Result r)
    {
        r.r2 = wake.announceParkAndCheckWork() ? 1 : 0;
    }
}
