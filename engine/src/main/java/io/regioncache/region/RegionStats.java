package io.regioncache.region;

/**
 * Per-record read statistics for the hot-region policy: gets, entries scanned and MVCC versions stepped over.
 * <p>
 * Readers bump these with plain increments: the numbers steer a heuristic, so lost updates under contention are
 * acceptable, while an atomic add on every get would put a contended cache line on the read path.
 */
public final class RegionStats
{
    long gets;
    long scannedEntries;
    long returnedKeys;

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
}
