package io.regioncache;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.memory.SegmentPool;

/**
 * RegionCache: caches the hot regions of a replicated key-value store off-heap and serves lock-free snapshot reads
 * from them, while a single apply thread keeps every region consistent with the log that feeds it.
 * <p>
 * <b>Writing.</b> Feed the cache the same apply stream as the host's storage engine, in order: {@link #write},
 * {@link #split}, the merge and range commands, {@link #advanceSafePoint}. Each returns a future that completes
 * with a typed {@link CommandResult}; nothing here throws on bad input or unexpected region state.
 * <p>
 * <b>Reading.</b> Any thread: {@link #newSnapshot()} once, then {@code open / get / iterator / close} as often as
 * needed, with no locks and no allocation.
 * <p>
 * <b>JVM flag.</b> Agrona needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} on the classpath, and
 * {@code --add-exports java.base/jdk.internal.misc=org.agrona} on the module path (where Agrona is the automatic
 * module {@code org.agrona}).
 */
public final class RegionCache implements ApplyStream, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RegionCache.class);
    private static final Cleaner CLEANER = Cleaner.create();

    private final RegionCacheConfig config;
    private final SegmentPool pool;
    private final MemoryBudget budget;
    private final RegionDirectory directory = new RegionDirectory();
    private final EngineCounters counters = new EngineCounters();
    private final ApplyAgent agent;
    private final AgentRunner runner;
    private final AgentInvoker invoker;
    private final InvokerCycleAgent invokerAgent;
    /** The dedicated apply thread, or null on the invoker (AgentRunner.thread() turns to a tombstone at close). */
    private final Thread applyThread;
    /** How long {@code close()} waits in all for the engine's own executor threads to end (see awaitOwnThreads). */
    private static final long OWN_THREADS_WAIT_MS = 1_000;
    /** Every thread the engine's own executors started (loader, GC, load-scan, counters): joined by close(). */
    private final java.util.Queue<Thread> ownThreads = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ExecutorService ownLoader;
    private final ExecutorService ownGc;
    /** Refreshes the counters file, or null when none is configured. */
    private final java.util.concurrent.ScheduledExecutorService countersPublisher;
    private final CountersFile countersFile;
    /**
     * {@link #publishCounters()} futures not completed yet. {@code close()} stops the publisher with
     * {@code shutdownNow()}, which drops the requests still queued without completing their futures; it completes
     * them itself, after its final publish (which holds everything applied before any of them was asked for).
     */
    private final java.util.Set<CompletableFuture<Void>> pendingPublishes =
        java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ExecutorService ownLoadScan;
    private final AtomicInteger submitters = new AtomicInteger();
    /** Set once by the one {@link #close()} that wins the CAS; read by submitters and snapshots. */
    private volatile boolean closed;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<RegionCache> CLOSING =
        java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(RegionCache.class, "closing");
    /** 0 until a {@link #close()} claims the shutdown: a CAS, so two racing closes never both run it. */
    private volatile int closing;
    /** Counted down when the shutdown the winning {@link #close()} began has ended. */
    private final java.util.concurrent.CountDownLatch shutDown = new java.util.concurrent.CountDownLatch(1);
    /** The thread running the shutdown, or null before it starts. */
    private volatile Thread shutDownThread;
    /**
     * INVOKER mode: the host thread inside {@link #applyCycle()}, else null. A {@link #close()} it makes from a
     * callback of that cycle leaves the shutdown to the end of the cycle ({@link #shutDownAfterCycle}) instead of
     * running it nested inside the agent's work. Only that thread's own comparison matters, so a stale read by
     * another thread (which can never equal itself) is harmless; volatile for the reader's sake all the same.
     */
    private volatile Thread cycleThread;
    /** Set by a {@link #close()} made inside {@link #applyCycle()}; read and cleared by that thread only. */
    private boolean shutDownAfterCycle;

    private RegionCache(final RegionCacheConfig config)
    {
        this.config = config;
        this.pool = new SegmentPool(config.segmentSize(), config.capacityBytes(), SegmentPool.DEFAULT_MAX_FREE_SEGMENTS,
            config.hugePages());
        if (config.hugePages() && null != SegmentPool.hugePagesStatus())
        {
            LOG.warn("hugePages(true) has no effect here: {}", SegmentPool.hugePagesStatus());
        }
        this.budget = new MemoryBudget(
            pool, config.capacityBytes(), config.evictThresholdBytes(), config.stopLoadThresholdBytes());
        final Executor loader;
        if (config.loaderExecutor() == null)
        {
            ownLoader = daemonExecutor("regioncache-loader");
            loader = ownLoader;
        }
        else
        {
            ownLoader = null;
            loader = config.loaderExecutor();
        }
        final Executor gc;
        if (config.gcExecutor() == null)
        {
            ownGc = daemonExecutor("regioncache-gc");
            gc = ownGc;
        }
        else
        {
            ownGc = null;
            gc = config.gcExecutor();
        }
        // With loadScanThreads(2), a large load scans its two halves at once (LoadJob.copyPipelined).
        ownLoadScan = config.pipelinedLoads() && config.backingStore() != null ?
            daemonExecutor("regioncache-load-scan", config.loadScanThreads()) : null;
        this.agent = new ApplyAgent(config, directory, pool, budget, counters, loader, gc, ownLoadScan);
        final ErrorHandler errorHandler = t ->
        {
            counters.onApplyError();
            LOG.error("apply agent error", t);
        };
        if (config.countersFile() != null)
        {
            countersFile = CountersFile.create(config.countersFile(), metrics());
            countersPublisher = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread t = new Thread(r, "regioncache-counters");
                t.setDaemon(true);
                ownThreads.add(t);
                return t;
            });
            // metrics() reads published state only (any thread); the file has one writer: this thread.
            countersPublisher.scheduleWithFixedDelay(() -> countersFile.publish(metrics()), 0,
                config.countersIntervalMillis(), TimeUnit.MILLISECONDS);
        }
        else
        {
            countersFile = null;
            countersPublisher = null;
        }
        if (config.threading() == RegionCacheConfig.Threading.DEDICATED_THREAD)
        {
            runner = new AgentRunner(
                new ApplyThreadIdle(applyIdleStrategy(config, agent.wake()), counters), errorHandler, null, agent);
            invoker = null;
            invokerAgent = null;
            applyThread = AgentRunner.startOnThread(runner);
        }
        else
        {
            runner = null;
            applyThread = null;
            invokerAgent = new InvokerCycleAgent(agent);
            invoker = new AgentInvoker(errorHandler, null, invokerAgent);
            invoker.start();
        }
    }

    /**
     * The dedicated apply thread's idle strategy: the host's, guarded. Agrona's {@link AgentRunner} stops its thread
     * for good when the thread is interrupted and idle, and when the agent or idle strategy throws an {@link Error}.
     * The apply thread runs host code (command futures' callbacks, {@code onLoadInstalled}, the host's idle strategy,
     * a host store's snapshot open): one that left the interrupt flag set (a callback that interrupted itself, or
     * restored a flag with {@code Thread.currentThread().interrupt()}) stopped the engine silently, every later
     * command's future never completing (audit 11c, {@code blackbox11c/HostileCallbacksTest}). Nothing of the engine
     * interrupts its own apply thread except Agrona's close, which stops the loop anyway, so a flag seen here is the
     * host's: it is cleared (after the host's idle ran, before the runner checks it), counted as an apply error and
     * logged. An idle strategy that throws is counted and logged too, and the thread goes on. Once {@code close()}
     * began, the flag may be Agrona's own (a closer that is interrupted or times out interrupts the apply thread to
     * stop it, and the loop ends anyway): not counted then.
     */
    private final class ApplyThreadIdle implements org.agrona.concurrent.IdleStrategy
    {
        private final org.agrona.concurrent.IdleStrategy host;
        private final EngineCounters counters;

        ApplyThreadIdle(final org.agrona.concurrent.IdleStrategy host, final EngineCounters counters)
        {
            this.host = host;
            this.counters = counters;
        }

        @Override
        public void idle(final int workCount)
        {
            try
            {
                host.idle(workCount);
            }
            catch (final Throwable t)
            {
                counters.onApplyError();
                LOG.error("the idle strategy threw on the apply thread; the thread goes on", t);
            }
            clearHostInterrupt();
        }

        @Override
        public void idle()
        {
            try
            {
                host.idle();
            }
            catch (final Throwable t)
            {
                counters.onApplyError();
                LOG.error("the idle strategy threw on the apply thread; the thread goes on", t);
            }
            clearHostInterrupt();
        }

        @Override
        public void reset()
        {
            try
            {
                host.reset();
            }
            catch (final Throwable t)
            {
                counters.onApplyError();
                LOG.error("the idle strategy's reset threw on the apply thread; the thread goes on", t);
            }
        }

        @Override
        public String alias()
        {
            return host.alias();
        }

        private void clearHostInterrupt()
        {
            if (Thread.interrupted() && !closed)
            {
                counters.onApplyError();
                LOG.warn("host code left the apply thread interrupted (a command callback, a listener or the idle " +
                    "strategy); the flag is cleared and the thread goes on");
            }
        }
    }

    private ExecutorService daemonExecutor(final String name)
    {
        return daemonExecutor(name, 1);
    }

    private ExecutorService daemonExecutor(final String name, final int threads)
    {
        final AtomicInteger made = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r ->
        {
            final int n = made.getAndIncrement();
            final Thread t = new Thread(r, n == 0 ? name : name + "-" + n);
            t.setDaemon(true);
            ownThreads.add(t);
            return t;
        });
    }

    /**
     * Start an engine.
     *
     * @param config its settings.
     * @return a running engine.
     * @throws NullPointerException     if {@code config} is null.
     * @throws IllegalArgumentException if the configured counters file is a directory.
     * @throws java.io.UncheckedIOException if the configured counters file cannot be created (nothing is started;
     *                                      a caller whose interrupt flag is set is not refused, and keeps the flag).
     */
    public static RegionCache create(final RegionCacheConfig config)
    {
        return new RegionCache(java.util.Objects.requireNonNull(config, "config"));
    }

    /** @return the engine's settings. */
    public RegionCacheConfig config()
    {
        return config;
    }

    // ------------------------------------------------------------------ commands

    /**
     * Enqueue a command for the apply thread.
     *
     * @param command the command.
     * @return its future; completed at once with {@link ResultCode#QUEUE_FULL} (counted) or
     * {@link ResultCode#CLOSED} when it cannot be queued.
     */
    CompletableFuture<CommandResult> submit(final Command command)
    {
        enqueue(command);
        return command.future();
    }

    /**
     * {@link #submit}, telling whether the command was queued.
     *
     * @param command the command.
     * @return true if queued; false if its future was completed at once ({@link ResultCode#QUEUE_FULL} or
     * {@link ResultCode#CLOSED}): the apply thread never sees it.
     */
    private boolean enqueue(final Command command)
    {
        submitters.incrementAndGet();
        try
        {
            if (closed)
            {
                // Counted like every other outcome ("results per code"), as the commands still queued at close are.
                counters.onResult(ResultCode.CLOSED);
                command.future().complete(
                    CommandResult.of(ResultCode.CLOSED, ApplyAgent.regionIdOf(command), "engine closed"));
                return false;
            }
            if (!agent.offer(command))
            {
                counters.onQueueFull();
                counters.onResult(ResultCode.QUEUE_FULL);
                command.future().complete(CommandResult.of(ResultCode.QUEUE_FULL, ApplyAgent.regionIdOf(command),
                    "command queue full (" + config.commandQueueCapacity() + ")"));
                return false;
            }
            return true;
        }
        finally
        {
            submitters.decrementAndGet();
        }
    }

    /**
     * Cache a brand-new, empty region (the host just created it; there is nothing to load).
     *
     * @param region the region.
     * @return the result; {@code STALE_EPOCH} (nothing changed) if its id is cached at a newer epoch.
     */
    @Override
    public CompletableFuture<CommandResult> createRegion(final Region region)
    {
        final String bad = CommandValidation.region(region, config.maxKeyLength());
        if (bad != null)
        {
            return invalid(region == null ? -1 : region.id(), bad);
        }
        return submit(new Command.CreateRegion(region));
    }

    /**
     * Request a region be loaded from the backing store: a PENDING record now, ACTIVE when the load is installed.
     *
     * @param region the region.
     * @return the result of the request (not of the load); {@code STALE_EPOCH} (nothing changed) if its id is
     * cached at a newer epoch, {@code SKIPPED} if this region is cached already (same id, range and epoch version,
     * whatever the conf version), and {@code SKIPPED} with the reason in the detail when the load is refused: the
     * cache is disabled, memory in use is at the stop-load threshold, a load of the region failed for memory within
     * {@code loadBackoffMillis}, or its estimated size does not fit below the stop-load threshold (the last two do
     * not refuse {@link #loadRegionKeepCached}).
     */
    @Override
    public CompletableFuture<CommandResult> loadRegion(final Region region)
    {
        return load(region, false);
    }

    /**
     * Load a region and pin it in the cache (the eviction policy will not choose it).
     *
     * @param region the region.
     * @return the result of the request, as {@link #loadRegion} answers it.
     */
    @Override
    public CompletableFuture<CommandResult> loadRegionKeepCached(final Region region)
    {
        return load(region, true);
    }

    private CompletableFuture<CommandResult> load(final Region region, final boolean keepCached)
    {
        String bad = CommandValidation.region(region, config.maxKeyLength());
        if (bad == null && config.backingStore() == null)
        {
            bad = "no backing store configured: a load has nothing to copy from (createRegion caches an empty region)";
        }
        if (bad != null)
        {
            return invalid(region == null ? -1 : region.id(), bad);
        }
        return submit(new Command.LoadRegion(region, keepCached));
    }

    /**
     * Apply a write batch. The batch belongs to the engine from now on.
     *
     * @param batch puts and deletes of one region at one version.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> write(final WriteBatch batch)
    {
        final String bad = CommandValidation.batch(batch, config.maxKeyLength(), config.maxValueLength());
        if (bad != null)
        {
            return invalid(batch == null ? -1 : batch.regionId(), bad);
        }
        // From here the apply thread may read it at any time: the host can no longer change it (it can still read it).
        final boolean sealedHere = batch.seal();
        final Command.Write command = new Command.Write(batch);
        if (!enqueue(command) && sealedHere)
        {
            // Refused at the call (QUEUE_FULL, CLOSED): never handed over, so open again, like a batch refused INVALID
            // here (README, "Reliability": "a refused batch stays open"). One handed over before stays sealed.
            batch.unseal();
        }
        return command.future();
    }

    /**
     * Split a region (see {@link Command.Split} for how pieces get their ids).
     *
     * @param regionId        source region.
     * @param epochVersion    its epoch version.
     * @param splitKeys       split keys, strictly increasing and inside the range.
     * @param newRegionIds    ids of the new left-hand pieces.
     * @param newEpochVersion epoch version of every piece.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> split(
        final long regionId, final long epochVersion, final byte[][] splitKeys, final long[] newRegionIds,
        final long newEpochVersion)
    {
        return split(regionId, epochVersion, splitKeys, newRegionIds, newEpochVersion, null);
    }

    /**
     * Split a region, saying which state the host believed it was in; a different state is a counted, logged
     * conflict ({@link ResultCode#STATE_CONFLICT}) and the split is decided on the state actually found.
     *
     * @param regionId        source region.
     * @param epochVersion    its epoch version.
     * @param splitKeys       split keys.
     * @param newRegionIds    ids of the new left-hand pieces.
     * @param newEpochVersion epoch version of every piece.
     * @param expectedState   the state the host expected.
     * @return the result.
     */
    public CompletableFuture<CommandResult> split(
        final long regionId, final long epochVersion, final byte[][] splitKeys, final long[] newRegionIds,
        final long newEpochVersion, final RegionState expectedState)
    {
        final String bad = CommandValidation.split(
            regionId, epochVersion, splitKeys, newRegionIds, newEpochVersion, config.maxKeyLength());
        if (bad != null)
        {
            return invalid(regionId, bad);
        }
        // Copies: the caller may reuse its arrays once this returns, and the apply thread reads them later.
        final byte[][] keys = new byte[splitKeys.length][];
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = splitKeys[i].clone();
        }
        return submit(new Command.Split(regionId, epochVersion, keys, newRegionIds.clone(), newEpochVersion,
            expectedState));
    }

    private CompletableFuture<CommandResult> evictCommand(final EvictReason reason, final long... regionIds)
    {
        final String bad = CommandValidation.evict(reason, regionIds);
        if (bad != null)
        {
            return invalid(regionIds == null || regionIds.length == 0 ? -1 : regionIds[0], bad);
        }
        return submit(new Command.Evict(reason, regionIds));
    }

    private CompletableFuture<CommandResult> evictRangeCommand(
        final byte[] start, final byte[] end, final EvictReason reason)
    {
        final String bad = CommandValidation.range(start, end, reason);
        if (bad != null)
        {
            return invalid(-1, bad);
        }
        return submit(new Command.EvictRange(start.clone(), end.clone(), reason));
    }

    private CompletableFuture<CommandResult> invalid(final long regionId, final String why)
    {
        counters.onResult(ResultCode.INVALID);
        LOG.debug("refused at the call: {}", why);
        return CompletableFuture.completedFuture(CommandResult.of(ResultCode.INVALID, Math.max(-1, regionId), why));
    }

    /**
     * @param regionId the region preparing to merge.
     * @return the result (the region is evicted, as TiKV does).
     */
    @Override
    public CompletableFuture<CommandResult> prepareMerge(final long regionId)
    {
        return evictCommand(EvictReason.MERGE, regionId);
    }

    /**
     * @param targetId the region merged into.
     * @param sourceId the region merged away.
     * @return the result (both are evicted; the merged region may be loaded again).
     */
    @Override
    public CompletableFuture<CommandResult> commitMerge(final long targetId, final long sourceId)
    {
        return evictCommand(EvictReason.MERGE, targetId, sourceId);
    }

    /**
     * @param regionId the region whose merge rolled back.
     * @return the result (evicted).
     */
    @Override
    public CompletableFuture<CommandResult> rollbackMerge(final long regionId)
    {
        return evictCommand(EvictReason.MERGE, regionId);
    }

    /**
     * @param start inclusive start.
     * @param end   exclusive end (empty = +infinity).
     * @return the result (every overlapping region evicted).
     */
    public CompletableFuture<CommandResult> deleteRange(final byte[] start, final byte[] end)
    {
        return evictRangeCommand(start, end, EvictReason.DELETE_RANGE);
    }

    /**
     * {@inheritDoc} The cache evicts the overlapping regions; {@code version} matters only to a durable store, but a
     * negative one is bad input all the same: {@code INVALID} at the call, nothing evicted.
     */
    @Override
    public CompletableFuture<CommandResult> deleteRange(final byte[] start, final byte[] end, final long version)
    {
        final String bad = CommandValidation.version(version);
        if (bad != null)
        {
            return invalid(-1, bad);
        }
        return deleteRange(start, end);
    }

    /**
     * @param start inclusive start of the ingested SST.
     * @param end   exclusive end.
     * @return the result (every overlapping region evicted).
     */
    @Override
    public CompletableFuture<CommandResult> ingest(final byte[] start, final byte[] end)
    {
        return evictRangeCommand(start, end, EvictReason.INGEST);
    }

    /**
     * Evict every cached region overlapping {@code [start, end)}: what a host does when its store changed a range
     * behind the apply stream's back (a write the cache refused, an external ingest).
     *
     * @param start  inclusive start (empty = -infinity).
     * @param end    exclusive end (empty = +infinity).
     * @param reason why (counted per reason).
     * @return the result.
     */
    public CompletableFuture<CommandResult> evictRange(final byte[] start, final byte[] end, final EvictReason reason)
    {
        return evictRangeCommand(start, end, reason);
    }

    /**
     * @param regionId the region that received a Raft snapshot.
     * @return the result (evicted).
     */
    @Override
    public CompletableFuture<CommandResult> applySnapshot(final long regionId)
    {
        return evictCommand(EvictReason.APPLY_SNAPSHOT, regionId);
    }

    /**
     * @param regionId a destroyed peer's region (or one whose peer became a follower).
     * @return the result (evicted).
     */
    @Override
    public CompletableFuture<CommandResult> destroy(final long regionId)
    {
        return evictCommand(EvictReason.DESTROY, regionId);
    }

    /**
     * @param regionId the region.
     * @param reason   why.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> evict(final long regionId, final EvictReason reason)
    {
        return evictCommand(reason, regionId);
    }

    /**
     * Advance every region's safe point: reads at or below it are refused; GC may drop what only they could see.
     *
     * @param safePoint the new safe point (ignored if lower).
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> advanceSafePoint(final long safePoint)
    {
        final String bad = CommandValidation.safePoint(CommandValidation.ALL_REGIONS, safePoint, true);
        return bad != null ? invalid(-1, bad) :
            submit(new Command.AdvanceSafePoint(CommandValidation.ALL_REGIONS, safePoint));
    }

    /**
     * @param regionId  the region.
     * @param safePoint its new safe point.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> advanceSafePoint(final long regionId, final long safePoint)
    {
        final String bad = CommandValidation.safePoint(regionId, safePoint, false);
        return bad != null ? invalid(regionId, bad) : submit(new Command.AdvanceSafePoint(regionId, safePoint));
    }

    /**
     * Keep a cached region cached: the eviction policy never chooses it (as {@link #loadRegionKeepCached} does at
     * load); {@code false} lets the policy choose it again. Memory limits and host commands still evict it. (A
     * snapshot's "pin" is something else: a reader's hold on a region's memory.)
     *
     * @param regionId the region.
     * @param keepCached true to keep it cached, false to release it to the policy.
     * @return the result.
     */
    public CompletableFuture<CommandResult> setKeepCached(final long regionId, final boolean keepCached)
    {
        final String bad = CommandValidation.regionId("region id", regionId);
        return bad != null ? invalid(regionId, bad) : submit(new Command.SetKeepCached(regionId, keepCached));
    }

    /**
     * Compact a region now (MVCC GC at its safe point; gives a split child its own table). The policy also does
     * this by itself when a table is mostly garbage.
     *
     * @param regionId the region.
     * @return the result of starting it ({@code SKIPPED} with the reason if it cannot start).
     */
    public CompletableFuture<CommandResult> compact(final long regionId)
    {
        final String bad = CommandValidation.regionId("region id", regionId);
        return bad != null ? invalid(regionId, bad) : submit(new Command.Compact(regionId));
    }

    /**
     * Disable or enable the cache at run time, under load (TiKV could not, tikv#18101). Disabling evicts every
     * region with {@link EvictReason#DISABLED}, then refuses loads and creations ({@code SKIPPED}); writes answer
     * {@code NOT_CACHED} and snapshots {@code NOT_CACHED}, so a hybrid host reads its store. Enabling lets the host
     * and the load policy load regions again.
     *
     * @param enabled false to disable, true to enable.
     * @return OK (with the number of regions evicted), or SKIPPED if it already was.
     */
    public CompletableFuture<CommandResult> setEnabled(final boolean enabled)
    {
        return submit(new Command.SetEnabled(enabled));
    }

    /**
     * @return false once a {@link #setEnabled}{@code (false)} was applied, until a {@code setEnabled(true)}; false for
     * good once {@link #close()} has run (closing disables the cache).
     */
    public boolean isEnabled()
    {
        // closed first: the shutdown that disables the agent may still be to come (a close() made on the apply
        // thread, or inside applyCycle(), returns before it)
        return !closed && agent.enabledPublished();
    }

    /**
     * Pause or resume starting loads (PENDING regions wait).
     *
     * @param paused true to pause.
     */
    public void pauseLoads(final boolean paused)
    {
        agent.pauseLoads(paused);
    }

    // ------------------------------------------------------------------ reads

    /**
     * A reusable snapshot handle for one reader thread at a time.
     *
     * @return an unopened handle.
     */
    public Snapshot newSnapshot()
    {
        return new Snapshot(directory, counters, () -> closed, CLEANER, config.maxKeyLength());
    }

    /**
     * Convenience: a new, open snapshot.
     *
     * @param regionId     the region.
     * @param epochVersion its epoch version.
     * @param readVersion  the read version.
     * @return an open snapshot; close it.
     * @throws SnapshotUnavailableException with the typed reason if it cannot be opened.
     */
    public Snapshot snapshot(final long regionId, final long epochVersion, final long readVersion)
    {
        final Snapshot s = newSnapshot();
        final SnapshotStatus status = s.open(regionId, epochVersion, readVersion);
        if (status != SnapshotStatus.OK)
        {
            s.dispose();
            throw new SnapshotUnavailableException(status, regionId);
        }
        return s;
    }

    /**
     * Route a key: the cached (PENDING, LOADING or ACTIVE) region holding it.
     *
     * @param key a key.
     * @return its region, or null if no cached region holds it (a null key is in no region).
     */
    public Region regionFor(final byte[] key)
    {
        final RegionRecord r = directory.currentAcquire().byKey(key);
        return r == null ? null : r.region();
    }

    /**
     * @param regionId a region id.
     * @return the state of its live record, or null if not cached.
     */
    public RegionState stateOf(final long regionId)
    {
        final RegionRecord r = directory.currentAcquire().byId(regionId);
        return r == null ? null : r.state();
    }

    /**
     * @param regionId a region id.
     * @return the live record's description, or null if not cached.
     */
    public Region region(final long regionId)
    {
        final RegionRecord r = directory.currentAcquire().byId(regionId);
        return r == null ? null : r.region();
    }

    /** @return a point-in-time list of the cached regions and their states. */
    public List<RegionInfo> regions()
    {
        final List<RegionInfo> out = new ArrayList<>();
        for (final RegionRecord r : directory.currentAcquire().records())
        {
            final long word = r.stateWordVolatile();
            out.add(new RegionInfo(r.region(), StateWord.state(word), (int)Math.min(Integer.MAX_VALUE, r.pinCount()),
                r.safePointAcquire(), r.appliedVersionAcquire(), r.stats().gets(), r.stats().scannedEntries()));
        }
        return out;
    }

    // ------------------------------------------------------------------ observability and control

    /** @return the engine's counters. */
    EngineCounters counters()
    {
        return counters;
    }

    /**
     * Write the counters file now instead of at the next interval. The write runs on the file's publisher thread, so
     * the file keeps a single writer; the future completes once the file holds the metrics as of this call or later
     * (everything applied before the call is in). For a host that hands the file to a reader at a known point, and
     * for tests that must not poll.
     *
     * @return completes when written; fails with {@link IllegalStateException} if no counters file is configured or
     * the cache is closed. It always completes: a request still queued when {@link #close()} stops the publisher
     * completes with close's final publish (or fails, if the publisher did not stop within a second).
     */
    public CompletableFuture<Void> publishCounters()
    {
        if (countersPublisher == null)
        {
            return CompletableFuture.failedFuture(new IllegalStateException("no counters file is configured"));
        }
        if (closed)
        {
            // as soon as close() began, not only once its shutdown stopped the publisher (which can be a close
            // timeout later, or the end of the cycle for a close() made on the apply thread)
            return CompletableFuture.failedFuture(new IllegalStateException("the cache is closed"));
        }
        final CompletableFuture<Void> published = new CompletableFuture<>();
        pendingPublishes.add(published);
        try
        {
            countersPublisher.execute(() ->
            {
                try
                {
                    countersFile.publish(metrics());
                    published.complete(null);
                }
                catch (final RuntimeException | Error ex)
                {
                    published.completeExceptionally(ex);
                }
                finally
                {
                    pendingPublishes.remove(published);
                }
            });
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            pendingPublishes.remove(published);
            published.completeExceptionally(new IllegalStateException("the cache is closed", ex));
        }
        // No request is lost to close(): an execute that succeeded did so before close()'s shutdownNow() (the
        // executor's lock orders them), so this add happened before close() walks the set after it; one that came
        // later was refused above.
        return published;
    }

    /**
     * A point-in-time copy of every metric: regions per state, transitions from→to (made and refused), conflicts,
     * snapshot failures by reason, command results, evictions by reason, memory per threshold and its peak
     * ({@code memory.peak}: the most in use at once since the engine started, exact), load / evict / compaction
     * durations, queue depth and back-pressure.
     *
     * @return the metrics.
     */
    public MetricsSnapshot metrics()
    {
        final Map<String, Number> m = new LinkedHashMap<>();
        final EnumMap<RegionState, Integer> perState = new EnumMap<>(RegionState.class);
        for (final RegionRecord r : directory.currentAcquire().records())
        {
            perState.merge(r.state(), 1, Integer::sum);
        }
        for (final RegionState s : new RegionState[] {RegionState.PENDING, RegionState.LOADING, RegionState.ACTIVE})
        {
            m.put("regions." + s, perState.getOrDefault(s, 0));
        }
        m.put("regions.draining", agent.drainingCountPublished());
        final long used = pool.bytesInUse();
        m.put("memory.used", used);
        // read after memory.used, and never below it: a snapshot never shows more in use than its peak
        m.put("memory.peak", Math.max(used, pool.peakBytesInUse()));
        m.put("memory.capacity", budget.capacity());
        m.put("memory.evict_threshold", budget.evictThreshold());
        m.put("memory.stop_load_threshold", budget.stopLoadThreshold());
        m.put("queue.depth", agent.queueDepth());
        m.put("queue.full", counters.queueFull());
        m.put("conflicts", counters.conflicts());
        m.put("apply.errors", counters.applyErrors());
        m.put("apply.puts", counters.putsApplied());
        m.put("splits", counters.splits());
        m.put("snapshots.leaked", counters.leakedSnapshots());
        for (final SnapshotStatus s : SnapshotStatus.values())
        {
            if (s != SnapshotStatus.OK)
            {
                m.put("snapshot.failures." + s, counters.snapshotFailures(s));
            }
        }
        for (final ResultCode c : ResultCode.values())
        {
            m.put("results." + c, counters.results(c));
        }
        for (final EvictReason r : EvictReason.values())
        {
            m.put("evictions." + r, counters.evictions(r));
        }
        m.put("loads.started", counters.loadsStarted());
        m.put("loads.finished", counters.loadsFinished());
        m.put("loads.failed", counters.loadsFailed());
        m.put("loads.canceled", counters.loadsCanceled());
        m.put("loads.refused", counters.loadsRefused());
        m.put("loads.failed_memory", counters.loadsFailedForMemory());
        m.put("loads.index_filled_during_copy", counters.indexesFilledDuringCopy());
        m.put("index.slots_only_for_memory", counters.slotsOnlyForMemory());
        m.put("loads.policy", counters.policyLoads());
        m.put("compactions.started", counters.compactionsStarted());
        m.put("compactions.finished", counters.compactionsFinished());
        m.put("gc.versions_dropped", counters.gcVersionsDropped());
        putDuration(m, "load", counters.loadDurations());
        putDuration(m, "evict", counters.evictDurations());
        putDuration(m, "compaction", counters.compactionDurations());
        // Every legal move has a key even at zero, so the key set is stable (metrics registries bind once).
        final Transitions t = counters.transitions();
        for (final RegionState to : RegionState.values())
        {
            if (Transitions.isLegalCreation(to))
            {
                m.put("transitions.made.NEW->" + to, t.made(null, to));
            }
        }
        for (final RegionState from : RegionState.values())
        {
            for (final RegionState to : RegionState.values())
            {
                if (Transitions.isLegal(from, to))
                {
                    m.put("transitions.made." + from + "->" + to, t.made(from, to));
                }
            }
        }
        m.put("transitions.refused", t.totalRefused());
        t.forEach((from, to, made, refused) ->
        {
            if (refused != 0)
            {
                m.put("transitions.refused." + (from == null ? "NEW" : from.name()) + "->" + to, refused);
            }
        });
        return new MetricsSnapshot(m);
    }

    private static void putDuration(final Map<String, Number> m, final String name, final DurationStat d)
    {
        m.put(name + ".count", d.count());
        m.put(name + ".duration.mean_ms", d.meanMillis());
        m.put(name + ".duration.max_ms", d.maxNanos() / 1e6);
    }

    /** @return off-heap bytes in use (segments, large values, hash indexes). */
    public long memoryInUse()
    {
        return pool.bytesInUse();
    }

    /**
     * Any thread: report a read of an uncached region served by the backing store, for load-based caching.
     *
     * @param region   the region read.
     * @param stepped  entries stepped over (MVCC versions and tombstones included), {@code >= 0}.
     * @param returned keys returned, {@code >= 0}.
     * @throws NullPointerException     if {@code region} is null.
     * @throws IllegalArgumentException if a count is negative, or the region is one no command would take (a
     *                                  reserved id, a null bound, an epoch outside {@code 0..2^32-1}, an empty or
     *                                  inverted range, a bound over {@code maxKeyLength}); nothing is recorded. Counts
     *                                  summed past {@code Long.MAX_VALUE} within a policy interval stay at it.
     */
    public void recordStoreRead(final Region region, final long stepped, final long returned)
    {
        java.util.Objects.requireNonNull(region, "region");
        if (stepped < 0 || returned < 0)
        {
            // A negative count would lower the region's amplification, or make it negative, for the load policy.
            throw new IllegalArgumentException("negative store read counts: stepped " + stepped + ", returned " +
                returned);
        }
        // The load policy hands the region to the load command on the apply thread, which refuses it there (logged,
        // counted as a failed policy load) every round: refused here, to the caller, like every other bad input.
        final String bad = CommandValidation.region(region, config.maxKeyLength());
        if (bad != null)
        {
            throw new IllegalArgumentException("recordStoreRead: " + bad);
        }
        agent.hotRegions().onStoreRead(region, stepped, returned);
    }

    /** @return the memory budget: thresholds (changeable at run time) and usage. */
    MemoryBudget budget()
    {
        return budget;
    }

    /** @return the segment pool (memory accounting). */
    SegmentPool pool()
    {
        return pool;
    }

    /**
     * Change the memory limits at run time (any thread). Lowering the capacity below current use only refuses new
     * memory; the policy then evicts down to the new thresholds.
     *
     * @param capacityBytes          hard cap.
     * @param evictThresholdBytes    background eviction starts above this.
     * @param stopLoadThresholdBytes no new loads start at or above this.
     * @throws IllegalArgumentException naming the setting that is wrong; the old limits stay.
     */
    public void updateMemoryLimits(
        final long capacityBytes, final long evictThresholdBytes, final long stopLoadThresholdBytes)
    {
        budget.update(capacityBytes, evictThresholdBytes, stopLoadThresholdBytes);
    }

    /** @return commands waiting in the queue. */
    public int queueDepth()
    {
        return agent.queueDepth();
    }

    /**
     * Wait up to a second for the counters publisher to stop, whatever this thread's interrupt flag: the flag is put
     * aside (an interrupt arriving meanwhile too) and set again before returning. A close made by an interrupted host
     * thread used to give up the wait at once, so it skipped the final publish (the file kept stale values) and failed
     * every queued {@code publishCounters()} (audit 18); the wait is bounded, so it cannot hold the close up for good.
     *
     * @return whether the publisher stopped within the second.
     */
    private boolean awaitPublisherUninterruptibly()
    {
        boolean interrupted = Thread.interrupted();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try
        {
            while (true)
            {
                try
                {
                    return countersPublisher.awaitTermination(
                        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@link RegionCacheConfig.Threading#INVOKER} mode only: run one apply duty cycle on the calling thread. After
     * {@link #close()} it does nothing and returns 0. A {@link #close()} made by a callback this cycle runs (a
     * command's future completing, a load listener) shuts the engine down here, once the cycle's work is done.
     * <p>
     * A caller whose interrupt flag is set is served like any other: the cycle runs with the flag put aside (the
     * host code it runs, callbacks and listeners, finds it clear) and the flag, with any that host code set, is the
     * caller's again when this returns. Until audit 32 an idle cycle on an interrupted thread stopped Agrona's invoker
     * for good, every later command left queued until {@code close()}.
     *
     * @return work done.
     * @throws IllegalStateException if the engine runs its own apply thread ({@code DEDICATED_THREAD}).
     */
    public int applyCycle()
    {
        if (invoker == null)
        {
            throw new IllegalStateException("applyCycle() needs Threading.INVOKER");
        }
        // The caller's interrupt flag is put aside for the cycle and handed back after it (with any flag host code
        // set during it): Agrona's invoker stops for good on an idle cycle of an interrupted thread (InvokerCycleAgent).
        final boolean callerInterrupted = Thread.interrupted();
        cycleThread = Thread.currentThread();
        try
        {
            // 0 from the invoker: closed, or the agent threw (handled by the error handler); else the real count
            return invoker.invoke() == 0 ? 0 : invokerAgent.lastWork();
        }
        finally
        {
            cycleThread = null;
            if (invokerAgent.takeInterrupt() || callerInterrupted)
            {
                Thread.currentThread().interrupt(); // before a shutdown below: a close() on this thread sees it
            }
            if (shutDownAfterCycle)
            {
                // a callback of this cycle called close(): the shutdown runs now, the cycle's work finished
                shutDownAfterCycle = false;
                shutDown();
            }
        }
    }

    /**
     * Whether the calling thread is the one applying this engine's commands now: the dedicated apply thread (where
     * command futures' dependent stages and the {@code onLoadInstalled} listener run), or, with
     * {@link RegionCacheConfig.Threading#INVOKER}, a host thread inside {@link #applyCycle()}. A caller there must not
     * wait for a command's result or retry a {@code QUEUE_FULL} until the queue drains: the thread it would wait for
     * is itself ({@code HybridEngine} answers instead, audit 11c).
     *
     * @return true on the apply thread.
     */
    public boolean isApplyThread()
    {
        final Thread t = Thread.currentThread();
        return t == applyThread || t == cycleThread;
    }

    /**
     * The dedicated apply thread's idle strategy: for the builder's default, the engine's own, woken by every offer to
     * the agent's queues ({@link ApplyThreadWake}); a host's strategy as given.
     */
    static org.agrona.concurrent.IdleStrategy applyIdleStrategy(
        final RegionCacheConfig config, final ApplyThreadWake wake)
    {
        return config.idleStrategy() == RegionCacheConfig.DEFAULT_IDLE_STRATEGY ? wake : config.idleStrategy();
    }

    /** @return true once {@link #close()} has begun. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Stop the engine: refuse new commands (CLOSED), stop the apply thread, complete queued commands with CLOSED,
     * evict every region, and wait up to {@code closeTimeoutMillis} for loads to end and open snapshots to close.
     * Memory still pinned by snapshots after that is left to the GC (never freed under a reader). A second, concurrent
     * call returns when the first one's shutdown has ended. Called on the dedicated apply thread (from a command
     * future's callback or a load listener), it refuses new commands at once and finishes the shutdown on a thread of
     * its own, since the apply thread cannot wait for itself to stop. Called from such a callback inside
     * {@link #applyCycle()} ({@code INVOKER} mode), it refuses new commands at once and the shutdown runs on the same
     * thread when that cycle returns.
     */
    @Override
    public void close()
    {
        final boolean onApplyThread = applyThread != null && Thread.currentThread() == applyThread;
        if (!CLOSING.compareAndSet(this, 0, 1))
        {
            // Another thread owns the shutdown (check-then-act would let two threads run it): wait for it to end,
            // unless this is the apply thread, which that shutdown is joining.
            if (!onApplyThread && Thread.currentThread() != shutDownThread && Thread.currentThread() != cycleThread)
            {
                boolean interrupted = false;
                while (true)
                {
                    try
                    {
                        shutDown.await();
                        break;
                    }
                    catch (final InterruptedException ex)
                    {
                        interrupted = true;
                    }
                }
                if (interrupted)
                {
                    Thread.currentThread().interrupt();
                }
            }
            return;
        }
        // First: a host that sees isClosed() must also see no queued command applied after it (audit 20).
        agent.stopTakingCommands(); // commands already queued complete CLOSED, not applied behind a busy one
        closed = true;
        if (Thread.currentThread() == cycleThread)
        {
            // INVOKER mode, from a callback inside applyCycle(): the host's thread is the apply thread, in the
            // middle of a cycle. New commands are refused from now on; the shutdown runs when the cycle returns.
            shutDownAfterCycle = true;
            return;
        }
        if (onApplyThread)
        {
            // Called from a callback on the apply thread: it cannot join itself. Refuse new commands now and finish
            // the shutdown on a thread of its own once this callback returns.
            final Thread t = new Thread(this::shutDown, "regioncache-close");
            t.setDaemon(true);
            t.start();
            return;
        }
        shutDown();
    }

    private void shutDown()
    {
        shutDownThread = Thread.currentThread(); // a callback it runs (a command completed CLOSED) may call close()
        try
        {
            shutDownOnce();
        }
        finally
        {
            shutDown.countDown();
        }
    }

    private void shutDownOnce()
    {
        closed = true;
        while (submitters.get() != 0)
        {
            Thread.onSpinWait(); // a submitter between its closed-check and its offer: let it finish
        }
        if (runner != null)
        {
            runner.close(); // joins the apply thread: this thread is the single writer from here on
        }
        agent.rejectQueued();
        agent.evictAll();
        // A load no loader thread has started is canceled now, not waited for: its region is evicted, so its copy
        // would be dropped anyway, and a held or busy loader executor may not start it within the timeout.
        agent.loads().cancelQueued();
        // Elapsed time against the timeout, not now > now + timeout: that sum overflows for an absurdly long timeout
        // (Long.MAX_VALUE), which then did not wait at all.
        final long start = System.nanoTime();
        final long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.closeTimeoutMillis());
        while (true)
        {
            agent.doWork();
            if (agent.isQuiescent() || System.nanoTime() - start > timeoutNanos)
            {
                break;
            }
            Thread.yield();
        }
        if (!agent.isQuiescent())
        {
            // Compactions no thread has started (a busy or held GC executor) are canceled: they give back the tables
            // they hold, so those stop counting in memory in use.
            agent.compactions().cancelQueued();
            agent.doWork();
        }
        if (!agent.isQuiescent())
        {
            LOG.warn("closed with {} region record(s) still pinned by open snapshots or loading; their memory is " +
                "left to the GC", agent.drainingCount());
        }
        if (invoker != null)
        {
            invoker.close();
        }
        if (ownLoader != null)
        {
            ownLoader.shutdownNow();
        }
        if (ownGc != null)
        {
            ownGc.shutdownNow();
        }
        if (countersPublisher != null)
        {
            countersPublisher.shutdownNow();
            boolean published = false;
            boolean publisherStopped = false;
            try
            {
                if (awaitPublisherUninterruptibly())
                {
                    publisherStopped = true;
                    countersFile.publish(metrics()); // the final values stay readable after the host is gone
                    published = true;
                }
            }
            finally
            {
                // The requests shutdownNow() dropped: the final publish holds everything applied before any of
                // them was asked for, so they are done; without it (the publisher did not stop) they fail typed.
                // Never left pending: a host may wait on one without a timeout.
                for (final CompletableFuture<Void> pending : pendingPublishes)
                {
                    if (pendingPublishes.remove(pending))
                    {
                        if (published)
                        {
                            pending.complete(null);
                        }
                        else
                        {
                            pending.completeExceptionally(
                                new IllegalStateException("the cache closed before the counters were published"));
                        }
                    }
                }
            }
            if (publisherStopped)
            {
                countersFile.close();
            }
            else
            {
                // The publisher thread did not stop within the second: it may still be writing into the mapping,
                // and unmapping memory under a writer crashes the JVM. The mapping is left to the GC instead, which
                // unmaps it once nothing reaches it (the thread's task included).
                LOG.warn("the counters publisher did not stop within 1 s: {} stays mapped until it is collected",
                    config.countersFile());
            }
        }
        if (ownLoadScan != null)
        {
            ownLoadScan.shutdownNow();
        }
        awaitOwnThreads();
        if (agent.isQuiescent())
        {
            pool.close();
        }
    }

    /**
     * Wait, up to {@link #OWN_THREADS_WAIT_MS} in all, for the threads of the engine's own executors (loader, GC,
     * load-scan, counters) to end after their {@code shutdownNow()}, so that in the common case (nothing running on
     * them: the close already waited for loads and compactions) none of them is alive when {@code close()} returns.
     * Joined, not {@code awaitTermination}: an executor reports termination from inside its last worker, a moment
     * before that thread ends. A thread still inside a job (past the close timeout, or stuck in a host's store) is
     * not waited for longer; an interrupted caller does not wait at all; the calling thread never waits on itself.
     */
    private void awaitOwnThreads()
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OWN_THREADS_WAIT_MS);
        try
        {
            for (final Thread t : ownThreads)
            {
                final long left = deadline - System.nanoTime();
                if (t == Thread.currentThread())
                {
                    continue;
                }
                if (left <= 0)
                {
                    LOG.debug("engine thread {} still runs after close", t.getName());
                    return;
                }
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
