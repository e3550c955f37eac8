package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The schedule of {@link SnapshotStallWatch}: first nudge after the wait, then gaps that double up to the cap. */
class SnapshotStallWatchTest
{
    private static final long S = 1_000_000_000L;

    @Test
    void firstNudgeAfterTheWaitThenDoublingGapsUpToTheCap()
    {
        final SnapshotStallWatch w = new SnapshotStallWatch(10 * S, 35 * S);
        w.waiting(7, 100 * S);
        assertArrayEquals(new long[0], w.due(109 * S), "not due before 10 s");
        assertArrayEquals(new long[] {7}, w.due(110 * S));
        assertArrayEquals(new long[0], w.due(129 * S), "next gap 20 s");
        assertArrayEquals(new long[] {7}, w.due(130 * S));
        assertArrayEquals(new long[0], w.due(164 * S), "next gap 40 s capped at 35 s");
        assertArrayEquals(new long[] {7}, w.due(165 * S));
        assertArrayEquals(new long[] {7}, w.due(200 * S), "the cap holds");
        assertEquals(Map.of(7L, 100_000L), w.waitedMs(200 * S));
    }

    @Test
    void anArrivalEndsTheWaitAndASecondWaitingCallKeepsTheFirstStart()
    {
        final SnapshotStallWatch w = new SnapshotStallWatch(10 * S, 160 * S);
        w.waiting(3, 0);
        w.waiting(3, 9 * S); // the same wait, reported again
        w.waiting(1, 5 * S);
        assertArrayEquals(new long[] {3}, w.due(10 * S));
        assertArrayEquals(new long[] {1}, w.due(15 * S));
        w.arrived(3);
        w.arrived(42); // never waited: nothing happens
        assertArrayEquals(new long[] {1}, w.due(1_000 * S), "only region 1 still waits");
        assertEquals(Map.of(1L, 995_000L), w.waitedMs(1_000 * S));
        w.waiting(3, 1_000 * S); // waits again (a new replica of the region): a new schedule
        assertArrayEquals(new long[0], w.due(1_005 * S));
        assertArrayEquals(new long[] {3}, w.due(1_010 * S));
    }

    @Test
    void dueRegionsComeInIdOrderAndAWrappedClockIsHandled()
    {
        final SnapshotStallWatch w = new SnapshotStallWatch(S, 2 * S);
        final long near = Long.MAX_VALUE - S / 2; // System.nanoTime may be anywhere, even near the wrap
        w.waiting(9, near);
        w.waiting(2, near);
        w.waiting(5, near);
        assertArrayEquals(new long[0], w.due(near + S / 2));
        assertArrayEquals(new long[] {2, 5, 9}, w.due(near + S)); // near + S overflows: compared by difference
    }

    @Test
    void badSettingsAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new SnapshotStallWatch(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SnapshotStallWatch(2, 1));
    }
}
