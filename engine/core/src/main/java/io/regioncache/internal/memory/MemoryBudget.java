package io.regioncache.internal.memory;

/**
 * TiKV's three memory thresholds over one {@link SegmentPool}:
 * <pre>
 *   0 ........ stopLoad ........ evict ........ capacity
 *              no new loads      background     hard: a write that would pass it
 *              at or above       eviction       evicts its region (the pool refuses
 *                                starts above   the segment; never an OutOfMemoryError)
 * </pre>
 * {@code stopLoad <= evict < capacity} always holds; {@link #update} validates and applies all three at run time
 * (any thread). The hard cap is enforced by the pool's CAS charge, so usage can never pass it; the two soft
 * thresholds are read by the apply thread's policy and load scheduler.
 */
public final class MemoryBudget
{
    private final SegmentPool pool;
    private volatile Thresholds thresholds;

    /**
     * @param pool     the pool whose usage is budgeted; its capacity is set to {@code capacity}.
     * @param capacity hard cap in bytes.
     * @param evict    background eviction starts above this.
     * @param stopLoad no new loads at or above this.
     */
    public MemoryBudget(final SegmentPool pool, final long capacity, final long evict, final long stopLoad)
    {
        this.pool = pool;
        update(capacity, evict, stopLoad);
    }

    /**
     * TiKV's defaults for a capacity: {@code evict = capacity - min(capacity/10, 200 MiB)},
     * {@code stopLoad = evict - min(15% capacity, 2 * regionSize + 200 MiB)}.
     *
     * @param capacity   hard cap.
     * @param regionSize typical region size in bytes.
     * @return {evict, stopLoad}.
     */
    public static long[] defaultThresholds(final long capacity, final long regionSize)
    {
        final long mib200 = 200L << 20;
        final long evict = capacity - Math.min(capacity / 10, mib200);
        // Overflow-safe for any capacity and region size (capacity * 15 and 2 * regionSize wrap past 2^63 / 15 and
        // 2^62): 15% exactly where it fits, else 15% of the hundredths; 2 * regionSize + 200 MiB saturates.
        final long fifteenPercent = capacity <= Long.MAX_VALUE / 15 ? capacity * 15 / 100 : capacity / 100 * 15;
        final long regions = regionSize > (Long.MAX_VALUE - mib200) / 2 ? Long.MAX_VALUE : 2 * regionSize + mib200;
        final long stopLoad = evict - Math.min(fifteenPercent, regions);
        return new long[] {evict, Math.max(0, stopLoad)};
    }

    /**
     * @param capacity hard cap.
     * @param evict    eviction threshold.
     * @param stopLoad stop-load threshold.
     * @return why the triple is invalid, or null.
     */
    public static String validate(final long capacity, final long evict, final long stopLoad)
    {
        if (capacity <= 0)
        {
            return "capacityBytes must be > 0, was " + capacity;
        }
        if (evict < 0)
        {
            // named before the stop-load rules: a negative evict threshold was reported as the stop-load's fault
            return "evictThresholdBytes must be >= 0, was " + evict;
        }
        if (evict >= capacity)
        {
            return "evictThresholdBytes (" + evict + ") must be below capacityBytes (" + capacity + ")";
        }
        if (stopLoad > evict)
        {
            return "stopLoadThresholdBytes (" + stopLoad + ") must not exceed evictThresholdBytes (" + evict + ")";
        }
        if (stopLoad < 0)
        {
            return "stopLoadThresholdBytes must be >= 0, was " + stopLoad;
        }
        return null;
    }

    /**
     * Change the thresholds at run time. Lowering the capacity below current use only refuses new memory: the
     * policy then evicts down to the new thresholds.
     *
     * @param capacity hard cap.
     * @param evict    eviction threshold.
     * @param stopLoad stop-load threshold.
     * @throws IllegalArgumentException with what is wrong.
     */
    public void update(final long capacity, final long evict, final long stopLoad)
    {
        final String bad = validate(capacity, evict, stopLoad);
        if (bad != null)
        {
            throw new IllegalArgumentException(bad);
        }
        thresholds = new Thresholds(capacity, evict, stopLoad);
        pool.setCapacity(capacity);
    }

    /** @return bytes in use now. */
    public long used()
    {
        return pool.bytesInUse();
    }

    /** @return hard cap. */
    public long capacity()
    {
        return thresholds.capacity;
    }

    /** @return eviction threshold. */
    public long evictThreshold()
    {
        return thresholds.evict;
    }

    /** @return stop-load threshold. */
    public long stopLoadThreshold()
    {
        return thresholds.stopLoad;
    }

    /** @return true if usage is above the eviction threshold. */
    public boolean shouldEvict()
    {
        return pool.bytesInUse() > thresholds.evict;
    }

    /** @return true if usage is at or above the stop-load threshold. */
    public boolean shouldStopLoading()
    {
        return pool.bytesInUse() >= thresholds.stopLoad;
    }

    /**
     * How far a load or a compaction may fill the pool: half-way from the eviction threshold to the hard cap. A copy
     * starts below the stop-load threshold and may pass the eviction threshold (background eviction then makes room
     * by evicting cold regions, as in TiKV); but if eviction cannot keep up it stops here, failing for memory, so the
     * other half of that band stays for the writes of cached regions, which are evicted at the cap
     * ({@code MEMORY_LIMIT}), and not the copy.
     *
     * @return the ceiling in bytes.
     */
    public long copyCeiling()
    {
        final Thresholds t = thresholds;
        return t.evict + (t.capacity - t.evict) / 2;
    }

    /** @return true if usage is above {@link #copyCeiling()}: a running load or compaction must stop. Any thread. */
    public boolean copyMustStop()
    {
        return pool.bytesInUse() > copyCeiling();
    }

    private static final class Thresholds
    {
        final long capacity;
        final long evict;
        final long stopLoad;

        Thresholds(final long capacity, final long evict, final long stopLoad)
        {
            this.capacity = capacity;
            this.evict = evict;
            this.stopLoad = stopLoad;
        }
    }
}
