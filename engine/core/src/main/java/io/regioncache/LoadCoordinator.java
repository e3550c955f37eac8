package io.regioncache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MpmcArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.table.MvccTable;

import static io.regioncache.RegionState.ACTIVE;
import static io.regioncache.RegionState.EVICTING;
import static io.regioncache.RegionState.GONE;
import static io.regioncache.RegionState.LOADING;
import static io.regioncache.RegionState.LOADING_CANCELED;
import static io.regioncache.RegionState.PENDING;

/**
 * Apply thread: the load path. PENDING records wait here until a load may start (not paused, not disabled, the
 * budget below the stop-load threshold, the region's estimated size fits, no back-off after a failure for memory);
 * then this opens the store snapshot, moves the record to LOADING and hands a {@link LoadJob} to the loader. Writes
 * that reach a LOADING record are buffered on its job; a split moves the job to the children; an eviction cancels
 * it; the finished job comes back through the internal queue and is installed (LOADING → ACTIVE) or cleaned up.
 * <p>
 * <b>Memory pressure.</b> A load that failed for memory is remembered with the bytes it had copied: the range is
 * not loaded again until {@code loadBackoffMillis} has passed, and after that only when its estimated size (the
 * larger of what it copied and what it held when it was last evicted) fits below the stop-load threshold. So a range
 * too big for the budget is tried at most once per back-off period instead of being copied to the cap again and again.
 * An estimate counts the index the load will build (its data plus a slots-only index for its keys: the entries come
 * only when they fit, see {@link EntryPressureGate}), not the index the evicted table happened to hold, and a load
 * that is still copying counts for what it has not copied yet, so two loads started in one round do not both count
 * the same free memory. A running load stops at the copy ceiling ({@link LoadJob#memoryFull()}), never at the cap.
 */
final class LoadCoordinator
{
    private static final Logger LOG = LoggerFactory.getLogger(LoadCoordinator.class);

    private final ApplyAgent agent;
    private final RegionCacheConfig config;
    private final BackingStore store;
    private final MemoryBudget budget;
    private final EngineCounters counters;
    private final NanoClock clock;
    private final Executor loaderExecutor;
    private final Executor loadScanExecutor;
    private final Queue<Command> internalQueue;
    private final MpmcArrayQueue<UnsafeBuffer> spareScanChunks = ScanPipe.newSparePool();

    private final ArrayDeque<RegionRecord> pendingLoads = new ArrayDeque<>();
    private final Map<RegionRecord, LoadJob> loadingJobs = new HashMap<>();
    /** Region id → bytes its data was last seen to need (evicted with, or copied before a load ran out). */
    private final Long2LongHashMap estimatedBytes = new Long2LongHashMap(0);
    /** Region id → clock time before which it is not loaded again (a load of it failed for memory). */
    private final Long2LongHashMap backoffUntil = new Long2LongHashMap(Long.MIN_VALUE);
    private volatile boolean paused;

    LoadCoordinator(
        final ApplyAgent agent,
        final RegionCacheConfig config,
        final MemoryBudget budget,
        final EngineCounters counters,
        final NanoClock clock,
        final Executor loaderExecutor,
        final Executor loadScanExecutor,
        final Queue<Command> internalQueue)
    {
        this.agent = agent;
        this.config = config;
        this.store = config.backingStore();
        this.budget = budget;
        this.counters = counters;
        this.clock = clock;
        this.loaderExecutor = loaderExecutor;
        this.loadScanExecutor = loadScanExecutor;
        this.internalQueue = internalQueue;
    }

    /**
     * Any thread: pause or resume starting loads (PENDING records wait).
     *
     * @param paused true to pause.
     */
    void pause(final boolean paused)
    {
        this.paused = paused;
    }

    /** @param r a new PENDING record. */
    void enqueue(final RegionRecord r)
    {
        pendingLoads.add(r);
    }

    /** @param r a PENDING record leaving (evicted). */
    void removePending(final RegionRecord r)
    {
        pendingLoads.remove(r);
    }

    /**
     * Why a load of {@code region} should not be requested now, or null: for the load policy, so it does not keep
     * choosing a range that cannot fit.
     *
     * @param region the region.
     * @return the reason, or null.
     */
    String refusal(final Region region)
    {
        final long until = backoffUntil.get(region.id());
        if (until != Long.MIN_VALUE && clock.nanoTime() - until < 0)
        {
            return "a load of this region failed for memory; backing off for " +
                (until - clock.nanoTime()) / 1_000_000 + " ms";
        }
        final long estimate = estimatedBytes.get(region.id());
        final long committed = budget.used() + stillToCopy();
        if (estimate > 0 && committed + estimate >= budget.stopLoadThreshold())
        {
            return "estimated size " + estimate + " bytes does not fit: memory in use " + budget.used() +
                " + still to copy by running loads " + (committed - budget.used()) + " + estimate >= stop-load " +
                "threshold " + budget.stopLoadThreshold();
        }
        return null;
    }

    /**
     * @return bytes the running loads are expected to take beyond what they have copied so far (loads of ranges of
     * unknown size count nothing).
     */
    private long stillToCopy()
    {
        long sum = 0;
        for (final LoadJob job : loadingJobs.values())
        {
            sum += Math.max(0, job.estimatedBytes - job.table.memoryBytes());
        }
        return sum; // a job serving several split children appears once per child: an over-estimate, on the safe side
    }

    /**
     * @param r a record leaving the cache.
     * @return what a reload of it will need: its share of the table's data, and a slots-only index for its share of
     * the keys (not the index generations the table held: a load builds one, at its final size, with entries only
     * when the gate allows them).
     */
    static long reloadBytes(final RegionRecord r)
    {
        if (r.tableRef() == null)
        {
            return 0;
        }
        final MvccTable t = r.table();
        final int records = Math.max(1, r.tableRef().records());
        return t.dataBytes() / records + MvccTable.slotIndexBytes(t.keyCount() / records);
    }

    /**
     * Remember what a region held when it left, as its size estimate for a later load.
     *
     * @param regionId the region.
     * @param bytes    its share of memory.
     */
    void rememberSize(final long regionId, final long bytes)
    {
        if (bytes > 0)
        {
            estimatedBytes.put(regionId, bytes);
        }
    }

    /**
     * Start the loads that may start.
     *
     * @param enabled false while the engine is disabled (PENDING records are not created then; nothing to start).
     * @return work done.
     */
    int startPending(final boolean enabled)
    {
        if (store == null || paused || !enabled || pendingLoads.isEmpty())
        {
            return 0;
        }
        if (budget.shouldStopLoading())
        {
            agent.entryGate().onPressure();
            return 0; // PENDING regions wait; the stop-load threshold keeps headroom for writes
        }
        int work = 0;
        RegionRecord r;
        // Each record is looked at once per call: one that does not fit yet goes back to the queue's end.
        for (int left = pendingLoads.size(); left > 0 && !paused && (r = pendingLoads.poll()) != null; left--)
        {
            work++;
            final long word = r.stateWordVolatile();
            if (StateWord.state(word) != PENDING)
            {
                continue; // evicted or split while waiting: its children were queued in its place
            }
            final long estimate = estimatedBytes.get(r.id());
            if (estimate > 0 && (StateWord.flags(word) & StateWord.FLAG_KEEP_CACHED) == 0 &&
                budget.used() + stillToCopy() + estimate >= budget.stopLoadThreshold())
            {
                // Known to need more than is left below the stop-load threshold (other loads started since it was
                // queued): wait, PENDING holds no memory, rather than copy towards the cap and fail.
                agent.entryGate().onPressure();
                pendingLoads.add(r);
                work--; // waiting is not work: an idle apply thread may back off meanwhile
                continue;
            }
            final BackingSnapshot snapshot;
            try
            {
                snapshot = store.openSnapshot();
            }
            catch (final RuntimeException | Error ex)
            {
                // An Error too (a host store's StackOverflowError, an AssertionError, an OutOfMemoryError it threw):
                // this runs on the apply thread outside any command's catch, and Agrona's runner ends its thread on
                // an Error, so one bad openSnapshot stopped the engine for good (audit 11c, HostileCallbacksTest).
                LOG.warn("region {}: backing store refused a snapshot, load failed: {}", r.id(), ex.toString());
                counters.onLoadFailed();
                agent.evictRecord(r, EvictReason.LOAD_FAILED);
                continue;
            }
            if (!r.casState(word, LOADING))
            {
                // PENDING records carry no pins, so only an illegal move can fail here; count it, re-decide later.
                snapshot.close();
                agent.conflict(r, word, "PENDING -> LOADING refused");
                continue;
            }
            final LoadJob job =
                new LoadJob(r, snapshot, agent.newTable(), internalQueue, loadScanExecutor, spareScanChunks, budget,
                    config.loadScanThreads());
            job.startedNanos = clock.nanoTime();
            job.estimatedBytes = estimate;
            loadingJobs.put(r, job);
            counters.onLoadStarted();
            agent.execute(loaderExecutor, job, job::rejected);
        }
        return work;
    }

    /**
     * A write reached a LOADING record: buffer it for the replay before install.
     *
     * @param r the record.
     * @param b the batch.
     */
    void buffer(final RegionRecord r, final WriteBatch b)
    {
        loadingJobs.get(r).buffered.add(b);
    }

    /**
     * An evicted LOADING record (now LOADING_CANCELED): abandon its job once every target is canceled.
     *
     * @param r the record.
     */
    void onCanceled(final RegionRecord r)
    {
        final LoadJob job = loadingJobs.get(r);
        if (job != null && job.targets.stream().allMatch(t -> t.state() == LOADING_CANCELED))
        {
            job.abandon = true;
            counters.onLoadCanceled();
        }
    }

    /**
     * A PENDING or LOADING source was split: its load now serves the children.
     *
     * @param src      the source.
     * @param state    its state.
     * @param children the children, in the same state.
     */
    void onSplit(final RegionRecord src, final RegionState state, final List<RegionRecord> children)
    {
        if (state == LOADING)
        {
            final LoadJob job = loadingJobs.remove(src);
            job.targets.remove(src);
            job.targets.addAll(children);
            for (final RegionRecord child : children)
            {
                loadingJobs.put(child, job);
            }
        }
        else if (state == PENDING)
        {
            pendingLoads.remove(src);
            pendingLoads.addAll(children);
        }
    }

    /**
     * @param regionId a region id.
     * @return true if a canceled load of that region is still running.
     */
    boolean isCanceledLoading(final long regionId)
    {
        for (final RegionRecord r : loadingJobs.keySet())
        {
            if (r.id() == regionId && r.state() == LOADING_CANCELED)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The closing thread, after every region is evicted: cancel the loads no loader thread has started (see
     * {@link LoadJob#cancelIfQueued}); their completions are queued for the close's apply cycles.
     */
    void cancelQueued()
    {
        for (final LoadJob job : new java.util.HashSet<>(loadingJobs.values()))
        {
            if (job.cancelIfQueued())
            {
                LOG.debug("load of {} canceled by close before it started", job.targets);
            }
        }
    }

    /** @return true if no load is running. */
    boolean isIdle()
    {
        return loadingJobs.isEmpty();
    }

    /**
     * A load job is back from the loader: install it into its LOADING targets, or clean up.
     *
     * @param job the job.
     * @return the command result.
     */
    CommandResult onFinished(final LoadJob job)
    {
        for (final RegionRecord t : job.targets)
        {
            loadingJobs.remove(t);
        }
        final List<RegionRecord> installable = new ArrayList<>();
        for (final RegionRecord t : job.targets)
        {
            if (t.state() == LOADING)
            {
                installable.add(t);
            }
        }
        // An abandoned job stopped because every target was evicted: a cancellation, not a failure.
        String failure = job.abandon ? null : job.failure;
        if (failure == null && !installable.isEmpty())
        {
            failure = replayBuffered(job, installable);
        }
        if (failure == null && !installable.isEmpty())
        {
            final TableRef ref = new TableRef(job.table);
            for (final RegionRecord t : installable)
            {
                t.attachTable(ref);
                t.appliedVersionRelease(Math.max(job.maxVersion, t.lastWriteVersion()));
                agent.moveFrom(t, LOADING, ACTIVE);
                backoffUntil.remove(t.id());
            }
            counters.onLoadFinished(clock.nanoTime() - job.startedNanos);
            if (job.table.indexFilledDuringCopy())
            {
                counters.onIndexFilledDuringCopy();
            }
            final LongConsumer installed = config.onLoadInstalled();
            if (installed != null)
            {
                for (final RegionRecord t : installable)
                {
                    try
                    {
                        installed.accept(t.id());
                    }
                    catch (final RuntimeException | Error ex)
                    {
                        // The host's listener failed, not the load: the region stays ACTIVE, and the load's other
                        // regions (a split while it ran) are still told, once each, as the listener's contract says.
                        counters.onApplyError();
                        LOG.error("onLoadInstalled threw for region {}; the region stays ACTIVE", t.id(), ex);
                    }
                }
            }
        }
        else
        {
            // What it copied, and the slots-only index it would have built for those keys: at least that much.
            final long copiedBytes = job.table.dataBytes() + MvccTable.slotIndexBytes(job.table.keyCount());
            job.table.free();
            counters.onTableFreed();
            if (failure != null)
            {
                counters.onLoadFailed();
                LOG.warn("load of [{}, {}) failed: {}", Region.hex(job.start), Region.hex(job.end), failure);
                if (job.outOfMemory)
                {
                    // Remember the range as at least this big, and do not try it again for a while.
                    final long until = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.loadBackoffMillis()); // saturates
                    for (final RegionRecord t : job.targets)
                    {
                        estimatedBytes.put(t.id(), Math.max(estimatedBytes.get(t.id()),
                            copiedBytes / Math.max(1, job.targets.size())));
                        backoffUntil.put(t.id(), until);
                    }
                    counters.onLoadFailedForMemory();
                    agent.entryGate().onPressure();
                }
            }
        }
        for (final RegionRecord t : job.targets)
        {
            final RegionState s = t.state();
            if (s == LOADING)
            {
                // Only reached when the load failed: LOADING -> EVICTING -> GONE (never pinned, never had a table).
                agent.directory().remove(t);
                agent.evicted(t, EvictReason.LOAD_FAILED);
                agent.moveFrom(t, LOADING, EVICTING);
                agent.moveFrom(t, EVICTING, GONE);
                agent.reclaimer().evictionDone(t);
            }
            else if (s == LOADING_CANCELED)
            {
                agent.moveFrom(t, LOADING_CANCELED, EVICTING);
                agent.moveFrom(t, EVICTING, GONE);
                agent.reclaimer().evictionDone(t); // evicted while loading: counted then, timed now the load let go
            }
        }
        return failure == null ? CommandResult.OK :
            CommandResult.of(ResultCode.STORE_ERROR, job.targets.get(0).id(), failure);
    }

    private static String replayBuffered(final LoadJob job, final List<RegionRecord> installable)
    {
        for (final WriteBatch b : job.buffered)
        {
            final int rc = b.forEachLastFirst((op, key, keyLength, value, valueLength) ->
            {
                for (final RegionRecord t : installable)
                {
                    if (Keys.inRange(key, 0, keyLength, t.region().startKey(), t.region().endKey()))
                    {
                        final int put = op == WriteBatch.PUT ?
                            job.table.put(key, 0, keyLength, b.version(), value, 0, valueLength) :
                            job.table.delete(key, 0, keyLength, b.version());
                        return put == MvccTable.NO_MEMORY ? 1 : 0;
                    }
                }
                return 0;
            });
            if (rc != 0)
            {
                job.outOfMemory = true;
                return "memory capacity reached while replaying buffered writes";
            }
        }
        return null;
    }
}
