package io.regioncache;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.NanoClock;

import static io.regioncache.RegionState.EVICTING;
import static io.regioncache.RegionState.GONE;
import static io.regioncache.RegionState.RETIRED;

/**
 * Apply thread: records that left the index (evicted or retired) and wait for their pins to drain; once a record
 * admits no new pins and its count is zero, it goes GONE and drops its table reference (the last reference frees the
 * table). Also the one place an eviction is timed: every counted eviction reaches {@link #evictionDone} exactly once,
 * whatever state it began in.
 */
final class Reclaimer
{
    private final List<RegionRecord> draining = new ArrayList<>();
    private final EngineCounters counters;
    private final NanoClock clock;
    private volatile int publishedCount;

    Reclaimer(final EngineCounters counters, final NanoClock clock)
    {
        this.counters = counters;
        this.clock = clock;
    }

    /**
     * @param r a record that just moved to PENDING_EVICT, EVICTING or RETIRED.
     */
    void add(final RegionRecord r)
    {
        draining.add(r);
        // Published now, before the command that evicted or retired r completes its future, not at the next
        // reclaim: a host reading regions.draining right after an evict or split of a pinned region saw 0 (audit
        // 13). A record without pins is not counted: the reclaim at the end of this cycle takes it.
        if (!r.pinsDrained())
        {
            publishedCount = publishedCount + 1; // apply thread only: the single writer
        }
    }

    /**
     * Unlink records whose pins have drained and drop their table references.
     *
     * @return work done.
     */
    int reclaim()
    {
        int work = 0;
        for (int i = draining.size() - 1; i >= 0; i--)
        {
            final RegionRecord r = draining.get(i);
            final long word = r.stateWordVolatile();
            final RegionState state = StateWord.state(word);
            // EVICTING and RETIRED admit no new pins, so a pin count seen at zero stays zero.
            if ((state == EVICTING || state == RETIRED) && r.pinsDrained() && r.casState(word, GONE))
            {
                if (r.detachTable())
                {
                    counters.onTableFreed();
                }
                if (state == EVICTING)
                {
                    evictionDone(r);
                }
                draining.remove(i);
                work++;
            }
        }
        if (publishedCount != draining.size())
        {
            publishedCount = draining.size();
        }
        return work;
    }

    /**
     * An evicted record reached GONE (PENDING at once, LOADING when its load let go, ACTIVE when its pins drained):
     * time the eviction from its request.
     *
     * @param r the record.
     */
    void evictionDone(final RegionRecord r)
    {
        counters.evictDurations().record(clock.nanoTime() - r.evictRequestedNanos());
    }

    /**
     * @param regionId a region id.
     * @return true if an evicted record of that region still waits for its pins (not a retired one).
     */
    boolean isEvicting(final long regionId)
    {
        for (final RegionRecord r : draining)
        {
            if (r.id() == regionId && r.state() != RETIRED)
            {
                return true;
            }
        }
        return false;
    }

    /** @return true if nothing waits. */
    boolean isEmpty()
    {
        return draining.isEmpty();
    }

    /**
     * Apply thread: the memory that comes back when the records waiting here drain: the tables no other record uses
     * (a retired split parent shares its children's table, so none of it comes back). Allocates nothing.
     *
     * @return bytes.
     */
    long bytesComingBack()
    {
        long bytes = 0;
        for (int i = 0; i < draining.size(); i++)
        {
            final TableRef ref = draining.get(i).tableRef();
            if (ref != null && ref.records() == 1)
            {
                bytes += ref.table().memoryBytes();
            }
        }
        return bytes;
    }

    /** @return records waiting (apply thread). */
    int size()
    {
        return draining.size();
    }

    /**
     * @return records waiting for pins, as of the last reclaim or the last record added since (any thread).
     */
    int publishedCount()
    {
        return publishedCount;
    }
}
