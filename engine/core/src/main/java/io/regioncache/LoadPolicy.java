package io.regioncache;

import java.util.ArrayList;
import java.util.List;

/**
 * TiKV's load-based caching: every interval, take the regions with the most read traffic in the backing store,
 * keep those whose MVCC amplification (entries stepped over per key returned) is at least a threshold — those are
 * the reads the cache speeds up most — and load up to {@code maxLoadsPerRound} of them. Apply thread only; the
 * loads themselves stop at the stop-load threshold.
 */
final class LoadPolicy
{
    private final int topN;
    private final double minAmplification;
    private final long minStepped;

    /**
     * @param topN             at most this many regions are loaded per round.
     * @param minAmplification minimum MVCC amplification (TiKV: 10).
     * @param minStepped       ignore regions with less traffic than this in the interval.
     */
    public LoadPolicy(final int topN, final double minAmplification, final long minStepped)
    {
        this.topN = topN;
        this.minAmplification = minAmplification;
        this.minStepped = minStepped;
    }

    /**
     * @param candidates traffic of uncached regions, hottest first.
     * @return the regions to load, hottest first.
     */
    public List<HotRegionTracker.Candidate> choose(final List<HotRegionTracker.Candidate> candidates)
    {
        final List<HotRegionTracker.Candidate> out = new ArrayList<>();
        for (final HotRegionTracker.Candidate c : candidates)
        {
            if (out.size() >= topN)
            {
                break;
            }
            if (c.stepped() >= minStepped && c.amplification() >= minAmplification)
            {
                out.add(c);
            }
        }
        return out;
    }
}
