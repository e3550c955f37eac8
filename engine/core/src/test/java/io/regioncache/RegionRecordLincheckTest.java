package io.regioncache;

import java.nio.charset.StandardCharsets;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Lincheck model checking of the {@link RegionRecord} pin protocol (striped pin cells announced before the
 * state word is read; the apply thread publishes a closed word before it counts the cells): reader threads
 * {@code tryPin} / {@code unpin} / {@code release} on their cells (two threads share one); one apply thread (the {@code "apply"} non-parallel group) evicts, retires and reclaims exactly as
 * {@code ApplyAgent} does, each move one CAS from the exact word read, retried when a reader moved the pin count.
 * <p>
 * The test class is its own sequential specification (every operation is deterministic given the order), so
 * Lincheck checks that each concurrent history is linearizable: in particular no pin can succeed once an apply
 * move out of ACTIVE has linearized before it (property a). {@link #validate()} checks after every invocation:
 * pins equal the pins the threads hold (never negative, never lost), PENDING_EVICT→EVICTING happened at most once
 * and exactly once when the record was PENDING_EVICT and its pins drained (b), and a retired or evicted record's
 * pins drain to zero (c).
 * <p>
 * Budgets: {@code -Dlincheck.iterations} (default 30), {@code -Dlincheck.invocations} (default 2000),
 * {@code -Dlincheck.stress.iterations} (default 20), {@code -Dlincheck.stress.invocations} (default 2000).
 */
@Param(name = "epoch", gen = IntGen.class, conf = "1:2")
public class RegionRecordLincheckTest
{
    /** Lincheck worker threads: ids 0..MAX_THREADS-1 (ThreadIdGen). The main (init/post) thread may also run ops. */
    private static final int MAX_THREADS = 8;
    private static final long EPOCH = 1;

    private final Transitions transitions = new Transitions();
    private final RegionRecord record = new RegionRecord(
        new Region(7, "a".getBytes(StandardCharsets.UTF_8), "z".getBytes(StandardCharsets.UTF_8), EPOCH),
        1, RegionState.ACTIVE, 0, 0, transitions);
    /** Pins held per thread; slot MAX_THREADS is used by the init/post part. Only the owner thread touches its slot. */
    private final int[] held = new int[MAX_THREADS + 1];
    /** Apply-thread bookkeeping: the record went through PENDING_EVICT (seen by this apply thread's CAS). */
    private boolean wentPendingEvict;
    /** Apply-thread bookkeeping: reclaim moved the record to GONE. */
    private boolean reclaimed;

    /**
     * Pin cell of a thread: threads 0 and 2 share cell 0, thread 1 has cell 1, so histories cover both a cell of
     * one's own and a shared one.
     */
    private static int stripe(final int threadId)
    {
        return slot(threadId) & 1;
    }

    private static int slot(final int threadId)
    {
        return threadId < 0 || threadId >= MAX_THREADS ? MAX_THREADS : threadId;
    }

    // ------------------------------------------------------------------ reader operations

    /**
     * @param threadId the calling Lincheck thread.
     * @param epoch    the epoch the reader routes by (1 = the record's, 2 = a newer one).
     * @return the {@code PIN_*} code.
     */
    @Operation
    public int pin(@Param(gen = ThreadIdGen.class) final int threadId, @Param(name = "epoch") final int epoch)
    {
        final int rc = record.tryPin(epoch, 1, stripe(threadId));
        if (rc == RegionRecord.PIN_OK)
        {
            held[slot(threadId)]++;
        }
        return observable(rc);
    }

    /**
     * Unpin only if this thread holds a pin (never drops another reader's pin).
     *
     * @param threadId the calling Lincheck thread.
     * @return -1 if nothing was held, else 1 if unpin succeeded and 0 if it (wrongly) found no pin.
     */
    @Operation
    public int unpinIfHeld(@Param(gen = ThreadIdGen.class) final int threadId)
    {
        final int s = slot(threadId);
        if (held[s] == 0)
        {
            return -1;
        }
        held[s]--;
        return record.unpin(stripe(threadId)) ? 1 : 0;
    }

    /**
     * A whole snapshot: pin, then unpin if the pin succeeded.
     *
     * @param epoch the epoch the reader routes by.
     * @return the pin code, plus 100 if the unpin (wrongly) found no pin.
     */
    @Operation
    public int pinThenUnpin(
        @Param(gen = ThreadIdGen.class) final int threadId, @Param(name = "epoch") final int epoch)
    {
        final int rc = record.tryPin(epoch, 1, stripe(threadId));
        if (rc == RegionRecord.PIN_OK)
        {
            return record.unpin(stripe(threadId)) ? rc : 100 + rc;
        }
        return observable(rc);
    }

    /**
     * {@link #unpinIfHeld} through {@link RegionRecord#release} (one atomic add, what a {@link Snapshot} handle
     * uses because it knows it holds the pin).
     *
     * @param threadId the calling Lincheck thread.
     * @return -1 if nothing was held, else 1.
     */
    @Operation
    public int releaseIfHeld(@Param(gen = ThreadIdGen.class) final int threadId)
    {
        final int s = slot(threadId);
        if (held[s] == 0)
        {
            return -1;
        }
        held[s]--;
        record.release(stripe(threadId));
        return 1;
    }

    /**
     * A whole snapshot as {@link Snapshot} does it: pin, then {@link RegionRecord#release} if the pin succeeded.
     *
     * @param threadId the calling Lincheck thread.
     * @param epoch    the epoch the reader routes by.
     * @return the pin code.
     */
    @Operation
    public int pinThenRelease(
        @Param(gen = ThreadIdGen.class) final int threadId, @Param(name = "epoch") final int epoch)
    {
        final int rc = record.tryPin(epoch, 1, stripe(threadId));
        if (rc == RegionRecord.PIN_OK)
        {
            record.release(stripe(threadId));
            return rc;
        }
        return observable(rc);
    }

    /**
     * A pin refused because the record is closed reads as one result whether the record is RETIRED / EVICTING or
     * already GONE. A pin that announces itself just before the apply thread closes the record delays that record's
     * reclaim to a later cycle (the apply thread counts the announcement); which of the two states a later pin
     * meets is therefore not a sequential observable, while whether it pins is (property a).
     */
    private static int observable(final int rc)
    {
        return rc == RegionRecord.PIN_RETIRED ? RegionRecord.PIN_EVICTING : rc;
    }

    // ------------------------------------------------------------------ apply-thread operations

    /**
     * ApplyAgent.evictRecord, ACTIVE case: {@link RegionRecord#closeAndEvict} (publish the closing flag, count the
     * pin cells, move to PENDING_EVICT while pinned or else EVICTING).
     * <p>
     * Returns only whether it evicted: which of PENDING_EVICT / EVICTING it chose depends on whether a
     * {@link #pinThenUnpin} is between its pin and its unpin, which no sequential history can show (that operation,
     * like {@link #pinThenRelease}, is not atomic by design); the choice is checked by {@link #validate()} instead.
     *
     * @return true if it moved the record out of ACTIVE, false if it met another state (ApplyAgent: STATE_CONFLICT).
     */
    @Operation(nonParallelGroup = "apply")
    public boolean evict()
    {
        while (true)
        {
            final long word = record.stateWordVolatile();
            final RegionState state = StateWord.state(word);
            if (state != RegionState.ACTIVE)
            {
                return false;
            }
            final RegionState to = record.closeAndEvict(word);
            if (to != null)
            {
                if (to == RegionState.PENDING_EVICT)
                {
                    wentPendingEvict = true;
                }
                return true;
            }
        }
    }

    /**
     * ApplyAgent.retire: PENDING / LOADING / ACTIVE → RETIRED, retried only while readers move the pin count.
     *
     * @return true if retired.
     */
    @Operation(nonParallelGroup = "apply")
    public boolean retire()
    {
        while (true)
        {
            final long word = record.stateWordVolatile();
            if (record.casState(word, RegionState.RETIRED))
            {
                return true;
            }
            final RegionState s = StateWord.state(word);
            if (s != RegionState.PENDING && s != RegionState.LOADING && s != RegionState.ACTIVE)
            {
                return false;
            }
        }
    }

    /**
     * ApplyAgent.reclaim for one record: EVICTING or RETIRED with no pins → GONE. Returns nothing for the same
     * reason as {@link #evict()}: whether the pins have drained yet is not a sequential observable while a
     * {@link #pinThenUnpin} is in flight; {@link #validate()} checks a GONE record holds no pins.
     */
    @Operation(nonParallelGroup = "apply")
    public void reclaim()
    {
        final long word = record.stateWordVolatile();
        final RegionState state = StateWord.state(word);
        if ((state == RegionState.EVICTING || state == RegionState.RETIRED) && record.pinsDrained() &&
            record.casState(word, RegionState.GONE))
        {
            reclaimed = true;
        }
    }

    // ------------------------------------------------------------------ invariants

    /**
     * Runs after every invocation (all threads done): checks the invariants, then drains every held pin and checks
     * the record ends with no pins and, if it was evicted while pinned, EVICTING exactly once.
     */
    @Validate
    public void validate()
    {
        final long word = record.stateWordVolatile();
        final RegionState state = StateWord.state(word);
        int heldTotal = 0;
        for (final int h : held)
        {
            check(h >= 0, "negative held count");
            heldTotal += h;
        }
        check(record.pinCount() == heldTotal,
            "pins " + record.pinCount() + " != held " + heldTotal + " in " + StateWord.toString(word));
        check(StateWord.epochVersion(word) == EPOCH, "epoch changed: " + StateWord.toString(word));
        check(StateWord.flags(word) == 0, "flags changed: " + StateWord.toString(word));
        final long pendingToEvicting = transitions.made(RegionState.PENDING_EVICT, RegionState.EVICTING);
        check(pendingToEvicting <= 1, "PENDING_EVICT->EVICTING made " + pendingToEvicting + " times");
        check(transitions.made(RegionState.ACTIVE, RegionState.PENDING_EVICT) <= 1, "evicted twice");
        check(transitions.totalRefused() == refusedExpected(), "unexpected refused moves");
        if (state == RegionState.PENDING_EVICT)
        {
            check(heldTotal > 0, "PENDING_EVICT with no pins: the last unpin did not move it to EVICTING");
            check(pendingToEvicting == 0, "PENDING_EVICT but PENDING_EVICT->EVICTING already made");
        }
        if (wentPendingEvict && state != RegionState.PENDING_EVICT)
        {
            check(pendingToEvicting == 1, "left PENDING_EVICT (now " + state + ") without the reader's move");
        }
        check(reclaimed == (state == RegionState.GONE), "GONE without reclaim or reclaim without GONE");
        if (state == RegionState.GONE)
        {
            check(heldTotal == 0, "GONE while pinned");
        }

        // Drain every pin still held, as the readers' close() would.
        for (int i = 0; i < held.length; i++)
        {
            while (held[i] > 0)
            {
                held[i]--;
                check(record.unpin(stripe(i)), "unpin of a held pin found no pin");
            }
        }
        final long after = record.stateWordVolatile();
        check(record.pinCount() == 0, "pins did not drain: " + StateWord.toString(after));
        check(!record.unpin(0) && !record.unpin(1), "unpin with no pins succeeded");
        check(record.stateWordVolatile() == after, "refused unpin changed the word");
        final RegionState end = StateWord.state(after);
        check(end != RegionState.PENDING_EVICT, "still PENDING_EVICT after the pins drained");
        if (wentPendingEvict)
        {
            check(end == RegionState.EVICTING || end == RegionState.GONE, "evicted record ended " + end);
            check(transitions.made(RegionState.PENDING_EVICT, RegionState.EVICTING) == 1,
                "PENDING_EVICT->EVICTING made " + transitions.made(RegionState.PENDING_EVICT, RegionState.EVICTING) +
                " times after draining");
        }
        check(record.tryPin(EPOCH, 1) == expectedPinAfter(end), "pin after the end state " + end);
    }

    /** Refused moves only come from retire()/evict() meeting a non-live state through casState. */
    private long refusedExpected()
    {
        long sum = 0;
        for (final RegionState from : RegionState.values())
        {
            sum += transitions.refused(from, RegionState.RETIRED);
        }
        return sum;
    }

    private static int expectedPinAfter(final RegionState state)
    {
        switch (state)
        {
            case ACTIVE:
                return RegionRecord.PIN_OK;
            case RETIRED:
                return RegionRecord.PIN_RETIRED;
            default:
                return RegionRecord.PIN_EVICTING;
        }
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException(message);
        }
    }

    // ------------------------------------------------------------------ JUnit entry points

    @Test
    void modelChecking()
    {
        new ModelCheckingOptions()
            .iterations(Integer.getInteger("lincheck.iterations", 20))
            .invocationsPerIteration(Integer.getInteger("lincheck.invocations", 1000))
            .threads(3)
            .actorsPerThread(3)
            .actorsBefore(2)
            .actorsAfter(2)
            .check(RegionRecordLincheckTest.class);
    }

    @Test
    void stress()
    {
        new StressOptions()
            .iterations(Integer.getInteger("lincheck.stress.iterations", 20))
            .invocationsPerIteration(Integer.getInteger("lincheck.stress.invocations", 2000))
            .threads(3)
            .actorsPerThread(4)
            .check(RegionRecordLincheckTest.class);
    }
}
