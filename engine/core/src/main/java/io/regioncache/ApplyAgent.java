package io.regioncache;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.memory.SegmentPool;
import io.regioncache.internal.table.MvccTable;

import static io.regioncache.RegionState.ACTIVE;
import static io.regioncache.RegionState.EVICTING;
import static io.regioncache.RegionState.GONE;
import static io.regioncache.RegionState.LOADING;
import static io.regioncache.RegionState.LOADING_CANCELED;
import static io.regioncache.RegionState.PENDING;
import static io.regioncache.RegionState.PENDING_EVICT;
import static io.regioncache.RegionState.RETIRED;

/**
 * The single writer: the only thread that inserts into tables, creates region records, moves their states
 * (readers only pin and unpin), splits, installs loaded tables and evicts.
 * <p>
 * It is a conductor over roles that all run on this thread, each in its own class:
 * <ul>
 *     <li>{@link CommandValidation}: pure checks, most of them already made at the call;</li>
 *     <li>{@link LoadCoordinator}: PENDING → LOADING → ACTIVE, buffered writes, cancellations, memory back-off;</li>
 *     <li>{@link CompactionCoordinator}: MVCC GC by compaction and the successor swap;</li>
 *     <li>{@link Reclaimer}: records draining their pins, table references dropped, evictions timed;</li>
 *     <li>{@link ApplyPolicy}: eviction, load and compaction policy, on the injected clock.</li>
 * </ul>
 * What stays here is the command dispatch and the moves that touch several roles: writes, splits, evictions, safe
 * points, enable/disable.
 * <p>
 * One duty cycle ({@link #doWork()}) drains the internal queue (load and compaction completions), then up to
 * {@code commandDrainLimit} host commands, starts pending loads, reclaims records whose pins have drained, and runs
 * the policy when its interval has passed on the engine's {@link NanoClock}. Every command completes with a typed
 * {@link CommandResult}; any exception is caught here, counted once, logged and turned into
 * {@link ResultCode#INTERNAL_ERROR} with only the command's own region evicted, so the apply thread never dies.
 * <p>
 * Decisions are always taken on a fresh read of the state word and carried out with one CAS from that exact word;
 * a lost CAS (a reader pinned or unpinned meanwhile) re-reads and re-decides. There is no check-then-act across
 * threads: the load path and the split path are both this thread (the race behind tikv#17403 cannot happen).
 */
final class ApplyAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ApplyAgent.class);

    /** Set once by {@link #stopTakingCommands()} (any thread); read before each host command the apply thread takes. */
    private volatile boolean closing;

    private final MpscArrayQueue<Command> commandQueue;
    /** Parks the idle apply thread (the default idle strategy) and wakes it when work is queued: see its protocol. */
    private final ApplyThreadWake wake = new ApplyThreadWake(this::hasQueuedWork);
    /** Load and compaction completions: queued by loader and GC threads, each offer waking a parked apply thread. */
    private final Queue<Command> internalQueue = new WakingQueue(wake);
    private final RegionDirectory directory;
    private final EngineCounters counters;
    private final SegmentPool pool;
    private final MemoryBudget budget;
    private final RegionCacheConfig config;
    private final NanoClock clock;
    private final Reclaimer reclaimer;
    private final LoadCoordinator loads;
    private final CompactionCoordinator compactions;
    private final ApplyPolicy policy;
    private final TableWriter tableWriter = new TableWriter();
    private final EntryPressureGate entryGate;
    private long incarnations;
    private long globalSafePoint;
    /** Apply thread: safe points of evicted regions above the global one, kept for their reload (0 = none). */
    private final Long2LongHashMap regionSafePoints = new Long2LongHashMap(0);
    /** Apply thread: false after {@code setEnabled(false)}: nothing is cached, loads are refused. */
    private boolean enabled = true;
    private volatile boolean enabledPublished = true;

    /**
     * @param config           engine settings (its clock is the engine's time).
     * @param directory        the published region index.
     * @param pool             segment pool.
     * @param budget           memory thresholds over the pool.
     * @param counters         engine counters.
     * @param loaderExecutor   runs load jobs.
     * @param gcExecutor       runs compaction jobs.
     * @param loadScanExecutor scans the store while the loader inserts, or null to do both on the loader.
     */
    ApplyAgent(
        final RegionCacheConfig config,
        final RegionDirectory directory,
        final SegmentPool pool,
        final MemoryBudget budget,
        final EngineCounters counters,
        final Executor loaderExecutor,
        final Executor gcExecutor,
        final Executor loadScanExecutor)
    {
        this.config = config;
        this.directory = directory;
        this.pool = pool;
        this.budget = budget;
        this.counters = counters;
        this.clock = config.nanoClock();
        this.commandQueue = new MpscArrayQueue<>(config.commandQueueCapacity());
        this.entryGate = new EntryPressureGate(budget, clock, config.loadBackoffMillis(), counters);
        this.reclaimer = new Reclaimer(counters, clock);
        this.loads = new LoadCoordinator(
            this, config, budget, counters, clock, loaderExecutor, loadScanExecutor, internalQueue);
        this.compactions = new CompactionCoordinator(this, config, budget, counters, clock, gcExecutor, internalQueue);
        this.policy = new ApplyPolicy(this, config, budget, counters);
    }

    @Override
    public String roleName()
    {
        return "regioncache-apply";
    }

    /**
     * Any thread: enqueue a host command.
     *
     * @param command the command.
     * @return false if the queue is full (the caller completes the command with QUEUE_FULL).
     */
    boolean offer(final Command command)
    {
        final boolean queued = commandQueue.offer(command);
        if (queued)
        {
            wake.wake(); // (p1) was the offer: see ApplyThreadWake
        }
        return queued;
    }

    /**
     * Any thread: whether a command or a completion is queued (read with acquire semantics: {@link ApplyThreadWake}'s
     * (a3)).
     */
    boolean hasQueuedWork()
    {
        return !internalQueue.isEmpty() || !commandQueue.isEmpty();
    }

    /** @return the default idle strategy of the dedicated apply thread, woken by every offer to its queues. */
    ApplyThreadWake wake()
    {
        return wake;
    }

    /**
     * The internal queue: every offer (a job's completion, from a loader or GC thread, or the apply thread's own for
     * a job an executor refused) wakes the apply thread if it parked in {@link ApplyThreadWake}.
     */
    private static final class WakingQueue extends MpscUnboundedArrayQueue<Command>
    {
        private final ApplyThreadWake wake;

        WakingQueue(final ApplyThreadWake wake)
        {
            super(64);
            this.wake = wake;
        }

        @Override
        public boolean offer(final Command command)
        {
            final boolean queued = super.offer(command);
            wake.wake();
            return queued;
        }
    }

    /** @return commands waiting in the host queue (approximate). */
    int queueDepth()
    {
        return commandQueue.size();
    }

    /**
     * Any thread: pause or resume starting new loads (PENDING regions stay PENDING while paused).
     *
     * @param paused true to pause.
     */
    void pauseLoads(final boolean paused)
    {
        loads.pause(paused);
    }

    /** @return records waiting for their pins to drain, as of the last reclaim or record added (any thread). */
    int drainingCountPublished()
    {
        return reclaimer.publishedCount();
    }

    /** @return records waiting for their pins to drain (apply thread only). */
    int drainingCount()
    {
        return reclaimer.size();
    }

    /** @return where hybrid readers report reads of uncached regions (any thread). */
    HotRegionTracker hotRegions()
    {
        return policy.hotRegions();
    }

    /** @return true unless the cache was disabled (any thread; as of the last enable/disable applied). */
    boolean enabledPublished()
    {
        return enabledPublished;
    }

    // The roles reach the shared pieces through these (apply thread only).

    RegionDirectory directory()
    {
        return directory;
    }

    Reclaimer reclaimer()
    {
        return reclaimer;
    }

    LoadCoordinator loads()
    {
        return loads;
    }

    CompactionCoordinator compactions()
    {
        return compactions;
    }

    TableWriter tableWriter()
    {
        return tableWriter;
    }

    boolean enabled()
    {
        return enabled;
    }

    /**
     * Any thread, when {@code close()} begins: take no more host commands from the queue (see {@link #doWork}).
     */
    void stopTakingCommands()
    {
        closing = true;
    }

    @Override
    public int doWork()
    {
        int work = 0;
        Command c;
        while ((c = internalQueue.poll()) != null)
        {
            apply(c);
            work++;
        }
        final int limit = config.commandDrainLimit();
        // Once close() began, a host command still queued completes CLOSED (rejectQueued, at shutdown) rather than
        // being applied: checked before each one, since close() may begin while this loop runs (the apply thread busy
        // in a command's callback, or the callback itself calling close()). Without the check, the commands drained
        // behind the busy one (up to commandDrainLimit) were applied and answered OK (audit 20).
        for (int i = 0; i < limit && !closing && (c = commandQueue.poll()) != null; i++)
        {
            apply(c);
            work++;
            if (!reclaimer.isEmpty())
            {
                // A steady command stream keeps this loop going for up to commandDrainLimit commands: records it
                // evicted (or whose last pin went meanwhile) must not hold their tables, charged against the hard
                // cap, until the stream pauses, or a write meets MEMORY_LIMIT while only garbage fills the budget
                // (EvictedMemoryComesBackTest: a 1-byte write refused with 15.7 of 16 MiB held by evicted regions).
                // The cost is a state read and a pin-cell sum per waiting record, and records wait only while a
                // snapshot still pins them, so the list stays short.
                work += reclaimer.reclaim();
            }
        }
        work += loads.startPending(enabled);
        work += reclaimer.reclaim();
        work += policy.onDutyCycle(clock.nanoTime());
        return work;
    }

    /**
     * Apply thread: one round of the memory, load and GC policy now, whatever the interval.
     *
     * @return work done.
     */
    int runPolicy()
    {
        return policy.run(clock.nanoTime());
    }

    /**
     * Apply thread, at close: complete every queued command with {@link ResultCode#CLOSED}.
     *
     * @return how many were completed.
     */
    int rejectQueued()
    {
        int n = 0;
        Command c;
        while ((c = commandQueue.poll()) != null)
        {
            complete(c, CommandResult.of(ResultCode.CLOSED, regionIdOf(c), "engine closed"));
            n++;
        }
        return n;
    }

    /**
     * Apply thread, at close: evict every live record.
     */
    void evictAll()
    {
        // Closing disables the cache for good: the duty cycles close() still runs to drain loads and pins must not
        // let the load policy start a new load (a region PENDING again after close).
        enabled = false;
        enabledPublished = false;
        loads.pause(true);
        evictEach(directory.currentAcquire().records(), EvictReason.SHUTDOWN);
    }

    /**
     * Apply thread: evict each of {@code records} for {@code reason}, publishing one region index for all of them
     * (RegionDirectory.deferRemovals says why), even if an eviction throws.
     *
     * @return how many evictions answered OK.
     */
    private int evictEach(final Iterable<RegionRecord> records, final EvictReason reason)
    {
        int evicted = 0;
        directory.deferRemovals();
        try
        {
            for (final RegionRecord r : records)
            {
                if (evictRecord(r, reason).isOk())
                {
                    evicted++;
                }
            }
        }
        finally
        {
            directory.publishDeferred();
        }
        return evicted;
    }

    /** @return true if no record waits for pins to drain and no load or compaction is running (apply thread). */
    boolean isQuiescent()
    {
        return reclaimer.isEmpty() && loads.isIdle() && compactions.isIdle();
    }

    private void apply(final Command c)
    {
        CommandResult result;
        try
        {
            result = c.applyOn(this);
        }
        catch (final Throwable t)
        {
            // Counted once; only the command's own region is made safe, every other region is left as it is.
            counters.onApplyError();
            final long regionId = regionIdOf(c);
            LOG.error("apply thread caught an error on {} (region {}); evicting the region", c.getClass()
                .getSimpleName(), regionId, t);
            result = CommandResult.of(ResultCode.INTERNAL_ERROR, regionId, String.valueOf(t));
            safeEvictAfterError(regionId);
        }
        complete(c, result);
    }

    /**
     * @return the region a command names, for its result; -1 ("no region") for a command without one (a range
     * eviction, the engine-wide safe point) or one whose id cannot be read. Any thread: the call's refusals
     * ({@code CLOSED}, {@code QUEUE_FULL}) name the region as the apply thread's answers do.
     */
    static long regionIdOf(final Command c)
    {
        try
        {
            return c.regionId();
        }
        catch (final RuntimeException ex)
        {
            return -1; // a malformed command that slipped past the call's checks must still complete
        }
    }

    private void complete(final Command c, final CommandResult result)
    {
        counters.onResult(result.code());
        try
        {
            c.future.complete(result);
        }
        catch (final Throwable t)
        {
            // A dependent stage of the host's threw on this thread: log it, never let it kill the apply thread.
            counters.onApplyError();
            LOG.error("a completion callback threw on the apply thread", t);
        }
    }

    private void safeEvictAfterError(final long regionId)
    {
        if (regionId < 0)
        {
            return;
        }
        try
        {
            final RegionRecord r = directory.currentAcquire().byId(regionId);
            if (r != null)
            {
                evictRecord(r, EvictReason.STATE_CONFLICT);
            }
        }
        catch (final Throwable t2)
        {
            LOG.error("eviction after an apply error failed for region {}", regionId, t2);
        }
    }

    /**
     * Hand a job to its executor; if the executor refuses it (or throws anything else), complete the job as failed
     * through the internal queue, exactly as if it had run and failed, so its records are cleaned up the usual way.
     */
    void execute(final Executor executor, final Runnable job, final Function<String, Command> failed)
    {
        try
        {
            executor.execute(job);
        }
        catch (final RejectedExecutionException ex)
        {
            final Command completion = failed.apply("executor rejected the job: " + ex);
            if (completion != null) // null: the job was already handed back by another taker
            {
                internalQueue.offer(completion);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            // A host's executor that throws anything else (an IllegalStateException, a StackOverflowError): the job
            // was not taken either. Let through, it left a load LOADING for good with its job never run (writes
            // buffered for a replay that never came), or, for an Error, ended the apply thread (Agrona's runner
            // rethrows an Error); audit 11c, blackbox11c/HostileExecutorsTest. Failed as a rejection, counted.
            counters.onApplyError();
            LOG.error("a host executor threw instead of taking a job; the job fails", ex);
            final Command completion = failed.apply("executor threw: " + ex);
            if (completion != null)
            {
                internalQueue.offer(completion);
            }
        }
    }

    // ------------------------------------------------------------------ region creation and loading

    CommandResult onCreateRegion(final Command.CreateRegion c)
    {
        final Region region = c.region;
        final CommandResult stale = staleAgainstCached(region, "create");
        if (stale != null)
        {
            return stale;
        }
        final String bad = validateNewRegion(region, null);
        if (bad != null)
        {
            return invalid(region.id(), bad);
        }
        if (!enabled)
        {
            return CommandResult.of(ResultCode.SKIPPED, region.id(), "the cache is disabled: nothing is cached");
        }
        final RegionRecord r = newRecord(region, ACTIVE, 0);
        r.attachTable(new TableRef(newTable()));
        directory.add(r);
        return CommandResult.OK;
    }

    CommandResult onLoadRegion(final Command.LoadRegion c)
    {
        final Region region = c.region;
        final RegionRecord existing = directory.currentAcquire().byId(region.id());
        // The conf version is not compared: a load of the cached range at the cached epoch after a membership
        // change asks for data the cache has (it was answered INVALID, "id already in use", until a black-box audit
        // of the README's "a load of a region cached already" found it).
        if (existing != null && existing.region().sameData(region))
        {
            return CommandResult.of(ResultCode.SKIPPED, region.id(), "already " + existing.state());
        }
        final CommandResult stale = staleAgainstCached(region, "load");
        if (stale != null)
        {
            return stale;
        }
        // The host may know a newer epoch than the cached record: the cache missed an event, and the record is
        // replaced (evicted, then loaded again). The new description is checked first, as if that record were gone
        // already: bad input (an overlap with another region, say) is refused before any state moves.
        final boolean replaces = existing != null && existing.region().epochVersion() < region.epochVersion();
        final String bad = validateNewRegion(region, replaces ? existing : null);
        if (bad != null)
        {
            return invalid(region.id(), bad);
        }
        if (replaces)
        {
            conflict(existing, existing.stateWordVolatile(), "load at a newer epoch " + region.epochVersion());
            evictRecord(existing, EvictReason.EPOCH_DRIFT);
        }
        if (!enabled)
        {
            counters.onLoadRefused();
            return CommandResult.of(ResultCode.SKIPPED, region.id(), "load refused: the cache is disabled");
        }
        final String refused = loads.refusal(region);
        if (refused != null && !c.keepCached)
        {
            counters.onLoadRefused();
            return CommandResult.of(ResultCode.SKIPPED, region.id(), "load refused: " + refused);
        }
        if (budget.shouldStopLoading())
        {
            entryGate.onPressure();
            counters.onLoadRefused();
            return CommandResult.of(ResultCode.SKIPPED, region.id(), "load refused: memory in use " + budget.used() +
                " >= stop-load threshold " + budget.stopLoadThreshold());
        }
        final RegionRecord r = newRecord(region, PENDING, c.keepCached ? StateWord.FLAG_KEEP_CACHED : 0);
        directory.add(r);
        loads.enqueue(r);
        return CommandResult.OK;
    }

    /**
     * A create or load naming a region id the cache holds at a newer epoch was routed at an old epoch: it hears
     * "stale", as a write or split does (README: "STALE_EPOCH: the command's epoch is older than the cached one"),
     * before its range or id is checked, and nothing changes.
     *
     * @param region the region the command names.
     * @param what   the command, for the detail.
     * @return {@code STALE_EPOCH}, or null if the id is not cached or not at a newer epoch.
     */
    private CommandResult staleAgainstCached(final Region region, final String what)
    {
        final RegionRecord existing = directory.currentAcquire().byId(region.id());
        if (existing == null)
        {
            return null;
        }
        final long epoch = StateWord.epochVersion(existing.stateWordVolatile());
        return region.epochVersion() < epoch ? CommandResult.of(ResultCode.STALE_EPOCH, region.id(),
            what + " at epoch " + region.epochVersion() + " < cached epoch " + epoch) : null;
    }

    /**
     * @param region   a region about to be cached.
     * @param replaced a cached record the region will replace (not counted as a conflict), or null.
     * @return why the region cannot be cached beside the others, or null.
     */
    private String validateNewRegion(final Region region, final RegionRecord replaced)
    {
        final String bad = CommandValidation.region(region, config.maxKeyLength());
        if (bad != null)
        {
            return bad;
        }
        final RegionIndex index = directory.currentAcquire();
        final RegionRecord sameId = index.byId(region.id());
        if (sameId != null && sameId != replaced)
        {
            return "region id " + region.id() + " is already in use by " + sameId;
        }
        for (final RegionRecord other : index.overlapping(region.startKey(), region.endKey()))
        {
            if (other != replaced)
            {
                return "range overlaps cached region " + other.region();
            }
        }
        return null;
    }

    private RegionRecord newRecord(final Region region, final RegionState state, final int flags)
    {
        final long safePoint = Math.max(globalSafePoint, regionSafePoints.get(region.id()));
        final RegionRecord r = new RegionRecord(region, ++incarnations, state, flags, safePoint, counters.transitions());
        r.createdNanos(clock.nanoTime());
        return r;
    }

    /**
     * @param src   a record about to be replaced by a compacted copy.
     * @param flags the successor's flags.
     * @return a new ACTIVE record for the same region, at the source's safe point.
     */
    RegionRecord successorOf(final RegionRecord src, final int flags)
    {
        return new RegionRecord(src.region(), ++incarnations, ACTIVE, flags, src.safePointAcquire(),
            counters.transitions());
    }

    MvccTable newTable()
    {
        return new MvccTable(pool, config.maxKeyLength(), config.inlineNewestVersions(), entryGate);
    }

    /** @return the gate that builds index generations slots-only under memory pressure. */
    EntryPressureGate entryGate()
    {
        return entryGate;
    }

    CommandResult onLoadFinished(final Command.LoadFinished c)
    {
        return loads.onFinished(c.job);
    }

    CommandResult onCompactionFinished(final Command.CompactionFinished c)
    {
        return compactions.onFinished(c.job);
    }

    CommandResult onCompact(final Command.Compact c)
    {
        final RegionRecord r = directory.currentAcquire().byId(c.regionId);
        if (r == null)
        {
            return CommandResult.of(ResultCode.NOT_CACHED, c.regionId, "");
        }
        final String why = compactions.start(r);
        return why == null ? CommandResult.OK : CommandResult.of(ResultCode.SKIPPED, c.regionId, why);
    }

    /** Apply thread: a move this thread alone can make (no reader pins the record); loops only on lost CASes. */
    void moveFrom(final RegionRecord r, final RegionState from, final RegionState to)
    {
        while (true)
        {
            final long word = r.stateWordVolatile();
            if (StateWord.state(word) != from)
            {
                conflict(r, word, "expected " + from + " to move to " + to);
                return;
            }
            if (r.casState(word, to))
            {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ writes

    CommandResult onWrite(final Command.Write c)
    {
        final WriteBatch b = c.batch;
        final RegionRecord r = directory.currentAcquire().byId(b.regionId());
        if (r == null)
        {
            return CommandResult.of(ResultCode.NOT_CACHED, b.regionId(), "");
        }
        final long word = r.stateWordVolatile();
        final RegionState state = StateWord.state(word);
        final long epoch = StateWord.epochVersion(word);
        // Epoch before range: a write routed at an older epoch may well fall outside today's narrower range, and
        // the host should hear "stale epoch", not "bad key".
        if (b.epochVersion() < epoch)
        {
            return CommandResult.of(ResultCode.STALE_EPOCH, r.id(),
                "write at epoch " + b.epochVersion() + " < cached epoch " + epoch);
        }
        final String bad = CommandValidation.batchInRange(b, r.region());
        if (bad != null)
        {
            return invalid(b.regionId(), bad);
        }
        // Versions before the epoch drift: a version going backwards is bad input, refused before any state moves,
        // whatever the epoch (a drift evicts the region).
        if (b.version() <= r.lastWriteVersion())
        {
            return invalid(r.id(), "version " + b.version() + " is not above the last applied " +
                r.lastWriteVersion());
        }
        if (b.epochVersion() > epoch)
        {
            if (state == PENDING)
            {
                return CommandResult.of(ResultCode.SKIPPED, r.id(), "pending region (its epoch may lag)");
            }
            return drift(r, word, "write", b.epochVersion());
        }
        if (state == ACTIVE && b.version() <= r.appliedVersionAcquire())
        {
            // Above the last write this region's stream delivered, yet at or below what a load copied: the host
            // wrote it to the store before the load's snapshot, so the snapshot already holds it (the host writes
            // the store first, in version order). Applying it could make entries appear under open snapshots.
            r.lastWriteVersion(b.version());
            return CommandResult.of(ResultCode.SKIPPED, r.id(), "version " + b.version() +
                " is already covered by the loaded snapshot (loaded up to " + r.appliedVersionAcquire() + ")");
        }
        switch (state)
        {
            case PENDING:
                r.lastWriteVersion(b.version());
                return CommandResult.of(ResultCode.SKIPPED, r.id(), "pending: the load reads it from the store");
            case LOADING:
                r.lastWriteVersion(b.version());
                loads.buffer(r, b);
                return CommandResult.OK;
            case ACTIVE:
                r.lastWriteVersion(b.version());
                if (!tableWriter.apply(r.table(), b))
                {
                    LOG.warn("region {}: write at version {} exceeds the memory capacity ({} bytes in use); evicting",
                        r.id(), b.version(), pool.bytesInUse());
                    entryGate.onPressure();
                    evictRecord(r, EvictReason.MEMORY_LIMIT);
                    return CommandResult.of(ResultCode.MEMORY_LIMIT, r.id(), "evicted: memory capacity reached");
                }
                r.appliedVersionRelease(b.version());
                counters.onPutsApplied(b.count());
                compactions.onApplied(r, b);
                return CommandResult.OK;
            default:
                return unexpected(r, word, "write");
        }
    }

    // ------------------------------------------------------------------ split

    CommandResult onSplit(final Command.Split c)
    {
        final RegionIndex index = directory.currentAcquire();
        final RegionRecord src = index.byId(c.regionId);
        if (src == null)
        {
            if (reclaimer.isEvicting(c.regionId) || loads.isCanceledLoading(c.regionId))
            {
                return CommandResult.of(ResultCode.SKIPPED, c.regionId, "region is being evicted: split skipped");
            }
            return CommandResult.of(ResultCode.NOT_CACHED, c.regionId, "");
        }
        while (true)
        {
            final long word = src.stateWordVolatile();
            final RegionState state = StateWord.state(word);
            final long epoch = StateWord.epochVersion(word);
            // Epoch before range, as for writes: a split routed at an older epoch may name keys outside today's
            // narrower range, and the host should hear "stale epoch", not "bad key".
            if (c.epochVersion < epoch)
            {
                return CommandResult.of(ResultCode.STALE_EPOCH, src.id(),
                    "split at epoch " + c.epochVersion + " < cached epoch " + epoch);
            }
            // The call checked everything that needs no state; what needs the region is checked here, before any
            // state moves.
            String bad = CommandValidation.split(c.regionId, c.epochVersion, c.splitKeys, c.newRegionIds,
                c.newEpochVersion, config.maxKeyLength());
            if (bad == null)
            {
                bad = CommandValidation.splitAgainst(src.region(), c.splitKeys, c.newRegionIds,
                    id -> index.byId(id) != null);
            }
            if (bad != null)
            {
                return invalid(c.regionId, bad);
            }
            if (c.epochVersion > epoch && state != PENDING)
            {
                return drift(src, word, "split", c.epochVersion);
            }
            if (state != PENDING && state != LOADING && state != ACTIVE)
            {
                return unexpected(src, word, "split");
            }
            final boolean surprised = c.expectedState != null && c.expectedState != state;
            final List<RegionRecord> children = buildChildren(c, src, state, StateWord.flags(word));
            // Publish the children first, then retire the source: a reader that loses its pin CAS to RETIRED
            // re-reads the index and finds the children at once instead of spinning on the old index.
            directory.replace(List.of(src), children);
            retire(src);
            counters.onSplit();
            if (surprised)
            {
                conflict(src, word, "split expected " + c.expectedState + "; children made " + state);
                return CommandResult.of(ResultCode.STATE_CONFLICT, src.id(),
                    "expected " + c.expectedState + " but found " + state + "; split applied, children " + state);
            }
            return CommandResult.OK;
        }
    }

    private List<RegionRecord> buildChildren(
        final Command.Split c, final RegionRecord src, final RegionState state, final int flags)
    {
        final Region region = src.region();
        final int n = c.splitKeys.length;
        final List<RegionRecord> children = new ArrayList<>(n + 1);
        final int childFlags = flags & ~StateWord.FLAG_HISTORICAL;
        for (int i = 0; i <= n; i++)
        {
            final byte[] start = i == 0 ? region.startKey() : c.splitKeys[i - 1];
            final byte[] end = i == n ? region.endKey() : c.splitKeys[i];
            final long id = i == n ? region.id() : c.newRegionIds[i];
            final RegionRecord child = new RegionRecord(region.derive(id, start, end, c.newEpochVersion),
                ++incarnations, state, childFlags, src.safePointAcquire(), counters.transitions());
            child.createdNanos(clock.nanoTime());
            child.lastWriteVersion(src.lastWriteVersion());
            child.inheritHistory(src);
            child.appliedVersionRelease(src.appliedVersionAcquire());
            if (state == ACTIVE)
            {
                child.attachTable(src.tableRef()); // O(1): the child shares the parent's table, narrower bounds
            }
            children.add(child);
        }
        loads.onSplit(src, state, children);
        return children;
    }

    /** Apply thread: PENDING / LOADING / ACTIVE → RETIRED, retried only while readers move the pin count. */
    void retire(final RegionRecord r)
    {
        while (true)
        {
            final long word = r.stateWordVolatile();
            if (r.casState(word, RETIRED))
            {
                reclaimer.add(r);
                return;
            }
            if (!isLiveState(StateWord.state(word)))
            {
                conflict(r, word, "retire");
                return;
            }
        }
    }

    private static boolean isLiveState(final RegionState s)
    {
        return s == PENDING || s == LOADING || s == ACTIVE;
    }

    // ------------------------------------------------------------------ eviction

    CommandResult onEvict(final Command.Evict c)
    {
        CommandResult result = null;
        for (final long id : c.regionIds)
        {
            final RegionRecord r = directory.currentAcquire().byId(id);
            final CommandResult one = r == null ? CommandResult.of(ResultCode.NOT_CACHED, id, "") :
                evictRecord(r, c.reason);
            // Report the most significant outcome: an eviction made beats "not cached".
            if (result == null || (result.code() == ResultCode.NOT_CACHED && one.code() != ResultCode.NOT_CACHED))
            {
                result = one;
            }
        }
        return result == null ? CommandResult.of(ResultCode.INVALID, -1, "no region ids") : result;
    }

    CommandResult onEvictRange(final Command.EvictRange c)
    {
        final List<RegionRecord> hit = directory.currentAcquire().overlapping(
            c.start == null ? new byte[0] : c.start, c.end == null ? new byte[0] : c.end);
        evictEach(hit, c.reason);
        return hit.isEmpty() ? CommandResult.of(ResultCode.NOT_CACHED, -1, "no cached region in range") :
            CommandResult.of(ResultCode.OK, -1, hit.size() + " region(s) evicted");
    }

    /**
     * Apply thread: take a live record out of the cache, whatever state it is in, with one CAS from the exact
     * word read (re-read and re-decided if a reader moved the pin count meanwhile). Every eviction made here is
     * counted now and timed when the record reaches GONE.
     *
     * @param r      the record.
     * @param reason why.
     * @return the typed result.
     */
    CommandResult evictRecord(final RegionRecord r, final EvictReason reason)
    {
        while (true)
        {
            final long word = r.stateWordVolatile();
            final RegionState state = StateWord.state(word);
            switch (state)
            {
                case PENDING:
                    if (r.casState(word, GONE))
                    {
                        directory.remove(r);
                        loads.removePending(r);
                        final CommandResult result = evicted(r, reason);
                        reclaimer.evictionDone(r); // nothing to drain: done the moment it was asked
                        return result;
                    }
                    break;
                case LOADING:
                    if (r.casState(word, LOADING_CANCELED))
                    {
                        directory.remove(r);
                        loads.onCanceled(r);
                        return evicted(r, reason);
                    }
                    break;
                case ACTIVE:
                    if (r.closeAndEvict(word) != null) // PENDING_EVICT while pinned, else EVICTING
                    {
                        directory.remove(r);
                        loads.rememberSize(r.id(), LoadCoordinator.reloadBytes(r));
                        reclaimer.add(r);
                        return evicted(r, reason);
                    }
                    break;
                default:
                    return unexpected(r, word, "evict");
            }
        }
    }

    /**
     * Apply thread: count an eviction and note when it was asked (and the region's own safe point, for a reload).
     *
     * @param r      the record leaving.
     * @param reason why.
     * @return OK.
     */
    CommandResult evicted(final RegionRecord r, final EvictReason reason)
    {
        counters.onEvict(reason);
        r.evictRequestedNanos(clock.nanoTime());
        rememberSafePoint(r);
        LOG.debug("region {} evicted: {}", r.id(), reason);
        return CommandResult.OK;
    }

    /**
     * Apply thread: keep a region's own safe point when its record leaves, so a reload of the region starts from it
     * and not from the (lower) global safe point: a read the region already refused stays refused.
     */
    private void rememberSafePoint(final RegionRecord r)
    {
        final long sp = r.safePointAcquire();
        if (sp > globalSafePoint && sp > regionSafePoints.get(r.id()))
        {
            regionSafePoints.put(r.id(), sp);
        }
    }

    /**
     * Apply thread: disable (evict every region with {@link EvictReason#DISABLED}, refuse loads and creations from
     * now on, so writes answer NOT_CACHED) or enable again (the policy and the host may load again).
     *
     * @param c the command.
     * @return OK, with how many regions were evicted.
     */
    CommandResult onSetEnabled(final Command.SetEnabled c)
    {
        if (c.enabled == enabled)
        {
            return CommandResult.of(ResultCode.SKIPPED, -1, "already " + (enabled ? "enabled" : "disabled"));
        }
        enabled = c.enabled;
        enabledPublished = c.enabled;
        if (enabled)
        {
            LOG.info("cache enabled: loads allowed again");
            return CommandResult.OK;
        }
        final int evicted = evictEach(directory.currentAcquire().records(), EvictReason.DISABLED);
        LOG.info("cache disabled: {} region(s) evicted, loads refused until enabled", evicted);
        return CommandResult.of(ResultCode.OK, -1, evicted + " region(s) evicted");
    }

    // ------------------------------------------------------------------ safe point

    CommandResult onAdvanceSafePoint(final Command.AdvanceSafePoint c)
    {
        if (c.regionId == CommandValidation.ALL_REGIONS)
        {
            globalSafePoint = Math.max(globalSafePoint, c.safePoint);
            for (final RegionRecord r : directory.currentAcquire().records())
            {
                r.advanceSafePoint(c.safePoint);
            }
            // Remembered per-region safe points at or below the global one say nothing more: forget them.
            final Long2LongHashMap.EntryIterator it = regionSafePoints.entrySet().iterator();
            while (it.hasNext())
            {
                it.next();
                if (it.getLongValue() <= globalSafePoint)
                {
                    it.remove();
                }
            }
            return CommandResult.OK;
        }
        final RegionRecord r = directory.currentAcquire().byId(c.regionId);
        if (r == null)
        {
            return CommandResult.of(ResultCode.NOT_CACHED, c.regionId, "");
        }
        return r.advanceSafePoint(c.safePoint) ? CommandResult.OK :
            CommandResult.of(ResultCode.SKIPPED, c.regionId, "safe point only moves forward");
    }

    CommandResult onSetKeepCached(final Command.SetKeepCached c)
    {
        final RegionRecord r = directory.currentAcquire().byId(c.regionId);
        if (r == null)
        {
            return CommandResult.of(ResultCode.NOT_CACHED, c.regionId, "");
        }
        // Flags ride in the state word: one CAS from the exact word, retried only while readers move the pins.
        r.updateFlags(c.keepCached ? StateWord.FLAG_KEEP_CACHED : 0, c.keepCached ? 0 : StateWord.FLAG_KEEP_CACHED);
        return CommandResult.OK;
    }


    // ------------------------------------------------------------------ conflicts

    private CommandResult drift(final RegionRecord r, final long word, final String what, final long commandEpoch)
    {
        conflict(r, word, what + " at epoch " + commandEpoch + " > cached epoch " + StateWord.epochVersion(word) +
            ": an epoch change was missed; evicting");
        evictRecord(r, EvictReason.EPOCH_DRIFT);
        return CommandResult.of(ResultCode.EPOCH_DRIFT, r.id(), what + " at epoch " + commandEpoch +
            " but cached at " + StateWord.epochVersion(word) + ": region evicted, re-loadable");
    }

    private CommandResult unexpected(final RegionRecord r, final long word, final String what)
    {
        conflict(r, word, what + " met an unexpected state");
        return CommandResult.of(ResultCode.STATE_CONFLICT, r.id(), what + " met " + StateWord.toString(word));
    }

    void conflict(final RegionRecord r, final long word, final String what)
    {
        counters.onConflict();
        LOG.warn("state conflict on region {} (record #{}, {}): {}; region {}", r.id(), r.incarnation(),
            StateWord.toString(word), what, r.region());
    }

    private static CommandResult invalid(final long regionId, final String why)
    {
        return CommandResult.of(ResultCode.INVALID, regionId, why);
    }

    /** Applies a batch to a table without allocating per batch: the visitor is reused. */
    static final class TableWriter implements WriteBatch.OpVisitor
    {
        private MvccTable table;
        private long version;
        // Apply-thread-owned views: never the batch's, so a host reading its submitted batch cannot move them.
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);

        boolean apply(final MvccTable table, final WriteBatch batch)
        {
            this.table = table;
            this.version = batch.version();
            // The later op on a key wins, as in the store: a batch with a key twice goes in last first (the table refuses
            // the earlier duplicate); one whose keys ascend goes in first to last, so its nodes lie in key order.
            final int rc = batch.forEachInApplyOrder(this, keyView, valueView);
            this.table = null;
            return rc == 0;
        }

        @Override
        public int onOp(
            final byte op, final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
        {
            final int rc = op == WriteBatch.PUT ?
                table.put(key, 0, keyLength, version, value, 0, valueLength) :
                table.delete(key, 0, keyLength, version);
            return rc == MvccTable.NO_MEMORY ? 1 : 0;
        }
    }
}
