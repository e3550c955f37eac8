package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The clock at its numeric edges: it never hands out a negative (wrapped) version. */
final class HybridLogicalClockTest
{
    /** Was: an observed {@code Long.MAX_VALUE} made {@code next()} answer {@code Long.MIN_VALUE}. */
    @Test
    void nextAfterTheLargestVersionIsRefusedNotWrapped()
    {
        final HybridLogicalClock c = new HybridLogicalClock(() -> 1);
        c.observe(Long.MAX_VALUE - 1);
        assertEquals(Long.MAX_VALUE, c.next());
        assertThrows(IllegalStateException.class, c::next);
        assertEquals(Long.MAX_VALUE, c.current(), "a refused next() changes nothing");
        c.observe(5);
        assertThrows(IllegalStateException.class, c::next);
    }

    /** A wall clock whose shift reaches the sign bit, or a negative one, is ignored, not a version. */
    @Test
    void anAbsurdWallClockNeverMakesANegativeVersion()
    {
        final AtomicLong wall = new AtomicLong(1L << 47);
        final HybridLogicalClock c = new HybridLogicalClock(wall::get);
        assertEquals(1, c.next(), "(2^47 ms) << 16 is negative: the logical counter goes on from 0");
        wall.set(-5);
        assertEquals(2, c.next());
        wall.set(7);
        assertEquals(7L << 16, c.next());
    }
}
