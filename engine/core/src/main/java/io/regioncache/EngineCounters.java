package io.regioncache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;


/**
 * The engine's counters. Apply-thread counters are plain atomics; reader-side counters ({@link #snapshotFailed}) are
 * {@link LongAdder}s so that readers of many threads do not contend on one cache line. Pins and unpins of healthy
 * snapshots count nothing: the read fast path stays free of shared writes.
 */
final class EngineCounters
{
    private final Transitions transitions = new Transitions();
    private final AtomicLongArray results = new AtomicLongArray(ResultCode.values().length);
    private final AtomicLongArray evictions = new AtomicLongArray(EvictReason.values().length);
    private final LongAdder[] snapshotFailures = new LongAdder[SnapshotStatus.values().length];
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong applyErrors = new AtomicLong();
    private final AtomicLong queueFull = new AtomicLong();
    private final AtomicLong leakedSnapshots = new AtomicLong();
    private final AtomicLong splits = new AtomicLong();
    private final AtomicLong loadsStarted = new AtomicLong();
    private final AtomicLong loadsFinished = new AtomicLong();
    private final AtomicLong indexesFilledDuringCopy = new AtomicLong();
    private final AtomicLong loadsFailed = new AtomicLong();
    private final AtomicLong loadsCanceled = new AtomicLong();
    private final AtomicLong loadsFailedForMemory = new AtomicLong();
    private final AtomicLong slotsOnlyForMemory = new AtomicLong();
    private final DurationStat loadDurations = new DurationStat();
    private final DurationStat evictDurations = new DurationStat();
    private final DurationStat compactionDurations = new DurationStat();
    private final AtomicLong putsApplied = new AtomicLong();
    private final AtomicLong tablesFreed = new AtomicLong();
    private final AtomicLong loadsRefused = new AtomicLong();
    private final AtomicLong policyLoads = new AtomicLong();
    private final AtomicLong policyLoadsRefused = new AtomicLong();
    private final AtomicLong compactionsStarted = new AtomicLong();
    private final AtomicLong compactionsFinished = new AtomicLong();
    private final AtomicLong gcVersionsDropped = new AtomicLong();
    private final AtomicLong gcEntriesKept = new AtomicLong();

    /** Create zeroed counters. */
    public EngineCounters()
    {
        for (int i = 0; i < snapshotFailures.length; i++)
        {
            snapshotFailures[i] = new LongAdder();
        }
    }

    /** @return the from→to transition counters. */
    public Transitions transitions()
    {
        return transitions;
    }

    /**
     * @param code a command outcome to count.
     */
    public void onResult(final ResultCode code)
    {
        results.getAndIncrement(code.ordinal());
    }

    /**
     * @param code a command outcome.
     * @return how many commands ended with it.
     */
    public long results(final ResultCode code)
    {
        return results.get(code.ordinal());
    }

    /** @param reason an eviction to count. */
    public void onEvict(final EvictReason reason)
    {
        evictions.getAndIncrement(reason.ordinal());
    }

    /**
     * @param reason eviction reason.
     * @return evictions for it.
     */
    public long evictions(final EvictReason reason)
    {
        return evictions.get(reason.ordinal());
    }

    /** @param status a failed snapshot acquisition (any thread). */
    public void snapshotFailed(final SnapshotStatus status)
    {
        snapshotFailures[status.ordinal()].increment();
    }

    /**
     * @param status a failure reason.
     * @return failed acquisitions for it.
     */
    public long snapshotFailures(final SnapshotStatus status)
    {
        return snapshotFailures[status.ordinal()].sum();
    }

    /** Count a state conflict (a command met a state its sender did not expect, or an illegal move). */
    public void onConflict()
    {
        conflicts.incrementAndGet();
    }

    /** @return conflicts so far. */
    public long conflicts()
    {
        return conflicts.get();
    }

    /** Count an exception caught on the apply thread. */
    public void onApplyError()
    {
        applyErrors.incrementAndGet();
    }

    /** @return exceptions caught on the apply thread. */
    public long applyErrors()
    {
        return applyErrors.get();
    }

    /** Count a command refused because the queue was full. */
    public void onQueueFull()
    {
        queueFull.incrementAndGet();
    }

    /** @return commands refused because the queue was full. */
    public long queueFull()
    {
        return queueFull.get();
    }

    /** Count a snapshot dropped without close and released by the cleaner. */
    public void onLeakedSnapshot()
    {
        leakedSnapshots.incrementAndGet();
    }

    /** @return snapshots released by the cleaner. */
    public long leakedSnapshots()
    {
        return leakedSnapshots.get();
    }

    /** Count an applied split. */
    public void onSplit()
    {
        splits.incrementAndGet();
    }

    /** @return applied splits. */
    public long splits()
    {
        return splits.get();
    }

    /** Count a started load. */
    public void onLoadStarted()
    {
        loadsStarted.incrementAndGet();
    }

    /**
     * Count a finished load.
     *
     * @param nanos how long it took.
     */
    public void onLoadFinished(final long nanos)
    {
        loadsFinished.incrementAndGet();
        loadDurations.record(nanos);
    }

    /** Count a failed load. */
    public void onLoadFailed()
    {
        loadsFailed.incrementAndGet();
    }

    /** Count a load that failed because the memory budget ran out (also counted as failed). */
    public void onLoadFailedForMemory()
    {
        loadsFailedForMemory.incrementAndGet();
    }

    /** @return loads that failed for memory. */
    public long loadsFailedForMemory()
    {
        return loadsFailedForMemory.get();
    }

    /** Count a hash-index generation built without its entry column because memory was short. */
    public void onSlotsOnlyForMemory()
    {
        slotsOnlyForMemory.incrementAndGet();
    }

    /**
     * @return hash-index generations (a table's first, a load's or compaction's bulk build, each growth) built
     * slots-only because memory was short (memory pressure, or the pool refused the entries at the cap).
     */
    public long slotsOnlyForMemory()
    {
        return slotsOnlyForMemory.get();
    }

    /** Count a canceled load. */
    public void onLoadCanceled()
    {
        loadsCanceled.incrementAndGet();
    }

    /** @return loads started. */
    public long loadsStarted()
    {
        return loadsStarted.get();
    }

    /** @return loads that made at least one region ACTIVE. */
    public long loadsFinished()
    {
        return loadsFinished.get();
    }

    /**
     * @return finished loads whose hash index was filled while the copy waited on the store's scan (sized from the
     * store's size estimate), rather than built after the copy.
     */
    public long indexesFilledDuringCopy()
    {
        return indexesFilledDuringCopy.get();
    }

    /** Count a finished load whose index was filled during its copy. */
    public void onIndexFilledDuringCopy()
    {
        indexesFilledDuringCopy.incrementAndGet();
    }

    /** @return loads that failed. */
    public long loadsFailed()
    {
        return loadsFailed.get();
    }

    /** @return loads canceled by eviction. */
    public long loadsCanceled()
    {
        return loadsCanceled.get();
    }

    /** @return durations of finished loads (start of copy to ACTIVE). */
    public DurationStat loadDurations()
    {
        return loadDurations;
    }

    /** @return durations of evictions (request to memory released, including waiting for pins to drain). */
    public DurationStat evictDurations()
    {
        return evictDurations;
    }

    /** @return durations of compactions (start of copy to swap). */
    public DurationStat compactionDurations()
    {
        return compactionDurations;
    }

    /**
     * Count applied puts and deletes.
     *
     * @param n how many.
     */
    public void onPutsApplied(final int n)
    {
        putsApplied.addAndGet(n);
    }

    /** @return puts and deletes applied to tables. */
    public long putsApplied()
    {
        return putsApplied.get();
    }

    /** Count a table whose memory went back to the pool. */
    public void onTableFreed()
    {
        tablesFreed.incrementAndGet();
    }

    /** @return tables freed. */
    public long tablesFreed()
    {
        return tablesFreed.get();
    }

    /** Count a load refused at the stop-load threshold. */
    public void onLoadRefused()
    {
        loadsRefused.incrementAndGet();
    }

    /** @return loads refused at the stop-load threshold. */
    public long loadsRefused()
    {
        return loadsRefused.get();
    }

    /** Count a compaction started. */
    public void onCompactionStarted()
    {
        compactionsStarted.incrementAndGet();
    }

    /**
     * Count a compaction swapped in.
     *
     * @param kept    entries copied.
     * @param dropped versions dropped by GC.
     * @param nanos   how long it took.
     */
    public void onCompactionFinished(final long kept, final long dropped, final long nanos)
    {
        compactionsFinished.incrementAndGet();
        compactionDurations.record(nanos);
        gcEntriesKept.addAndGet(kept);
        gcVersionsDropped.addAndGet(dropped);
    }

    /** @return compactions started. */
    public long compactionsStarted()
    {
        return compactionsStarted.get();
    }

    /** @return compactions swapped in. */
    public long compactionsFinished()
    {
        return compactionsFinished.get();
    }

    /** @return entries kept by compactions. */
    public long gcEntriesKept()
    {
        return gcEntriesKept.get();
    }

    /** @return MVCC versions dropped by GC. */
    public long gcVersionsDropped()
    {
        return gcVersionsDropped.get();
    }

    /**
     * Count a load decided by the load policy.
     *
     * @param accepted false if the load request was refused or skipped.
     */
    public void onPolicyLoad(final boolean accepted)
    {
        (accepted ? policyLoads : policyLoadsRefused).incrementAndGet();
    }

    /** @return loads requested by the load policy and accepted. */
    public long policyLoads()
    {
        return policyLoads.get();
    }
}
