package io.regioncache.ratis;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The node's source of MVCC versions: a hybrid logical clock, {@code physicalMillis << 16 | logical}.
 * <p>
 * {@link #next()} is strictly greater than every value it returned and every value {@link #observe observed}, and
 * never behind the wall clock: a leader stamps each proposal with {@code next()}, and every replica observes every
 * version it applies, so a version handed out after a write was applied anywhere on this node is above it. With
 * clocks roughly in sync (NTP), versions of different regions compare like the real time of their proposals, give or
 * take the clock skew; causality through a node is always respected. TiKV gets a strict global order from PD's
 * timestamp oracle instead; this clock is the no-extra-service stand-in and the only place to change for a TSO.
 */
public final class HybridLogicalClock
{
    private static final int LOGICAL_BITS = 16;
    private final AtomicLong last = new AtomicLong();
    private final LongSupplier wallMillis;

    /** A clock on {@link System#currentTimeMillis()}. */
    public HybridLogicalClock()
    {
        this(System::currentTimeMillis);
    }

    /** @param wallMillis the wall clock (injected for tests). */
    public HybridLogicalClock(final LongSupplier wallMillis)
    {
        this.wallMillis = wallMillis;
    }

    /**
     * @return a version above every earlier result and every observed version.
     * @throws IllegalStateException if {@link Long#MAX_VALUE} was handed out or observed: no version is above it, and
     *                               {@code prev + 1} would wrap to a negative version, which every region refuses.
     */
    public long next()
    {
        // A wall clock past 2^47 ms (year 6429) shifts into the sign bit; Math.max then ignores it, as it should.
        final long physical = wallMillis.getAsLong() << LOGICAL_BITS;
        return last.updateAndGet(prev ->
        {
            if (prev == Long.MAX_VALUE)
            {
                throw new IllegalStateException("the clock is exhausted: Long.MAX_VALUE was handed out or observed");
            }
            return Math.max(prev + 1, physical);
        });
    }

    /** @param version a version applied on this node (from any region and any leader). */
    public void observe(final long version)
    {
        last.accumulateAndGet(version, Math::max);
    }

    /** @return the last value handed out or observed. */
    public long current()
    {
        return last.get();
    }
}
