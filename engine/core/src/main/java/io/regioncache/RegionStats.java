package io.regioncache;

/**
 * Per-record read statistics for the hot-region policy: gets, entries scanned and MVCC versions stepped over.
 * <p>
 * Readers bump these with plain increments: the numbers steer a heuristic, so lost updates under contention are
 * acceptable, while an atomic add on every get would put a contended cache line on the read path.
 */
final class RegionStats
{
    long gets;
    long scannedEntries;
    long returnedKeys;

    // Apply thread only: the policy's moving average of read traffic.
    private long seenGets;
    private long seenScanned;
    private double heat;

    /**
     * Count gets served by one snapshot.
     *
     * @param n how many.
     */
    public void onGets(final long n)
    {
        gets += n;
    }

    /**
     * Count a scan step.
     *
     * @param stepped entries stepped over, versions included.
     * @param returned keys returned to the caller.
     */
    public void onScan(final long stepped, final long returned)
    {
        scannedEntries += stepped;
        returnedKeys += returned;
    }

    /** @return gets so far (approximate). */
    public long gets()
    {
        return gets;
    }

    /** @return entries stepped over by scans (approximate). */
    public long scannedEntries()
    {
        return scannedEntries;
    }

    /** @return keys returned by scans (approximate). */
    public long returnedKeys()
    {
        return returnedKeys;
    }

    /**
     * Apply thread: fold the traffic since the last call into an exponential moving average.
     *
     * @param decay weight kept from the previous average, in [0, 1).
     * @return the new heat.
     */
    public double updateHeat(final double decay)
    {
        final long g = gets;
        final long s = scannedEntries;
        final double delta = (g - seenGets) + (s - seenScanned);
        seenGets = g;
        seenScanned = s;
        heat = heat * decay + delta * (1 - decay);
        return heat;
    }

    /** @return apply thread: the moving average of read traffic per policy round. */
    public double heat()
    {
        return heat;
    }

    /**
     * Apply thread: carry a predecessor's statistics into a successor record (split child, compacted record) so
     * a region does not look cold just because it got a new record.
     *
     * @param from the predecessor's statistics.
     */
    public void inherit(final RegionStats from)
    {
        heat = from.heat;
    }
}
