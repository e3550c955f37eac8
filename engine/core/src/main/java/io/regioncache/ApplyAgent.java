package io.regioncache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
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
 * One duty cycle ({@link #doWork()}) drains the internal queue (load completions), then up to
 * {@code commandDrainLimit} host commands, starts pending loads, and reclaims records whose pins have drained. Every
 * command completes with a typed {@link CommandResult}; any exception is caught here, counted, logged and turned
 * into {@link ResultCode#INTERNAL_ERROR} with the region involved evicted, so the apply thread never dies.
 * <p>
 * Decisions are always taken on a fresh read of the state word and carried out with one CAS from that exact word;
 * a lost CAS (a reader pinned or unpinned meanwhile) re-reads and re-decides. There is no check-then-act across
 * threads: the load path and the split path are both this thread (the race behind tikv#17403 cannot happen).
 */
final class ApplyAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ApplyAgent.class);

    private final MpscArrayQueue<Command> commandQueue;
    private final Queue<Command> internalQueue = new MpscUnboundedArrayQueue<>(64);
    private final RegionDirectory directory;
    private final EngineCounters counters;
    private final SegmentPool pool;
    private final MemoryBudget budget;
    private final EvictionPolicy evictionPolicy;
    private final HotRegionTracker hotRegions = new HotRegionTracker();
    private final LoadPolicy loadPolicy;
    private final RegionCacheConfig config;
    private final BackingStore store;
    private final Executor loaderExecutor;
    private final Executor gcExecutor;
    private final Executor loadScanExecutor;
    private final org.jctools.queues.MpmcArrayQueue<org.agrona.concurrent.UnsafeBuffer> spareScanChunks =
        ScanPipe.newSparePool();

    private final ArrayDeque<RegionRecord> pendingLoads = new ArrayDeque<>();
    private final Map<RegionRecord, LoadJob> loadingJobs = new HashMap<>();
    private final Map<RegionRecord, CompactionJob> compactions = new HashMap<>();
    private long nextPolicyNanos;
    private final List<RegionRecord> draining = new ArrayList<>();
    private final TableWriter tableWriter = new TableWriter();
    private long incarnations;
    private long globalSafePoint;
    private volatile boolean loadsPaused;
    private volatile int drainingCountPublished;

    /**
     * @param config         engine settings.
     * @param directory      the published region index.
     * @param pool           segment pool.
     * @param budget         memory thresholds over the pool.
     * @param counters       engine counters.
     * @param loaderExecutor runs load jobs.
     * @param gcExecutor     runs compaction jobs.
     * @param loadScanExecutor scans the store while the loader inserts, or null to do both on the loader.
     */
    public ApplyAgent(
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
        this.evictionPolicy = new EvictionPolicy(config.minResidencyMillis(), config.maxEvictFractionPerRound());
        this.loadPolicy = new LoadPolicy(config.autoLoadTopN(), config.autoLoadMinAmplification(), 1);
        this.counters = counters;
        this.store = config.backingStore();
        this.loaderExecutor = loaderExecutor;
        this.gcExecutor = gcExecutor;
        this.loadScanExecutor = loadScanExecutor;
        this.commandQueue = new MpscArrayQueue<>(config.commandQueueCapacity());
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
    public boolean offer(final Command command)
    {
        return commandQueue.offer(command);
    }

    /** @return commands waiting in the host queue (approximate). */
    public int queueDepth()
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
        loadsPaused = paused;
    }

    /** @return records waiting for their pins to drain, as of the last duty cycle (any thread). */
    public int drainingCountPublished()
    {
        return drainingCountPublished;
    }

    /** @return records waiting for their pins to drain (apply thread only). */
    public int drainingCount()
    {
        return draining.size();
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
        for (int i = 0; i < limit && (c = commandQueue.poll()) != null; i++)
        {
            apply(c);
            work++;
        }
        work += startPendingLoads();
        work += reclaim();
        if (drainingCountPublished != draining.size())
        {
            drainingCountPublished = draining.size();
        }
        final long now = System.nanoTime();
        if (now - nextPolicyNanos >= 0)
        {
            nextPolicyNanos = now + config.policyIntervalMillis() * 1_000_000L;
            work += runPolicy(now);
        }
        return work;
    }

    /**
     * Apply thread: one round of the memory and GC policy. Evicts the coldest regions while usage is above the
     * eviction threshold (never thrashing: see {@link EvictionPolicy}), then schedules compactions for regions
     * whose tables hold mostly garbage at their safe points.
     *
     * @param nowNanos current time.
     * @return work done.
     */
    public int runPolicy(final long nowNanos)
    {
        int work = 0;
        final List<RegionRecord> records = directory.currentAcquire().records();
        for (final RegionRecord victim : evictionPolicy.choose(records, budget, nowNanos))
        {
            LOG.info("policy: evicting region {} (heat {}, ~{} bytes): memory {} > evict threshold {}",
                victim.id(), victim.stats().heat(), EvictionPolicy.estimatedBytes(victim), budget.used(),
                budget.evictThreshold());
            evictRecord(victim, EvictReason.POLICY);
            work++;
        }
        work += runLoadPolicy();
        for (final RegionRecord r : records)
        {
            if (needsCompaction(r))
            {
                work += startCompaction(r) == null ? 1 : 0;
            }
        }
        return work;
    }

    /** @return where hybrid readers report reads of uncached regions (any thread). */
    public HotRegionTracker hotRegions()
    {
        return hotRegions;
    }

    private int runLoadPolicy()
    {
        final List<HotRegionTracker.Candidate> traffic = hotRegions.drain();
        if (store == null || config.autoLoadTopN() == 0 || traffic.isEmpty())
        {
            return 0;
        }
        int work = 0;
        for (final HotRegionTracker.Candidate c : loadPolicy.choose(traffic))
        {
            if (budget.shouldStopLoading())
            {
                LOG.info("load policy: stop-load threshold reached, {} hot region(s) left uncached",
                    traffic.size() - work);
                break;
            }
            final CommandResult r = onLoadRegion(new Command.LoadRegion(c.region(), false));
            counters.onPolicyLoad(r.code() == ResultCode.OK);
            LOG.info("load policy: region {} stepped {} entries for {} keys (amplification {}): {}",
                c.region().id(), c.stepped(), c.returned(), String.format("%.1f", c.amplification()), r);
            work++;
        }
        return work;
    }

    private boolean needsCompaction(final RegionRecord r)
    {
        final TableRef ref = r.tableRef();
        if (ref == null || r.state() != ACTIVE || compactions.containsKey(r))
        {
            return false;
        }
        if (budget.used() + EvictionPolicy.estimatedBytes(r) >= budget.capacity())
        {
            return false; // no room for the copy: compacting now would only evict writers at the hard cap
        }
        final long safePoint = r.safePointAcquire();
        if (safePoint <= r.compactedAtSafePoint())
        {
            return false; // nothing new to collect since the last compaction
        }
        final MvccTable t = ref.table();
        final long nodes = t.nodeCount();
        return nodes > 0 && (nodes - t.keyCount()) >= (long)(nodes * config.gcGarbageRatio());
    }

    /**
     * Apply thread, at close: complete every queued command with {@link ResultCode#CLOSED}.
     *
     * @return how many were completed.
     */
    public int rejectQueued()
    {
        int n = 0;
        Command c;
        while ((c = commandQueue.poll()) != null)
        {
            complete(c, CommandResult.of(ResultCode.CLOSED, c.regionId(), "engine closed"));
            n++;
        }
        return n;
    }

    /**
     * Apply thread, at close: evict every live record.
     */
    public void evictAll()
    {
        loadsPaused = true;
        for (final RegionRecord r : directory.currentAcquire().records())
        {
            evictRecord(r, EvictReason.SHUTDOWN);
        }
    }

    /** @return true if no record waits for pins to drain and no load is running (apply thread only). */
    public boolean isQuiescent()
    {
        return draining.isEmpty() && loadingJobs.isEmpty() && compactions.isEmpty();
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
            counters.onApplyError();
            LOG.error("apply thread caught an error on {} (region {}); evicting the region", c.getClass()
                .getSimpleName(), c.regionId(), t);
            result = CommandResult.of(ResultCode.INTERNAL_ERROR, c.regionId(), String.valueOf(t));
            safeEvictAfterError(c.regionId());
        }
        complete(c, result);
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

    // ------------------------------------------------------------------ region creation and loading

    CommandResult onCreateRegion(final Command.CreateRegion c)
    {
        final Region region = c.region;
        final String bad = validateNewRegion(region);
        if (bad != null)
        {
            return invalid(region.id(), bad);
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
        if (existing != null && existing.region().equals(region))
        {
            return CommandResult.of(ResultCode.SKIPPED, region.id(), "already " + existing.state());
        }
        if (existing != null && existing.region().epochVersion() < region.epochVersion())
        {
            // The host knows a newer epoch than the cached record: the cache missed an event. Evict, then load.
            conflict(existing, existing.stateWordVolatile(), "load at a newer epoch " + region.epochVersion());
            evictRecord(existing, EvictReason.EPOCH_DRIFT);
        }
        final String bad = validateNewRegion(region);
        if (bad != null)
        {
            return invalid(region.id(), bad);
        }
        if (budget.shouldStopLoading())
        {
            counters.onLoadRefused();
            return CommandResult.of(ResultCode.SKIPPED, region.id(), "load refused: memory in use " + budget.used() +
                " >= stop-load threshold " + budget.stopLoadThreshold());
        }
        final RegionRecord r = newRecord(region, PENDING, c.manual ? StateWord.FLAG_MANUAL : 0);
        directory.add(r);
        pendingLoads.add(r);
        return CommandResult.OK;
    }

    private String validateNewRegion(final Region region)
    {
        final String bad = region.validate();
        if (bad != null)
        {
            return bad;
        }
        if (region.start().length > config.maxKeyLength() || region.end().length > config.maxKeyLength())
        {
            return "range key longer than maxKeyLength " + config.maxKeyLength();
        }
        final RegionIndex index = directory.currentAcquire();
        if (index.byId(region.id()) != null)
        {
            return "region id " + region.id() + " is already in use by " + index.byId(region.id());
        }
        final List<RegionRecord> overlapping = index.overlapping(region.start(), region.end());
        if (!overlapping.isEmpty())
        {
            return "range overlaps cached region " + overlapping.get(0).region();
        }
        return null;
    }

    private RegionRecord newRecord(final Region region, final RegionState state, final int flags)
    {
        return new RegionRecord(region, ++incarnations, state, flags, globalSafePoint, counters.transitions());
    }

    private MvccTable newTable()
    {
        return new MvccTable(pool, config.maxKeyLength());
    }

    private int startPendingLoads()
    {
        if (store == null || loadsPaused || pendingLoads.isEmpty() || budget.shouldStopLoading())
        {
            return 0; // PENDING regions wait; the stop-load threshold keeps headroom for writes
        }
        int work = 0;
        RegionRecord r;
        while (!loadsPaused && (r = pendingLoads.poll()) != null)
        {
            work++;
            final long word = r.stateWordVolatile();
            if (StateWord.state(word) != PENDING)
            {
                continue; // evicted or split while waiting: its children were queued in its place
            }
            final BackingSnapshot snapshot;
            try
            {
                snapshot = store.openSnapshot();
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("region {}: backing store refused a snapshot, load failed: {}", r.id(), ex.toString());
                counters.onLoadFailed();
                evictRecord(r, EvictReason.LOAD_FAILED);
                continue;
            }
            if (!r.casState(word, LOADING))
            {
                // PENDING records carry no pins, so only an illegal move can fail here; count it, re-decide later.
                snapshot.close();
                conflict(r, word, "PENDING -> LOADING refused");
                continue;
            }
            final LoadJob job = new LoadJob(r, snapshot, newTable(), internalQueue, loadScanExecutor, spareScanChunks);
            loadingJobs.put(r, job);
            counters.onLoadStarted();
            execute(loaderExecutor, job, why ->
            {
                job.failure = why;
                return new Command.LoadFinished(job);
            });
        }
        return work;
    }

    CommandResult onLoadFinished(final Command.LoadFinished c)
    {
        final LoadJob job = c.job;
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
                moveFrom(t, LOADING, ACTIVE);
            }
            counters.onLoadFinished(System.nanoTime() - job.startedNanos);
        }
        else
        {
            job.table.free();
            counters.onTableFreed();
            if (failure != null)
            {
                counters.onLoadFailed();
                LOG.warn("load of [{}, {}) failed: {}", Region.hex(job.start), Region.hex(job.end), failure);
            }
        }
        for (final RegionRecord t : job.targets)
        {
            final RegionState s = t.state();
            if (s == LOADING)
            {
                // Only reached when the load failed: LOADING -> EVICTING -> GONE (never pinned, never had a table).
                directory.remove(t);
                counters.onEvict(EvictReason.LOAD_FAILED);
                moveFrom(t, LOADING, EVICTING);
                moveFrom(t, EVICTING, GONE);
            }
            else if (s == LOADING_CANCELED)
            {
                moveFrom(t, LOADING_CANCELED, EVICTING);
                moveFrom(t, EVICTING, GONE);
            }
        }
        return failure == null ? CommandResult.OK :
            CommandResult.of(ResultCode.STORE_ERROR, job.targets.get(0).id(), failure);
    }

    private String replayBuffered(final LoadJob job, final List<RegionRecord> installable)
    {
        for (final WriteBatch b : job.buffered)
        {
            final int rc = b.forEachLastFirst((op, key, keyLength, value, valueLength) ->
            {
                for (final RegionRecord t : installable)
                {
                    if (Keys.inRange(key, 0, keyLength, t.region().start(), t.region().end()))
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
                return "memory capacity reached while replaying buffered writes";
            }
        }
        return null;
    }

    /** Apply thread: a move this thread alone can make (no reader pins the record); loops only on lost CASes. */
    private void moveFrom(final RegionRecord r, final RegionState from, final RegionState to)
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
        final String bad = validateBatch(b, r.region());
        if (bad != null)
        {
            return invalid(b.regionId(), bad);
        }
        if (b.epochVersion() > epoch)
        {
            if (state == PENDING)
            {
                return CommandResult.of(ResultCode.SKIPPED, r.id(), "pending region (its epoch may lag)");
            }
            return drift(r, word, "write", b.epochVersion());
        }
        if (b.version() <= r.lastWriteVersion())
        {
            return invalid(r.id(), "version " + b.version() + " is not above the last applied " +
                r.lastWriteVersion());
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
                loadingJobs.get(r).buffered.add(b);
                return CommandResult.OK;
            case ACTIVE:
                r.lastWriteVersion(b.version());
                if (!tableWriter.apply(r.table(), b))
                {
                    LOG.warn("region {}: write at version {} exceeds the memory capacity ({} bytes in use); evicting",
                        r.id(), b.version(), pool.bytesInUse());
                    evictRecord(r, EvictReason.MEMORY_LIMIT);
                    return CommandResult.of(ResultCode.MEMORY_LIMIT, r.id(), "evicted: memory capacity reached");
                }
                r.appliedVersionRelease(b.version());
                counters.onPutsApplied(b.count());
                final CompactionJob compaction = compactions.get(r);
                if (compaction != null)
                {
                    compaction.buffered.add(b); // replayed into the compacted table before the swap
                }
                return CommandResult.OK;
            default:
                return unexpected(r, word, "write");
        }
    }

    private String validateBatch(final WriteBatch b, final Region region)
    {
        final int maxKey = config.maxKeyLength();
        final int maxValue = config.maxValueLength();
        final int rc = b.forEach((op, key, keyLength, value, valueLength) ->
        {
            if (keyLength == 0 || keyLength > maxKey)
            {
                return 1;
            }
            if (valueLength > maxValue)
            {
                return 2;
            }
            if (!Keys.inRange(key, 0, keyLength, region.start(), region.end()))
            {
                return 3;
            }
            return 0;
        });
        switch (rc)
        {
            case 1:
                return "key length outside [1, " + maxKey + "]";
            case 2:
                return "value longer than maxValueLength " + maxValue;
            case 3:
                return "key outside the region's range " + region;
            default:
                return null;
        }
    }

    // ------------------------------------------------------------------ split

    CommandResult onSplit(final Command.Split c)
    {
        final RegionIndex index = directory.currentAcquire();
        final RegionRecord src = index.byId(c.regionId);
        if (src == null)
        {
            if (isDraining(c.regionId))
            {
                return CommandResult.of(ResultCode.SKIPPED, c.regionId, "region is being evicted: split skipped");
            }
            return CommandResult.of(ResultCode.NOT_CACHED, c.regionId, "");
        }
        final String bad = validateSplit(c, src.region(), index);
        if (bad != null)
        {
            return invalid(c.regionId, bad);
        }
        while (true)
        {
            final long word = src.stateWordVolatile();
            final RegionState state = StateWord.state(word);
            final long epoch = StateWord.epochVersion(word);
            if (c.epochVersion < epoch)
            {
                return CommandResult.of(ResultCode.STALE_EPOCH, src.id(),
                    "split at epoch " + c.epochVersion + " < cached epoch " + epoch);
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
            final byte[] start = i == 0 ? region.start() : c.splitKeys[i - 1];
            final byte[] end = i == n ? region.end() : c.splitKeys[i];
            final long id = i == n ? region.id() : c.newRegionIds[i];
            final RegionRecord child = new RegionRecord(region.derive(id, start, end, c.newEpochVersion),
                ++incarnations, state, childFlags, src.safePointAcquire(), counters.transitions());
            child.lastWriteVersion(src.lastWriteVersion());
            child.inheritHistory(src);
            child.appliedVersionRelease(src.appliedVersionAcquire());
            if (state == ACTIVE)
            {
                child.attachTable(src.tableRef()); // O(1): the child shares the parent's table, narrower bounds
            }
            children.add(child);
        }
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
        return children;
    }

    private String validateSplit(final Command.Split c, final Region region, final RegionIndex index)
    {
        final int n = c.splitKeys == null ? 0 : c.splitKeys.length;
        if (n == 0)
        {
            return "no split keys";
        }
        if (c.newRegionIds == null || c.newRegionIds.length != n)
        {
            return "need one new region id per split key (" + n + ")";
        }
        if (c.newEpochVersion <= c.epochVersion || c.newEpochVersion > StateWord.MAX_EPOCH_VERSION)
        {
            return "new epoch version " + c.newEpochVersion + " must be above " + c.epochVersion;
        }
        for (int i = 0; i < n; i++)
        {
            final byte[] k = c.splitKeys[i];
            if (k == null || k.length == 0 || k.length > config.maxKeyLength())
            {
                return "split key " + i + " empty or longer than maxKeyLength";
            }
            if (i > 0 && Arrays.compareUnsigned(c.splitKeys[i - 1], k) >= 0)
            {
                return "split keys not strictly increasing at " + i;
            }
            if (Arrays.compareUnsigned(k, region.start()) <= 0 ||
                (region.end().length > 0 && Arrays.compareUnsigned(k, region.end()) >= 0))
            {
                return "split key " + Region.hex(k) + " outside " + region;
            }
            final long id = c.newRegionIds[i];
            if (id == c.regionId || index.byId(id) != null)
            {
                return "new region id " + id + " is already in use";
            }
            for (int j = 0; j < i; j++)
            {
                if (c.newRegionIds[j] == id)
                {
                    return "new region id " + id + " given twice";
                }
            }
        }
        return null;
    }

    /** Apply thread: PENDING / LOADING / ACTIVE → RETIRED, retried only while readers move the pin count. */
    private void retire(final RegionRecord r)
    {
        while (true)
        {
            final long word = r.stateWordVolatile();
            if (r.casState(word, RETIRED))
            {
                draining.add(r);
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

    private boolean isDraining(final long regionId)
    {
        for (final RegionRecord r : draining)
        {
            if (r.id() == regionId && r.state() != RETIRED)
            {
                return true;
            }
        }
        for (final RegionRecord r : loadingJobs.keySet())
        {
            if (r.id() == regionId && r.state() == LOADING_CANCELED)
            {
                return true;
            }
        }
        return false;
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
        for (final RegionRecord r : hit)
        {
            evictRecord(r, c.reason);
        }
        return hit.isEmpty() ? CommandResult.of(ResultCode.NOT_CACHED, -1, "no cached region in range") :
            CommandResult.of(ResultCode.OK, -1, hit.size() + " region(s) evicted");
    }

    /**
     * Apply thread: take a live record out of the cache, whatever state it is in, with one CAS from the exact
     * word read (re-read and re-decided if a reader moved the pin count meanwhile).
     *
     * @param r      the record.
     * @param reason why.
     * @return the typed result.
     */
    public CommandResult evictRecord(final RegionRecord r, final EvictReason reason)
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
                        pendingLoads.remove(r);
                        return evicted(r, reason);
                    }
                    break;
                case LOADING:
                    if (r.casState(word, LOADING_CANCELED))
                    {
                        directory.remove(r);
                        final LoadJob job = loadingJobs.get(r);
                        if (job != null && job.targets.stream().allMatch(t -> t.state() == LOADING_CANCELED))
                        {
                            job.abandon = true;
                            counters.onLoadCanceled();
                        }
                        return evicted(r, reason);
                    }
                    break;
                case ACTIVE:
                    if (r.closeAndEvict(word) != null) // PENDING_EVICT while pinned, else EVICTING
                    {
                        directory.remove(r);
                        draining.add(r);
                        return evicted(r, reason);
                    }
                    break;
                default:
                    return unexpected(r, word, "evict");
            }
        }
    }

    private CommandResult evicted(final RegionRecord r, final EvictReason reason)
    {
        counters.onEvict(reason);
        r.evictRequestedNanos(System.nanoTime());
        LOG.debug("region {} evicted: {}", r.id(), reason);
        return CommandResult.OK;
    }

    /** Apply thread: unlink records whose pins have drained and drop their table references. */
    private int reclaim()
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
                    counters.evictDurations().record(System.nanoTime() - r.evictRequestedNanos());
                }
                draining.remove(i);
                work++;
            }
        }
        return work;
    }

    // ------------------------------------------------------------------ safe point

    CommandResult onAdvanceSafePoint(final Command.AdvanceSafePoint c)
    {
        if (c.regionId == Command.AdvanceSafePoint.ALL_REGIONS)
        {
            globalSafePoint = Math.max(globalSafePoint, c.safePoint);
            for (final RegionRecord r : directory.currentAcquire().records())
            {
                r.advanceSafePoint(c.safePoint);
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

    CommandResult onSetPinned(final Command.SetPinned c)
    {
        final RegionRecord r = directory.currentAcquire().byId(c.regionId);
        if (r == null)
        {
            return CommandResult.of(ResultCode.NOT_CACHED, c.regionId, "");
        }
        // Flags ride in the state word: one CAS from the exact word, retried only while readers move the pins.
        r.updateFlags(c.pinned ? StateWord.FLAG_MANUAL : 0, c.pinned ? 0 : StateWord.FLAG_MANUAL);
        return CommandResult.OK;
    }

    // ------------------------------------------------------------------ compaction (MVCC GC)

    CommandResult onCompact(final Command.Compact c)
    {
        final RegionRecord r = directory.currentAcquire().byId(c.regionId);
        if (r == null)
        {
            return CommandResult.of(ResultCode.NOT_CACHED, c.regionId, "");
        }
        final String why = startCompaction(r);
        return why == null ? CommandResult.OK : CommandResult.of(ResultCode.SKIPPED, c.regionId, why);
    }

    private String startCompaction(final RegionRecord r)
    {
        if (r.state() != ACTIVE || r.tableRef() == null)
        {
            return "not ACTIVE";
        }
        if (compactions.containsKey(r))
        {
            return "already compacting";
        }
        final CompactionJob job = new CompactionJob(r, newTable(), r.safePointAcquire(), internalQueue);
        job.sourceRef.retain(); // the job reads the source table: it must outlive the job
        compactions.put(r, job);
        counters.onCompactionStarted();
        execute(gcExecutor, job, why ->
        {
            job.failure = why;
            return new Command.CompactionFinished(job);
        });
        return null;
    }

    /**
     * Hand a job to its executor; if the executor refuses it, complete the job as failed through the internal
     * queue, exactly as if it had run and failed, so its records are cleaned up the usual way.
     */
    private void execute(
        final Executor executor, final Runnable job, final java.util.function.Function<String, Command> failed)
    {
        try
        {
            executor.execute(job);
        }
        catch (final RejectedExecutionException ex)
        {
            internalQueue.offer(failed.apply("executor rejected the job: " + ex));
        }
    }

    CommandResult onCompactionFinished(final Command.CompactionFinished c)
    {
        final CompactionJob job = c.job;
        final RegionRecord src = job.source;
        compactions.remove(src);
        if (job.sourceRef.release())
        {
            counters.onTableFreed();
        }
        String failure = job.failure;
        final long word = src.stateWordVolatile();
        if (failure == null && (StateWord.state(word) != ACTIVE || directory.currentAcquire().byId(src.id()) != src))
        {
            failure = "region changed while compacting (" + StateWord.state(word) + "): result discarded";
        }
        if (failure == null)
        {
            for (final WriteBatch b : job.buffered)
            {
                if (!tableWriter.apply(job.target, b))
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
        final RegionRecord successor = new RegionRecord(src.region(), ++incarnations, ACTIVE,
            StateWord.flags(word) & ~StateWord.FLAG_HISTORICAL, src.safePointAcquire(), counters.transitions());
        successor.attachTable(new TableRef(job.target));
        successor.lastWriteVersion(src.lastWriteVersion());
        successor.appliedVersionRelease(src.appliedVersionAcquire());
        successor.inheritHistory(src);
        successor.compactedAtSafePoint(job.safePoint);
        directory.replace(List.of(src), List.of(successor));
        retire(src);
        counters.onCompactionFinished(job.copied, job.dropped, System.nanoTime() - job.startedNanos);
        LOG.debug("region {} compacted at safe point {}: {} entries kept, {} dropped", src.id(), job.safePoint,
            job.copied, job.dropped);
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

    private void conflict(final RegionRecord r, final long word, final String what)
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
    private static final class TableWriter implements WriteBatch.OpVisitor
    {
        private MvccTable table;
        private long version;

        boolean apply(final MvccTable table, final WriteBatch batch)
        {
            this.table = table;
            this.version = batch.version();
            final int rc = batch.forEachLastFirst(this); // the later op on a key wins, as in the store
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
