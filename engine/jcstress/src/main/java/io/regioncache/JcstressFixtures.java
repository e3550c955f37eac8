package io.regioncache;

import java.util.Arrays;

import org.agrona.DirectBuffer;

import io.regioncache.internal.memory.SegmentPool;
import io.regioncache.internal.table.MvccTable;

/** Small real engine objects for one jcstress state: a pool with tiny segments, a table, a record. */
final class JcstressFixtures
{
    /** Segments of 4 KiB: a state holds a handful of nodes, and jcstress allocates many states. */
    static final int SEGMENT = 4096;
    static final int MAX_KEY = 32;

    private JcstressFixtures()
    {
    }

    static MvccTable table()
    {
        return new MvccTable(new SegmentPool(SEGMENT, 1 << 20), MAX_KEY);
    }

    static byte[] filled(final int length, final int b)
    {
        final byte[] out = new byte[length];
        Arrays.fill(out, (byte)b);
        return out;
    }

    /** @return an ACTIVE record at epoch 1 with {@code pins} pins (taken through the real pin CAS). */
    static RegionRecord activeRecord(final Transitions transitions, final int pins)
    {
        final RegionRecord r = new RegionRecord(
            new Region(1, new byte[0], new byte[0], 1), 1, RegionState.ACTIVE, 0, 0, transitions);
        for (int i = 0; i < pins; i++)
        {
            if (r.tryPin(1, 1) != RegionRecord.PIN_OK)
            {
                throw new IllegalStateException("fixture pin refused");
            }
        }
        return r;
    }

    /**
     * The apply thread's eviction of an ACTIVE record, through the engine's own {@link RegionRecord#closeAndEvict}
     * (as {@code ApplyAgent.evictRecord}'s ACTIVE case calls it): publish CLOSING, count the striped pin cells, move
     * to PENDING_EVICT if readers hold pins, else straight to EVICTING; a lost CAS re-reads and re-decides.
     *
     * @return the state the evictor moved the record to.
     */
    static RegionState evict(final RegionRecord r)
    {
        while (true)
        {
            final RegionState to = r.closeAndEvict(r.stateWordVolatile());
            if (to != null)
            {
                return to;
            }
        }
    }

    /** @return true if {@code view[0, length)} holds exactly {@code expected}. */
    static boolean equals(final DirectBuffer view, final int length, final byte[] expected)
    {
        if (length != expected.length || length > 0 && view.getByte(length - 1) != expected[length - 1])
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (view.getByte(i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }
}
