package io.regioncache.hybrid;

import java.util.concurrent.atomic.LongAdder;

import io.regioncache.SnapshotStatus;

/**
 * Counters of a {@link HybridEngine}'s reads: how many the cache served, how many fell back to the store, and, per
 * {@link SnapshotStatus}, why the cache could not serve. {@link LongAdder}s, so reader threads do not contend.
 */
public final class HybridMetrics
{
    private final LongAdder cacheGets = new LongAdder();
    private final LongAdder storeGets = new LongAdder();
    private final LongAdder cacheScans = new LongAdder();
    private final LongAdder storeScans = new LongAdder();
    private final LongAdder[] fallbacks = new LongAdder[SnapshotStatus.values().length];
    private final LongAdder storeWriteErrors = new LongAdder();
    private final LongAdder reconciliations = new LongAdder();

    HybridMetrics()
    {
        for (int i = 0; i < fallbacks.length; i++)
        {
            fallbacks[i] = new LongAdder();
        }
    }

    void onCacheGet()
    {
        cacheGets.increment();
    }

    void onStoreGet(final SnapshotStatus why)
    {
        storeGets.increment();
        fallbacks[why.ordinal()].increment();
    }

    void onCacheGets(final int keys)
    {
        cacheGets.add(keys);
    }

    void onStoreGets(final SnapshotStatus why, final int keys)
    {
        storeGets.add(keys);
        fallbacks[why.ordinal()].add(keys);
    }

    void onCacheScan()
    {
        cacheScans.increment();
    }

    void onStoreScan(final SnapshotStatus why)
    {
        storeScans.increment();
        fallbacks[why.ordinal()].increment();
    }

    void onStoreWriteError()
    {
        storeWriteErrors.increment();
    }

    void onReconciliation()
    {
        reconciliations.increment();
    }

    /** @return point gets served by the cache. */
    public long cacheGets()
    {
        return cacheGets.sum();
    }

    /** @return point gets served by the store. */
    public long storeGets()
    {
        return storeGets.sum();
    }

    /** @return scans served by the cache. */
    public long cacheScans()
    {
        return cacheScans.sum();
    }

    /** @return scans served by the store. */
    public long storeScans()
    {
        return storeScans.sum();
    }

    /** @return reads (gets and scans) served by the cache. */
    public long cacheReads()
    {
        return cacheGets() + cacheScans();
    }

    /** @return reads (gets and scans) served by the store. */
    public long storeReads()
    {
        return storeGets() + storeScans();
    }

    /**
     * @param why a reason the cache could not serve.
     * @return reads that fell back to the store for that reason.
     */
    public long fallbacks(final SnapshotStatus why)
    {
        return fallbacks[why.ordinal()].sum();
    }

    /**
     * @return writes the store refused: a refused {@code write} (nothing reached the cache) and a refused
     * {@code deleteRange} (whose overlapping cached regions are evicted anyway, so that no read serves data the store
     * may have lost or kept).
     */
    public long storeWriteErrors()
    {
        return storeWriteErrors.sum();
    }

    /**
     * @return writes the store took but the cache refused (stale epoch, invalid batch): the range they touched was
     * evicted so the cache cannot diverge from the store.
     */
    public long reconciliations()
    {
        return reconciliations.sum();
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("HybridMetrics{cacheGets=").append(cacheGets())
            .append(", storeGets=").append(storeGets())
            .append(", cacheScans=").append(cacheScans())
            .append(", storeScans=").append(storeScans());
        for (final SnapshotStatus s : SnapshotStatus.values())
        {
            final long n = fallbacks(s);
            if (n > 0)
            {
                sb.append(", fallback.").append(s).append('=').append(n);
            }
        }
        return sb.append(", storeWriteErrors=").append(storeWriteErrors())
            .append(", reconciliations=").append(reconciliations()).append('}').toString();
    }
}
