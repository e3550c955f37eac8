package io.regioncache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.regioncache.internal.memory.MemoryBudget;

/**
 * Chooses the regions to evict when memory use passes the eviction threshold. Apply thread only.
 * <p>
 * Coldest first, by an exponential moving average of each region's read traffic. It must not thrash (TiKV
 * tikv#18093 evicted and reloaded the same regions every round): a region younger than the minimum residency is
 * never chosen, regions the host keeps cached are never chosen, at most a fraction of the cached regions goes per
 * round, so one burst of pressure cannot empty the cache, and only <em>cold</em> regions are chosen (heat at most
 * half the mean heat), as TiKV evicts only regions cold by its moving average. If only hot regions remain, the
 * policy leaves them; the hard capacity still bounds memory (a write that would pass it evicts its region).
 */
final class EvictionPolicy
{
    private static final double DECAY = 0.8;
    /** A region is cold when its heat is at most this fraction of the mean heat of the cached regions. */
    private static final double COLD_FRACTION = 0.5;

    private final long minResidencyNanos;
    private final double maxFractionPerRound;

    /**
     * @param minResidencyMillis  minimum residency.
     * @param maxFractionPerRound cap per round as a fraction of cached regions.
     */
    public EvictionPolicy(final long minResidencyMillis, final double maxFractionPerRound)
    {
        // Saturates: millis * 1_000_000 wrapped for an absurdly long residency, making every region evictable at once.
        this.minResidencyNanos = TimeUnit.MILLISECONDS.toNanos(minResidencyMillis);
        this.maxFractionPerRound = maxFractionPerRound;
    }

    /**
     * Update every region's heat and, if usage is above the eviction threshold, choose victims until the
     * estimated usage falls under the stop-load threshold or the per-round cap is reached.
     *
     * @param records the live records.
     * @param budget  the memory budget.
     * @param nowNanos the engine clock.
     * @return the records to evict, coldest first.
     */
    public List<RegionRecord> choose(final List<RegionRecord> records, final MemoryBudget budget, final long nowNanos)
    {
        return choose(records, budget, nowNanos, true, 0);
    }

    /**
     * @param records    the live records.
     * @param budget     the memory budget.
     * @param nowNanos   the engine clock.
     * @param updateHeat true once per policy round (the moving average is per round); false for the eviction-only
     *                   rounds between them.
     * @param comingBack bytes in use that come back when evicted or retired records drain: not counted as usage.
     * @return the records to evict, coldest first.
     */
    public List<RegionRecord> choose(
        final List<RegionRecord> records, final MemoryBudget budget, final long nowNanos, final boolean updateHeat,
        final long comingBack)
    {
        final List<RegionRecord> candidates = new ArrayList<>();
        double heatSum = 0;
        for (final RegionRecord r : records)
        {
            heatSum += updateHeat ? r.stats().updateHeat(DECAY) : r.stats().heat();
            final long word = r.stateWordVolatile();
            if (StateWord.state(word) == RegionState.ACTIVE &&
                (StateWord.flags(word) & StateWord.FLAG_KEEP_CACHED) == 0 &&
                nowNanos - r.createdNanos() >= minResidencyNanos)
            {
                candidates.add(r);
            }
        }
        final long used = budget.used() - comingBack;
        if (used <= budget.evictThreshold() || candidates.isEmpty())
        {
            return List.of();
        }
        // Three quarters of the way from the evict threshold to the hard cap, a write is about to evict its own region
        // at the cap (MEMORY_LIMIT): then the coldest regions go even if they are not cold by the mean, still never
        // a young or kept-cached one and never more than the per-round cap, so the hard cap stays the rare exception.
        final boolean urgent =
            used >= budget.capacity() - (budget.capacity() - budget.evictThreshold()) / 4;
        if (!urgent)
        {
            final double coldLimit = COLD_FRACTION * heatSum / records.size();
            candidates.removeIf(r -> r.stats().heat() > coldLimit);
        }
        candidates.sort((a, b) -> Double.compare(a.stats().heat(), b.stats().heat()));
        final int cap = Math.max(1, (int)(records.size() * maxFractionPerRound));
        final List<RegionRecord> victims = new ArrayList<>();
        long projected = used;
        for (final RegionRecord r : candidates)
        {
            if (victims.size() >= cap || projected < budget.stopLoadThreshold())
            {
                break;
            }
            victims.add(r);
            projected -= estimatedBytes(r);
        }
        return victims;
    }

    /**
     * @param r a record.
     * @return its share of its table's memory (a shared table is split evenly between its records).
     */
    public static long estimatedBytes(final RegionRecord r)
    {
        if (r.tableRef() == null)
        {
            return 0;
        }
        return r.table().memoryBytes() / Math.max(1, r.tableRef().records());
    }
}
