package io.regioncache.hybrid;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ApplyStream;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.StoreException;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;

/**
 * The embedded default: a RocksDB store (the source of truth, every version of every key) with a
 * {@link RegionCache} beside it that caches hot regions and loads them from the store, as TiKV's in-memory engine
 * sits beside its KV RocksDB. The host drives one object: writes go to RocksDB first, synchronously, then to the
 * cache; region events pass through; reads go through {@link HybridReader}s.
 * <p>
 * <b>Write order.</b> {@link #write} writes the store before it enqueues the cache command. A load snapshot is
 * opened on the apply thread, so every write is either in a load's snapshot or reaches the apply thread after the
 * load started (then it is buffered and replayed; a write in both is refused as a duplicate (key, version)).
 * Writes of one region must come from one thread in version order (as the host's apply stream does).
 * <p>
 * <b>Back-pressure.</b> A command the cache cannot queue ({@code QUEUE_FULL}) is retried until accepted: a dropped
 * write, split or eviction would let the cache diverge from the store. In
 * {@link RegionCacheConfig.Threading#INVOKER} mode the retry runs apply cycles on the calling thread, so the host
 * must call this engine from the thread that drives {@link #applyCycle()}. On the apply thread itself (a command
 * future's callback, a load listener: on the dedicated thread, or inside {@link #applyCycle()} in INVOKER mode;
 * {@link RegionCache#isApplyThread()}), which is the thread that drains the queue, a retry would wait for good (or
 * run a cycle nested in the running one): a command made there answers {@code QUEUE_FULL} instead, and a write or
 * delete-range the store took is reconciled first (the cached range evicted, as for a refused write below);
 * {@link #await} and {@link #gc} there throw {@link IllegalStateException} rather than wait for themselves.
 * <p>
 * <b>Refused writes.</b> A write the store took but the cache refused as {@code STALE_EPOCH} or {@code INVALID}
 * would leave a cached region without data the store has; the engine evicts the key range the batch touched
 * (counted in {@link HybridMetrics#reconciliations()}).
 * <p>
 * <b>Visibility.</b> {@link #write} returns once the store has the write; the returned future completes once the
 * cache has applied it. A hybrid read reflects the write for sure only after that future completed (the cache
 * serves reads at {@code min(readVersion, last applied version)}).
 */
public final class HybridEngine implements ApplyStream, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HybridEngine.class);

    private final WritableStore store;
    private final boolean ownsStore;
    private final RegionCache cache;
    private final boolean invoker;
    private final HybridMetrics metrics = new HybridMetrics();
    private volatile boolean closed;
    /** 0 until the one {@link #close()} that wins the CAS claims the shutdown. */
    private volatile int closing;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<HybridEngine> CLOSING =
        java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(HybridEngine.class, "closing");

    private HybridEngine(
        final WritableStore store, final boolean ownsStore, final RegionCacheConfig.Builder cacheConfig)
    {
        // Null checks first: a null store would otherwise start a cache with no backing store at all, whose first
        // write then failed with an NPE from inside.
        java.util.Objects.requireNonNull(store, "store");
        java.util.Objects.requireNonNull(cacheConfig, "cacheConfig");
        this.store = store;
        this.ownsStore = ownsStore;
        this.cache = RegionCache.create(cacheConfig.backingStore(store).build());
        this.invoker = cache.config().threading() == RegionCacheConfig.Threading.INVOKER;
        // A store swept by an earlier engine (a reopened directory): the cache starts at its safe point, as gc()
        // leaves it, so that a region loaded from the swept store never answers a read below the sweep (a black-box
        // audit found such a read answered from the swept data, where the store path refused it).
        final long swept = store.gcSafePoint();
        if (swept > 0)
        {
            try
            {
                await(cache.advanceSafePoint(swept));
            }
            catch (final RuntimeException ex)
            {
                cache.close();
                throw ex;
            }
        }
    }

    /**
     * Start a cache over {@code store} and own the store: {@link #close()} closes it, and so does a failure to
     * start. RocksDB: {@code HybridEngine.owning(RocksDbBackingStore.open(dir), config)}.
     *
     * @param store       the store (closed by {@link #close()}).
     * @param cacheConfig cache settings; its backing store is set to the store.
     * @return the engine.
     * @throws NullPointerException     if an argument is null (a non-null store is closed then too).
     * @throws IllegalArgumentException if {@code cacheConfig} does not build (see {@link RegionCacheConfig.Builder#build()}).
     */
    public static HybridEngine owning(final WritableStore store, final RegionCacheConfig.Builder cacheConfig)
    {
        java.util.Objects.requireNonNull(store, "store"); // before the try: there is nothing to close
        try
        {
            return new HybridEngine(store, true, cacheConfig);
        }
        catch (final RuntimeException ex)
        {
            store.close();
            throw ex;
        }
    }

    /**
     * Start a cache over a store the caller keeps ({@link #close()} does not close it).
     *
     * @param store       the store.
     * @param cacheConfig cache settings; its backing store is set to {@code store}.
     * @return the engine.
     * @throws NullPointerException     if an argument is null.
     * @throws IllegalArgumentException if {@code cacheConfig} does not build (see {@link RegionCacheConfig.Builder#build()}).
     */
    public static HybridEngine create(final WritableStore store, final RegionCacheConfig.Builder cacheConfig)
    {
        return new HybridEngine(store, false, cacheConfig);
    }

    /** @return the cache (for direct reads, observability, control). */
    public RegionCache cache()
    {
        return cache;
    }

    /** @return the durable store. */
    public WritableStore store()
    {
        return store;
    }

    /** @return read metrics shared by this engine's readers. */
    public HybridMetrics metrics()
    {
        return metrics;
    }

    /**
     * A reader for one thread at a time (reusable; keep one per reader thread).
     *
     * @return a new reader.
     */
    public HybridReader newReader()
    {
        return new HybridReader(this);
    }

    // ------------------------------------------------------------------ writes

    /**
     * Write a batch: to RocksDB first (synchronously, at the batch's version), then to the cache. The batch
     * belongs to the engine from now on.
     *
     * @param batch puts and deletes of one region at one version.
     * @return the cache's result; {@code INVALID} at once for bad input the cache checks at the call
     * ({@link WriteBatch#validate}: neither the store nor the cache saw it); {@code CLOSED} at once once
     * {@link #close()} has begun (the store never saw it; only a write racing close() may reach the store and still
     * hear {@code CLOSED} from the cache); {@code STORE_ERROR} at once if RocksDB refused the write (then the cache
     * never saw it). Any other code, a later {@code INVALID} from the apply thread included (a key outside the cached
     * region's range), means the store has the write; such an {@code INVALID} or {@code STALE_EPOCH} completes only
     * once the cached range the batch touched is evicted, so a read after it is served by the store. So does a
     * {@code QUEUE_FULL}, answered only to a write made on the cache's apply thread (a command callback or load
     * listener, on the dedicated thread or inside {@link #applyCycle()}) while the queue is full: the engine retries a
     * full queue until it drains everywhere else, but that thread is the one that drains it.
     */
    @Override
    public CompletableFuture<CommandResult> write(final WriteBatch batch)
    {
        if (batch == null)
        {
            return invalid("write batch is null"); // refused before the store sees anything
        }
        // The cache's checks at the call, before the store sees anything: a batch the cache would refuse (an empty
        // key, a negative version, a value over the limit) must not be half applied, in the store and not the cache.
        final String bad = batch.validate(cache.config());
        if (bad != null)
        {
            return CompletableFuture.completedFuture(CommandResult.of(ResultCode.INVALID,
                Math.max(-1, batch.regionId()), bad));
        }
        if (closed)
        {
            // Before the store: a write answered CLOSED must not be durable (it was, and the owned store's refusal
            // answered STORE_ERROR). The cache answers (and counts) it, once it refuses.
            awaitCacheRefusing();
            return cache.write(batch);
        }
        try
        {
            store.applyBatch(batch);
        }
        catch (final StoreException ex)
        {
            metrics.onStoreWriteError();
            LOG.warn("store refused {}: {}", batch, ex.toString());
            return CompletableFuture.completedFuture(
                CommandResult.of(ResultCode.STORE_ERROR, batch.regionId(), ex.getMessage()));
        }
        final CompletableFuture<CommandResult> f = submit(() -> cache.write(batch));
        // Runs on the apply thread (or here if already done): either way no one else touches the batch any more.
        // The caller hears the cache's refusal only once the range the batch touched is evicted: a read made after
        // the answer must not be served by the cache, which lacks a write the store has. (The answer used to come
        // first, with the eviction queued behind it: a black-box audit read the old value from the cache in 26 of
        // 40 rounds.)
        return f.thenCompose(r -> reconcileRefusedWrite(batch, r));
    }

    private static CompletableFuture<CommandResult> invalid(final String why)
    {
        return CompletableFuture.completedFuture(CommandResult.of(ResultCode.INVALID, -1, why));
    }

    /**
     * @return {@code r}, once the range the batch touched is evicted when the cache refused a write the store took
     * ({@code INVALID} or {@code STALE_EPOCH} decided on the apply thread); at once otherwise.
     */
    private CompletableFuture<CommandResult> reconcileRefusedWrite(final WriteBatch batch, final CommandResult r)
    {
        if (r.code() == ResultCode.NOT_CACHED)
        {
            // The batch's region is not cached, so the cache checked none of its keys; but a key the host routed
            // there may lie in another region the cache holds (a misrouted or late write: a merge's source written
            // at its old epoch after the target reloaded), which now lacks a write the store has. Found by a
            // black-box audit: the cached region kept serving the old value, and CrossCheck (which compares at the
            // region's applied version) could not see it.
            if (!anyKeyCached(batch))
            {
                return CompletableFuture.completedFuture(r);
            }
        }
        else if (r.code() != ResultCode.STALE_EPOCH && r.code() != ResultCode.INVALID &&
            r.code() != ResultCode.QUEUE_FULL)
        {
            return CompletableFuture.completedFuture(r);
        }
        final byte[][] range = keyRange(batch);
        if (range == null)
        {
            return CompletableFuture.completedFuture(r);
        }
        metrics.onReconciliation();
        LOG.warn("cache refused a write the store took ({}: {}); evicting [{}, {})", r.code(), r.detail(),
            Region.hex(range[0]), Region.hex(range[1]));
        return evictThenAnswer(range, r);
    }

    /**
     * Evict {@code range} ({@code STATE_CONFLICT}), then answer {@code answer}. This may run on the apply thread (or
     * inside the host's {@code applyCycle}), which must not wait for its own queue: a full queue is retried from
     * {@link #RETRY_LATER}'s thread instead, until the eviction is queued or the cache answers otherwise ({@code
     * CLOSED} after close: every region is evicted then anyway).
     */
    private CompletableFuture<CommandResult> evictThenAnswer(final byte[][] range, final CommandResult answer)
    {
        return cache.evictRange(range[0], range[1], EvictReason.STATE_CONFLICT).handle((e, failure) ->
            null == failure && ResultCode.QUEUE_FULL == e.code() ?
                CompletableFuture.supplyAsync(() -> range, RETRY_LATER).thenCompose(x -> evictThenAnswer(x, answer)) :
                CompletableFuture.completedFuture(answer))
            .thenCompose(answered -> answered);
    }

    /** Where an eviction refused {@code QUEUE_FULL} is tried again: a shared daemon timer, never the apply thread. */
    private static final java.util.concurrent.Executor RETRY_LATER =
        CompletableFuture.delayedExecutor(100, java.util.concurrent.TimeUnit.MICROSECONDS);

    /** @return true if a cached region (any state) holds a key of the batch. */
    private boolean anyKeyCached(final WriteBatch batch)
    {
        final boolean[] held = new boolean[1];
        batch.forEach((op, key, keyLength, value, valueLength) ->
        {
            if (!held[0])
            {
                final byte[] k = new byte[keyLength];
                key.getBytes(0, k);
                held[0] = cache.regionFor(k) != null;
            }
            return 0;
        });
        return held[0];
    }

    /** @return [smallest key, successor of the largest key) of a batch, or null if it is empty. */
    private static byte[][] keyRange(final WriteBatch batch)
    {
        final byte[][] minMax = new byte[2][];
        batch.forEach((op, key, keyLength, value, valueLength) ->
        {
            final byte[] k = new byte[keyLength];
            key.getBytes(0, k);
            if (minMax[0] == null || Arrays.compareUnsigned(k, minMax[0]) < 0)
            {
                minMax[0] = k;
            }
            if (minMax[1] == null || Arrays.compareUnsigned(k, minMax[1]) > 0)
            {
                minMax[1] = k;
            }
            return 0;
        });
        if (minMax[0] == null)
        {
            return null;
        }
        // The smallest key above max is max ++ 0x00.
        return new byte[][] {minMax[0], Arrays.copyOf(minMax[1], minMax[1].length + 1)};
    }

    /**
     * MVCC delete-range: tombstones at {@code version} for every key of {@code [start, end)} visible at that
     * version are written to RocksDB in one atomic batch (history below {@code version} stays readable), then
     * every cached region overlapping the range is evicted (TiKV evicts on delete-range too).
     *
     * @param start   inclusive start.
     * @param end     exclusive end (empty = +infinity).
     * @param version version of the tombstones, above every version already written in the range.
     * @return the cache's result, or {@code STORE_ERROR} (the cache range is evicted anyway); {@code INVALID} at once
     * for a null, empty or inverted range or a negative version, and {@code CLOSED} once {@link #close()} has begun,
     * both before the store deletes anything; {@code QUEUE_FULL} (made on the apply thread with the queue full, as
     * for {@link #write}) once the overlapping cached regions are evicted: the store has deleted the range.
     */
    @Override
    public CompletableFuture<CommandResult> deleteRange(final byte[] start, final byte[] end, final long version)
    {
        if (start == null || end == null || (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0))
        {
            return invalid("null, empty or inverted range"); // refused before the store deletes anything
        }
        if (version < 0)
        {
            return invalid("version " + version + " is negative"); // as the cache would answer, before the store
        }
        if (closed)
        {
            awaitCacheRefusing();
            return cache.deleteRange(start, end, version); // CLOSED, and the store deletes nothing (as in write)
        }
        StoreException failed = null;
        try
        {
            store.deleteRange(start, end, version);
        }
        catch (final StoreException ex)
        {
            failed = ex;
            metrics.onStoreWriteError();
        }
        final CompletableFuture<CommandResult> f = submit(
            () -> cache.deleteRange(start, end, version));
        if (failed != null)
        {
            // Answered once the cache has evicted the overlapping regions (its delete-range evicts them): no read
            // after the answer is served by a cached region the store's failed delete may have left different.
            final String why = failed.getMessage();
            return f.handle((r, t) -> CommandResult.of(ResultCode.STORE_ERROR, -1, why));
        }
        // QUEUE_FULL only on the apply thread (submit): the store deleted the range and the cache did not, so the
        // overlapping cached regions are evicted before the answer.
        return f.thenCompose(r -> r.code() == ResultCode.QUEUE_FULL ?
            evictThenAnswer(new byte[][] {start, end}, r) : CompletableFuture.completedFuture(r));
    }

    // ------------------------------------------------------------------ region events (pass-through)

    /**
     * @param region a brand-new region (nothing in the store yet).
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> createRegion(final Region region)
    {
        return submit(() -> cache.createRegion(region));
    }

    /**
     * Load a region from the store into the cache (PENDING now, ACTIVE when installed).
     *
     * @param region the region.
     * @return the result of the request.
     */
    @Override
    public CompletableFuture<CommandResult> loadRegion(final Region region)
    {
        return submit(() -> cache.loadRegion(region));
    }

    /**
     * Load a region and pin it (the eviction policy will not choose it).
     *
     * @param region the region.
     * @return the result of the request.
     */
    @Override
    public CompletableFuture<CommandResult> loadRegionKeepCached(final Region region)
    {
        return submit(() -> cache.loadRegionKeepCached(region));
    }

    /**
     * Split a cached region (the store is region-agnostic: nothing to do there).
     *
     * @param regionId        source region.
     * @param epochVersion    its epoch.
     * @param splitKeys       split keys.
     * @param newRegionIds    ids of the new left-hand pieces.
     * @param newEpochVersion epoch of every piece.
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
     * Split, saying which state the host expected (see {@link RegionCache#split(long, long, byte[][], long[], long,
     * RegionState)}).
     *
     * @param regionId        source region.
     * @param epochVersion    its epoch.
     * @param splitKeys       split keys.
     * @param newRegionIds    ids of the new left-hand pieces.
     * @param newEpochVersion epoch of every piece.
     * @param expectedState   expected state, or null.
     * @return the result.
     */
    public CompletableFuture<CommandResult> split(
        final long regionId, final long epochVersion, final byte[][] splitKeys, final long[] newRegionIds,
        final long newEpochVersion, final RegionState expectedState)
    {
        return submit(() -> cache.split(regionId, epochVersion, splitKeys, newRegionIds, newEpochVersion, expectedState));
    }

    /**
     * @param regionId region preparing to merge.
     * @return the result (evicted).
     */
    @Override
    public CompletableFuture<CommandResult> prepareMerge(final long regionId)
    {
        return submit(() -> cache.prepareMerge(regionId));
    }

    /**
     * @param targetId region merged into.
     * @param sourceId region merged away.
     * @return the result (both evicted).
     */
    @Override
    public CompletableFuture<CommandResult> commitMerge(final long targetId, final long sourceId)
    {
        return submit(() -> cache.commitMerge(targetId, sourceId));
    }

    /**
     * @param regionId region whose merge rolled back.
     * @return the result (evicted).
     */
    @Override
    public CompletableFuture<CommandResult> rollbackMerge(final long regionId)
    {
        return submit(() -> cache.rollbackMerge(regionId));
    }

    /**
     * The host ingested an SST covering {@code [start, end)} into the store ({@link #store()},
     * keys in the store's format). Call after the ingest: overlapping
     * cached regions are evicted and reload the ingested data.
     *
     * @param start inclusive start.
     * @param end   exclusive end.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> ingest(final byte[] start, final byte[] end)
    {
        return submit(() -> cache.ingest(start, end));
    }

    /**
     * The host applied a Raft snapshot to the region (its data already written to the store).
     *
     * @param regionId the region.
     * @return the result (evicted).
     */
    @Override
    public CompletableFuture<CommandResult> applySnapshot(final long regionId)
    {
        return submit(() -> cache.applySnapshot(regionId));
    }

    /**
     * @param regionId a destroyed peer's region.
     * @return the result (evicted).
     */
    @Override
    public CompletableFuture<CommandResult> destroy(final long regionId)
    {
        return submit(() -> cache.destroy(regionId));
    }

    /**
     * @param regionId the region.
     * @param reason   why.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> evict(final long regionId, final EvictReason reason)
    {
        return submit(() -> cache.evict(regionId, reason));
    }

    /**
     * Advance every cached region's safe point (reads at or below it are refused by the cache).
     *
     * @param safePoint the safe point.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> advanceSafePoint(final long safePoint)
    {
        return submit(() -> cache.advanceSafePoint(safePoint));
    }

    /**
     * @param regionId  the region.
     * @param safePoint its safe point.
     * @return the result.
     */
    @Override
    public CompletableFuture<CommandResult> advanceSafePoint(final long regionId, final long safePoint)
    {
        return submit(() -> cache.advanceSafePoint(regionId, safePoint));
    }

    /**
     * MVCC GC: first raise the cache's safe point to {@code safePoint} and wait until it is applied (so a region
     * loaded after the sweep can never serve a read the swept store could not), then sweep the store
     * ({@link WritableStore#gcBelow}). Blocking; in INVOKER mode it drives apply cycles itself.
     *
     * @param safePoint the GC safe point.
     * @return store entries dropped.
     * @throws IllegalArgumentException if the cache refuses the safe point (negative): the store is not swept.
     * @throws IllegalStateException    if the engine is closed, or if called on the apply thread (a command callback
     *                                  or load listener on the dedicated thread, or inside {@link #applyCycle()} in
     *                                  INVOKER mode; {@link RegionCache#isApplyThread()}), which cannot wait for the
     *                                  safe point it has yet to apply: the store is not swept.
     * @throws StoreException           if the store's sweep fails (a full disk, say: audit 33). The cache's safe
     *                                  point is raised by then, so the cache answers {@code TOO_OLD_READ} below it
     *                                  and such reads go to the store, which still holds what it did not sweep; a
     *                                  later round at the same or a higher safe point sweeps it.
     */
    public long gc(final long safePoint)
    {
        if (cache.isApplyThread())
        {
            // Checked first: with the queue full, the safe point's command came back QUEUE_FULL (done), await
            // returned it, and the store was swept below a safe point the cache never took (audit 15).
            throw new IllegalStateException("gc on the cache's apply thread (a callback) would wait for itself: "
                + "the store is not swept");
        }
        // The store is swept only once the cache took the safe point: a refused one (INVALID, CLOSED) used to be
        // ignored and the store swept all the same.
        final CommandResult r = await(advanceSafePoint(safePoint));
        if (r.code() == ResultCode.INVALID)
        {
            throw new IllegalArgumentException("gc safe point refused: " + r.detail());
        }
        if (r.code() == ResultCode.CLOSED)
        {
            throw new IllegalStateException("gc after close: the engine is closed");
        }
        if (r.code() == ResultCode.QUEUE_FULL)
        {
            throw new IllegalStateException("gc safe point not taken (" + r.code() + "): the store is not swept");
        }
        return store.gcBelow(safePoint);
    }

    /**
     * INVOKER mode: run one apply duty cycle on the calling thread.
     *
     * @return work done.
     */
    public int applyCycle()
    {
        return cache.applyCycle();
    }

    /**
     * Wait for a command's result (in INVOKER mode by running apply cycles on this thread).
     *
     * @param f a future of this engine.
     * @return its result.
     * @throws IllegalStateException if called on the apply thread (a command callback or load listener on the
     *                               dedicated thread, or inside {@link #applyCycle()} in INVOKER mode) for a future
     *                               not completed yet: that thread would wait for itself.
     */
    public CommandResult await(final CompletableFuture<CommandResult> f)
    {
        if (!f.isDone() && cache.isApplyThread())
        {
            // A callback on the dedicated apply thread waiting for a command that thread has yet to apply: it
            // waited for itself, for good (audit 11c, blackbox11c/HybridReentryTest). In INVOKER mode, inside
            // applyCycle(), it ran apply cycles nested in the running one instead (audit 15): a re-entry the apply
            // loop is not written for, which also cleared isApplyThread() for the rest of the outer cycle.
            throw new IllegalStateException("await on the cache's apply thread (a callback) would wait for itself");
        }
        while (invoker && !f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }

    /** Submit, retrying while the queue is full: every command must reach the cache in the host's order. */
    private CompletableFuture<CommandResult> submit(final Supplier<CompletableFuture<CommandResult>> command)
    {
        while (true)
        {
            final CompletableFuture<CommandResult> f = command.get();
            if (!f.isDone() || f.join().code() != ResultCode.QUEUE_FULL)
            {
                return f;
            }
            if (cache.isApplyThread())
            {
                // Called from a callback on the apply thread, the one thread that drains the queue: retrying here
                // spun for good on the dedicated thread, the engine hung (audit 11c, blackbox11c/HybridReentryTest),
                // and inside applyCycle() ran a nested cycle (audit 15). The caller hears QUEUE_FULL; a write or
                // delete-range the store took is reconciled (write, deleteRange).
                return f;
            }
            if (invoker)
            {
                cache.applyCycle();
            }
            else
            {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    /**
     * Wait until the cache refuses commands. {@link #close()} sets {@link #closed} and only then calls the cache's
     * close, whose first step is to refuse: a command that saw {@link #closed} in between and went straight to the
     * cache was accepted there (answered {@code OK}, applied to the cache and never to the store, and readable from
     * the cache until the shutdown evicted it). The wait is those few instructions of the closing thread.
     */
    private void awaitCacheRefusing()
    {
        while (!cache.isClosed())
        {
            Thread.yield();
        }
    }

    /** @return true once {@link #close()} has begun. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Close the cache (waits for loads and snapshots, bounded by its close timeout), then the store if owned.
     * Everything is released either way; a store whose own close fails throws from here after that (RocksDB's
     * {@link StoreException} "closing RocksDB failed: ... Seen error" once a write met a full disk: audit 33), so a
     * host closing in a {@code finally} block sees it.
     *
     * @throws StoreException if the owned store's close fails (the cache is closed and its memory released first).
     */
    @Override
    public void close()
    {
        if (!CLOSING.compareAndSet(this, 0, 1))
        {
            return; // another thread owns the shutdown: one CAS, not a check-then-act
        }
        closed = true;
        try
        {
            cache.close();
        }
        finally
        {
            if (ownsStore)
            {
                store.close();
            }
        }
    }
}
