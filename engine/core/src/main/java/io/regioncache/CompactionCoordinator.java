package io.regioncache;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;

import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.table.MvccTable;

import static io.regioncache.RegionState.ACTIVE;

/**
 * Apply thread: MVCC GC by compaction. Decides which ACTIVE regions are worth compacting (mostly garbage at their
 * safe point, room for the copy), hands a {@link CompactionJob} to the GC executor, buffers the batches applied to
 * the region meanwhile, and when the job is back replays them and swaps in a successor record (or discards the copy
 * if the region changed under it).
 */
final class CompactionCoordinator
{
    private static final Logger LOG = LoggerFactory.getLogger(CompactionCoordinator.class);

    private final ApplyAgent agent;
    private final RegionCacheConfig config;
    private final MemoryBudget budget;
    private final EngineCounters counters;
    private final NanoClock clock;
    private final Executor gcExecutor;
    private final Queue<Command> internalQueue;
    private final Map<RegionRecord, CompactionJob> compactions = new HashMap<>();

    CompactionCoordinator(
        final ApplyAgent agent,
        final RegionCacheConfig config,
        final MemoryBudget budget,
        final EngineCounters counters,
        final NanoClock clock,
        final Executor gcExecutor,
        final Queue<Command> internalQueue)
    {
        this.agent = agent;
        this.config = config;
        this.budget = budget;
        this.counters = counters;
        this.clock = clock;
        this.gcExecutor = gcExecutor;
        this.internalQueue = internalQueue;
    }

    /**
     * @param r a live record.
     * @return true if there is room for the copy (it stays below the copy ceiling, {@link MemoryBudget#copyCeiling()})
     * and its table is mostly garbage at its safe point, or, under memory pressure, still carries the index's
     * entry column: the copy is built slots-only ({@link EntryPressureGate}), which gives back ~250 bytes per key.
     */
    boolean needsCompaction(final RegionRecord r)
    {
        final TableRef ref = r.tableRef();
        if (ref == null || r.state() != ACTIVE || compactions.containsKey(r))
        {
            return false;
        }
        if (budget.used() + LoadCoordinator.reloadBytes(r) >= budget.copyCeiling())
        {
            return false; // no room for the copy: compacting now would only evict writers at the hard cap
        }
        final MvccTable t = ref.table();
        if (t.indexHasEntries() && agent.entryGate().underPressure())
        {
            return true;
        }
        final long safePoint = r.safePointAcquire();
        if (safePoint <= r.compactedAtSafePoint())
        {
            return false; // nothing new to collect since the last compaction
        }
        final long nodes = t.nodeCount();
        return nodes > 0 && (nodes - t.keyCount()) >= (long)(nodes * config.gcGarbageRatio());
    }

    /**
     * @param r a record.
     * @return null if a compaction started, else why not.
     */
    String start(final RegionRecord r)
    {
        if (r.state() != ACTIVE || r.tableRef() == null)
        {
            return "not ACTIVE";
        }
        if (compactions.containsKey(r))
        {
            return "already compacting";
        }
        final CompactionJob job = new CompactionJob(r, agent.newTable(), r.safePointAcquire(), internalQueue, budget);
        job.startedNanos = clock.nanoTime();
        job.sourceRef.retain(); // the job reads the source table: it must outlive the job
        compactions.put(r, job);
        counters.onCompactionStarted();
        agent.execute(gcExecutor, job, why ->
        {
            // Refused or thrown: it never runs, and close() must not cancel it again. Unless it ran already: an
            // executor that runs jobs inline (Runnable::run) throws what escaped the job (an Error from its copy)
            // after the job queued its own completion, and a second one would finish (free) it twice.
            if (!job.take())
            {
                return null;
            }
            job.failure = why;
            return new Command.CompactionFinished(job);
        });
        return null;
    }

    /**
     * A batch was applied to an ACTIVE record: if it is being compacted, keep the batch for the replay.
     *
     * @param r the record.
     * @param b the batch.
     */
    void onApplied(final RegionRecord r, final WriteBatch b)
    {
        final CompactionJob job = compactions.get(r);
        if (job != null)
        {
            job.buffered.add(b); // replayed into the compacted table before the swap
        }
    }

    /**
     * The closing thread (the single writer once the apply thread has stopped), after close()'s wait: give back the
     * source table reference and the empty copy of every job no thread has taken (its executor busy or held), so that
     * they stop counting in memory in use, and remove them (README, Reliability: zero bytes in use after close). A job
     * already running is left to finish; what it holds is then left to the GC, as for a load.
     */
    void cancelQueued()
    {
        for (final java.util.Iterator<CompactionJob> it = compactions.values().iterator(); it.hasNext(); )
        {
            final CompactionJob job = it.next();
            if (job.cancelIfQueued())
            {
                it.remove();
                if (job.sourceRef.release())
                {
                    counters.onTableFreed();
                }
                job.target.free();
                counters.onTableFreed();
                LOG.debug("region {}: compaction canceled by close before it started", job.source.id());
            }
        }
    }

    /** @return true if no compaction is running. */
    boolean isIdle()
    {
        return compactions.isEmpty();
    }

    /**
     * A compaction is back from the GC executor: replay and swap, or discard.
     *
     * @param job the job.
     * @return the command result.
     */
    CommandResult onFinished(final CompactionJob job)
    {
        final RegionRecord src = job.source;
        compactions.remove(src);
        if (job.sourceRef.release())
        {
            counters.onTableFreed();
        }
        String failure = job.failure;
        final long word = src.stateWordVolatile();
        if (failure == null &&
            (StateWord.state(word) != ACTIVE || agent.directory().currentAcquire().byId(src.id()) != src))
        {
            failure = "region changed while compacting (" + StateWord.state(word) + "): result discarded";
        }
        if (failure == null)
        {
            for (final WriteBatch b : job.buffered)
            {
                if (!agent.tableWriter().apply(job.target, b))
                {
                    failure = "memory capacity reached while replaying into the compacted table";
                    break;
                }
            }
        }
        if (failure != null)
        {
            job.target.free();
            counters.onTableFreed();
            LOG.debug("region {}: compaction abandoned: {}", src.id(), failure);
            return CommandResult.of(ResultCode.SKIPPED, src.id(), failure);
        }
        final RegionRecord successor = agent.successorOf(src, StateWord.flags(word) & ~StateWord.FLAG_HISTORICAL);
        successor.attachTable(new TableRef(job.target));
        successor.lastWriteVersion(src.lastWriteVersion());
        successor.appliedVersionRelease(src.appliedVersionAcquire());
        successor.inheritHistory(src);
        successor.compactedAtSafePoint(job.safePoint);
        agent.directory().replace(List.of(src), List.of(successor));
        agent.retire(src);
        counters.onCompactionFinished(job.copied, job.dropped, clock.nanoTime() - job.startedNanos);
        LOG.debug("region {} compacted at safe point {}: {} entries kept, {} dropped", src.id(), job.safePoint,
            job.copied, job.dropped);
        return CommandResult.OK;
    }
}
