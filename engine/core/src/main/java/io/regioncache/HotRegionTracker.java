package io.regioncache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;


/**
 * Read traffic of regions that are NOT cached, reported by the host for the reads its backing store served
 * ({@code RegionCache.recordStoreRead}), so that the load policy can find the hot ones (TiKV's load-based caching).
 * <p>
 * Any thread reports; the apply thread takes and resets the numbers once per policy interval. Counting uses
 * striped {@link LongAccumulator}s (a {@code LongAdder} that saturates) so that many reader threads do not contend on a
 * region's counters.
 */
final class HotRegionTracker
{
    private final ConcurrentHashMap<Long, Traffic> traffic = new ConcurrentHashMap<>();

    /**
     * Any thread: count a read served by the backing store.
     *
     * @param region   the region read.
     * @param stepped  entries stepped over (every MVCC version and tombstone counts).
     * @param returned keys returned to the caller.
     */
    public void onStoreRead(final Region region, final long stepped, final long returned)
    {
        final Traffic t = traffic.computeIfAbsent(region.id(), id -> new Traffic(region));
        t.region = region.epochVersion() >= t.region.epochVersion() ? region : t.region;
        t.stepped.accumulate(stepped);
        t.returned.accumulate(returned);
    }

    /**
     * Apply thread: the traffic since the last call, hottest (most entries stepped) first; resets the counters.
     *
     * @return one entry per region read.
     */
    public List<Candidate> drain()
    {
        final List<Candidate> out = new ArrayList<>();
        for (final Traffic t : traffic.values())
        {
            final long stepped = t.stepped.getThenReset();
            final long returned = t.returned.getThenReset();
            if (stepped > 0)
            {
                out.add(new Candidate(t.region, stepped, returned));
            }
        }
        traffic.values().removeIf(t -> t.stepped.get() == 0);
        out.sort((a, b) -> Long.compare(b.stepped, a.stepped));
        return out;
    }

    /**
     * The sum of two counts ({@code >= 0}, as {@code recordStoreRead} checks), {@code Long.MAX_VALUE} when it would
     * pass it. A {@code LongAdder} wrapped instead: two reports of {@code Long.MAX_VALUE} in one interval summed to -2,
     * and a region with no positive count is dropped, so the hottest region the host could report was never loaded
     * (audit 11a, {@code blackbox11a/CounterBoundariesTest}). Saturating is associative and commutative on counts
     * {@code >= 0}, as {@link LongAccumulator} requires of its function.
     */
    static long saturatedSum(final long a, final long b)
    {
        final long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static final class Traffic
    {
        volatile Region region;
        final LongAccumulator stepped = new LongAccumulator(HotRegionTracker::saturatedSum, 0);
        final LongAccumulator returned = new LongAccumulator(HotRegionTracker::saturatedSum, 0);

        Traffic(final Region region)
        {
            this.region = region;
        }
    }

    /**
     * One region's traffic over an interval.
     *
     * @param region   the region (newest epoch seen).
     * @param stepped  entries stepped over.
     * @param returned keys returned.
     */
    public record Candidate(Region region, long stepped, long returned)
    {
        /** @return MVCC amplification: entries stepped over per key returned. */
        public double amplification()
        {
            return returned == 0 ? stepped : (double)stepped / returned;
        }
    }
}
