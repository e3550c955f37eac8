package io.regioncache;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Count, total and maximum of a duration (loads, evictions, compactions). Written by one thread at a time (the
 * apply thread), read by any.
 */
final class DurationStat
{
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong totalNanos = new AtomicLong();
    private final AtomicLong maxNanos = new AtomicLong();

    /**
     * @param nanos one observed duration.
     */
    public void record(final long nanos)
    {
        count.incrementAndGet();
        totalNanos.addAndGet(nanos);
        maxNanos.accumulateAndGet(nanos, Math::max);
    }

    /** @return observations. */
    public long count()
    {
        return count.get();
    }

    /** @return sum of durations in nanoseconds. */
    public long totalNanos()
    {
        return totalNanos.get();
    }

    /** @return longest duration in nanoseconds. */
    public long maxNanos()
    {
        return maxNanos.get();
    }

    /** @return mean duration in milliseconds, 0 if none. */
    public double meanMillis()
    {
        final long n = count.get();
        return n == 0 ? 0 : totalNanos.get() / 1e6 / n;
    }

    @Override
    public String toString()
    {
        return String.format("n=%d mean=%.2fms max=%.2fms", count(), meanMillis(), maxNanos() / 1e6);
    }
}
