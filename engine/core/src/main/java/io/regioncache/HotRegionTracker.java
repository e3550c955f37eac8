package io.regioncache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;


/**
 * Read traffic of regions that are NOT cached, reported by the host for the reads its backing store served
 * ({@code RegionCache.recordStoreRead}), so that the load policy can find the hot ones (TiKV's load-based caching).
 * <p>
 * Any thread reports; the apply thread takes and resets the numbers once per policy interval. Counting uses
 * {@link LongAdder}s so that many reader threads do not contend on a region's counters.
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
        t.stepped.add(stepped);
        t.returned.add(returned);
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
            final long stepped = t.stepped.sumThenReset();
            final long returned = t.returned.sumThenReset();
            if (stepped > 0)
            {
                out.add(new Candidate(t.region, stepped, returned));
            }
        }
        traffic.values().removeIf(t -> t.stepped.sum() == 0);
        out.sort((a, b) -> Long.compare(b.stepped, a.stepped));
        return out;
    }

    private static final class Traffic
    {
        volatile Region region;
        final LongAdder stepped = new LongAdder();
        final LongAdder returned = new LongAdder();

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
