package io.regioncache;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.NanoClock;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.table.EntryGate;

/**
 * The engine's {@link EntryGate}: a new hash-index generation gets its 128-byte entry column only when memory is not
 * what limits the cache.
 * <p>
 * <b>Why.</b> The entries (one miss per get) cost ~270 bytes of index per key against ~16 for slots only, more than
 * the nodes themselves. With the budget to spare that buys speed for nothing; when the budget is what decides how
 * much hot data is cached, the same memory as nodes and slots holds about 2.4 times the keys, and a get served by
 * the cache at two misses beats one served by the store. Measured with {@code drive --budget 24MB}: hit ratio 62%
 * with entries everywhere, 79% with slots only (README, "Memory pressure").
 * <p>
 * <b>Rule.</b> A generation gets entries when both hold:
 * <ol>
 *     <li>no sign of memory pressure within the last {@code loadBackoffMillis} (the period a load that failed for
 *     memory backs off for; default 60 s). A sign is anything the budget refused or cost: the load policy stopped at
 *     the stop-load threshold or refused a hot region for its size, a load waited or failed for memory, background
 *     eviction for memory, a write evicted at the hard cap ({@code MEMORY_LIMIT}). Under steady pressure the signs
 *     recur every policy round, so every new table, and every table a compaction rebuilds, is slots-only; once the
 *     hot data fits they stop and entries come back after one period;</li>
 *     <li>memory in use plus the entries stays below the stop-load threshold: the speed-up alone never stops loads
 *     (checked on each generation, so also during the ramp-up before any pressure is seen).</li>
 * </ol>
 * Reads are exact either way (a generation without entries reads through the slot's node, the path
 * {@code inlineNewestVersions(false)} always takes). Called from the table's writer: the apply thread, a loader, a
 * compaction thread; {@link #onPressure} from the apply thread only.
 */
final class EntryPressureGate implements EntryGate
{
    private final MemoryBudget budget;
    private final NanoClock clock;
    private final long windowNanos;
    private final EngineCounters counters;
    /** Clock time until which new generations are slots-only; written by the apply thread, read by any writer. */
    private volatile long pressureUntil;
    private volatile boolean pressureSeen;

    EntryPressureGate(
        final MemoryBudget budget, final NanoClock clock, final long windowMillis, final EngineCounters counters)
    {
        this.budget = budget;
        this.clock = clock;
        this.windowNanos = TimeUnit.MILLISECONDS.toNanos(windowMillis); // saturates: a huge window is not a negative one
        this.counters = counters;
    }

    /** Apply thread: memory was short just now (see the class comment for what counts). */
    void onPressure()
    {
        pressureUntil = clock.nanoTime() + windowNanos;
        pressureSeen = true;
    }

    /** @return true if memory pressure was seen within the window. Any thread. */
    boolean underPressure()
    {
        return pressureSeen && clock.nanoTime() - pressureUntil < 0;
    }

    @Override
    public boolean allowEntries(final long entryBytes)
    {
        if (underPressure() || budget.used() + entryBytes >= budget.stopLoadThreshold())
        {
            counters.onSlotsOnlyForMemory();
            return false;
        }
        return true;
    }

    @Override
    public void onPoolRefused(final long entryBytes)
    {
        counters.onSlotsOnlyForMemory();
    }
}
