package io.regioncache;

import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The apply thread's wake-up ({@link ApplyThreadWake}): a thread queuing work (an MPSC offer, then
 * {@link ApplyThreadWake#wakeNeeded}) against the idle apply thread announcing its park and looking for work
 * ({@link ApplyThreadWake#announceParkAndCheckWork}), on the engine's real classes and a JCTools queue like its
 * command queue. The apply thread parks only if it found no work; the submitter unparks it only if it saw the
 * announcement. Both missing the other is a lost wake-up: the work would wait out the whole park.
 * <pre>
 *   r1 submitter saw parking   r2 apply thread found work | verdict
 *   1                          0                          | it parks, and is unparked
 *   0                          1                          | it does not park
 *   1                          1                          | it does not park (a stray unpark: one early return)
 *   0                          0                          | FORBIDDEN: parked with the work queued, nobody to wake it
 * </pre>
 * The engine's queues' offers CAS their producer index (a full fence on x86 of its own), so a second test,
 * {@link ApplyThreadWakeReleaseOfferTest}, runs the same race on a queue whose offer is only a release store: there
 * the wake-up's own fences are all that forbid 0, 0 (without them it was seen within seconds).
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the apply thread parks; the submitter unparks it")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the apply thread finds the work and does not park")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both: no park, one stray unpark")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: parked with work queued and not unparked")
@State
public class ApplyThreadWakeTest
{
    private final MpscArrayQueue<Object> queue = new MpscArrayQueue<>(4);
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
