package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * {@link KeyHistory} on hand-made histories (times are plain numbers): it accepts the latest acknowledged write or a
 * concurrent one and flags stale, lost, unknown and deleted-but-present reads.
 */
class KeyHistoryTest
{
    private static KeyHistory<String> twoWrites(final boolean secondIsDelete)
    {
        final KeyHistory<String> h = new KeyHistory<>();
        h.write("k", 0, false, 10, 20, true);
        h.write("k", 1, secondIsDelete, 30, 40, true);
        return h;
    }

    @Test
    void latestAcknowledgedOrConcurrentWritesAreAllowed()
    {
        final KeyHistory<String> h = twoWrites(false);
        h.read("k", KeyHistory.ABSENT, 0, 5);    // before any write
        h.read("k", KeyHistory.INITIAL, 0, 15);  // a value from before, concurrent with write 0
        h.read("k", KeyHistory.ABSENT, 5, 15);   // write 0 in flight
        h.read("k", 0, 12, 25);                  // concurrent with write 0
        h.read("k", 0, 25, 35);                  // latest acknowledged, write 1 in flight
        h.read("k", 1, 25, 35);                  // concurrent with write 1
        h.read("k", 1, 45, 50);                  // latest acknowledged
        assertEquals(List.of(), h.violations());
        assertEquals(7, h.reads());
    }

    @Test
    void staleLostAndUnknownReadsAreFlagged()
    {
        final KeyHistory<String> h = twoWrites(false);
        h.read("k", 0, 45, 50);                  // stale: write 1 was acknowledged before
        h.read("k", KeyHistory.ABSENT, 25, 28);  // lost: write 0 was acknowledged
        h.read("k", KeyHistory.INITIAL, 25, 28); // a value from before after write 0
        h.read("k", 7, 45, 50);                  // never written
        h.read("k", 1, 12, 25);                  // not yet invoked when the read ended
        final List<String> v = h.violations();
        assertEquals(5, v.size(), v.toString());
        assertTrue(v.get(0).contains("stale"), v.toString());
    }

    @Test
    void deletesExplainAbsentReadsOnly()
    {
        final KeyHistory<String> h = twoWrites(true);
        h.read("k", KeyHistory.ABSENT, 45, 50);  // after the delete
        h.read("k", KeyHistory.ABSENT, 25, 35);  // concurrent with the delete
        h.read("k", 0, 25, 35);                  // concurrent with the delete, before it applied
        assertEquals(List.of(), h.violations());
        h.read("k", 0, 45, 50);                  // the delete was acknowledged: stale
        h.read("k", 1, 45, 50);                  // a delete has no value
        assertEquals(2, h.violations().size(), h.violations().toString());
    }

    @Test
    void aFailedWriteStaysInFlight()
    {
        final KeyHistory<String> h = new KeyHistory<>();
        h.write("k", 0, false, 10, 20, true);
        h.write("k", 1, false, 30, 0, false);    // timed out: maybe applied
        h.write("k", 2, false, 60, 70, true);
        h.read("k", 0, 40, 50);
        h.read("k", 1, 40, 50);
        h.read("k", 1, 55, 65);
        h.read("k", 2, 80, 90);
        assertEquals(List.of(), h.violations());
        h.read("k", 1, 80, 90);                  // write 2 was acknowledged
        assertEquals(1, h.violations().size(), h.violations().toString());
    }
}
