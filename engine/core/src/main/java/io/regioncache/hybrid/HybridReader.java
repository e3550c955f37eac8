package io.regioncache.hybrid;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.RegionCache;
import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.Region;
import io.regioncache.WritableStore;
import io.regioncache.StoreCursor;
import io.regioncache.StoreView;
import io.regioncache.ReadArguments;

/**
 * Reads of one reader thread through a {@link HybridEngine}: from the cache when the region is ACTIVE at the
 * caller's epoch and the read version is above its safe point, else from RocksDB at the same read version. Both
 * sources hold the same MVCC history, so the answer does not depend on which one served (checked by
 * {@link CrossCheck}).
 * <p>
 * Reusable and confined to one thread at a time. The cache path allocates nothing: one reused {@link Snapshot}
 * handle for gets and one for scans, pinned and unpinned per call. The store path is the store's own reads: on
 * RocksDB a get or a batch takes one of the store's reused iterators, refreshed to the latest state (nothing
 * allocated on the heap either), a scan a cursor (an iterator of its own) per scan.
 * <p>
 * Arguments are checked before either source is chosen, so both paths throw alike: {@link NullPointerException}
 * for a null buffer, {@link IllegalArgumentException} for a key or destination slice outside its buffer or a
 * {@code multiGet} count that exceeds an array. Key ranges are the caller's contract: a key (or scan bound) outside
 * the region is refused by the cache path with {@link IllegalArgumentException}; the store path does not know
 * region bounds.
 * <p>
 * After {@link #close()} every read ({@code get}, {@code multiGet}, {@code scan}, {@code view}) throws
 * {@link IllegalStateException}; a second close is harmless. A reader of an engine that was closed is still usable:
 * the cache answers {@link SnapshotStatus#CLOSED}, so the store serves (and throws {@link StoreException} if it was
 * closed with the engine).
 */
public final class HybridReader implements AutoCloseable
{
    private final RegionCache cache;
    private final WritableStore store;
    private final HybridMetrics metrics;
    private final Snapshot getSnapshot;
    private final HybridScan scan;
    private final UnsafeBuffer keyArg = new UnsafeBuffer(new byte[0]);
    private final ExpandableArrayBuffer valueScratch = new ExpandableArrayBuffer(256);
    private SnapshotStatus lastStatus = SnapshotStatus.OK;
    /** Set by {@link #close()}: the snapshot handles are disposed and must not pin again. */
    private boolean closed;

    HybridReader(final HybridEngine engine)
    {
        this.cache = engine.cache();
        this.store = engine.store();
        this.metrics = engine.metrics();
        this.getSnapshot = cache.newSnapshot();
        this.scan = new HybridScan(cache.newSnapshot());
    }

    /**
     * Read the newest value of {@code key} at or below {@code readVersion}.
     *
     * @param regionId     the region the caller routes the key to.
     * @param epochVersion the region epoch the caller knows.
     * @param readVersion  read version.
     * @param key          key buffer.
     * @param keyOffset    key offset.
     * @param keyLength    key length.
     * @param dst          destination.
     * @param dstOffset    destination offset.
     * @return the value length, {@link BackingSnapshot#NOT_FOUND} if absent or deleted, {@code -2 - length} if
     * {@code dst} has less than {@code length} bytes from {@code dstOffset} (nothing copied; expandable buffers
     * are not grown, as with {@link Snapshot#get}).
     * @throws StoreException if the store serves and fails, or the store would serve and the read version is below
     *                        its GC point (the cache, which refuses reads below its own safe point, is not asked it).
     * @throws IllegalStateException if this reader is closed.
     */
    public int get(
        final long regionId, final long epochVersion, final long readVersion,
        final DirectBuffer key, final int keyOffset, final int keyLength,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        return read(regionId, epochVersion, readVersion, key, keyOffset, keyLength, dst, dstOffset, true);
    }

    /** {@link #get}, counted in the read metrics or not (the convenience get's second read of one value is not). */
    private int read(
        final long regionId, final long epochVersion, final long readVersion,
        final DirectBuffer key, final int keyOffset, final int keyLength,
        final MutableDirectBuffer dst, final int dstOffset, final boolean counted)
    {
        checkOpen();
        // The arguments first, whichever source serves: the store path reads the slice raw too, and a bad argument
        // must throw the same exception whether or not the region happens to be cached.
        ReadArguments.checkDst(dst, dstOffset);
        ReadArguments.checkKey(key, keyOffset, keyLength);
        final SnapshotStatus status = getSnapshot.open(regionId, epochVersion, readVersion);
        lastStatus = status;
        if (status == SnapshotStatus.OK)
        {
            try
            {
                final int n = getSnapshot.get(key, keyOffset, keyLength, dst, dstOffset);
                if (counted)
                {
                    metrics.onCacheGet();
                }
                return n;
            }
            finally
            {
                getSnapshot.close();
            }
        }
        checkGcSafePoint(readVersion);
        if (counted)
        {
            metrics.onStoreGet(status);
        }
        return store.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
    }

    /**
     * Read many keys of one region at {@code readVersion} in one call: from the cache with interleaved lookups
     * ({@link Snapshot#multiGet}, allocation-free) when the region is ACTIVE at the caller's epoch, else every key
     * from the store in one batched read ({@link io.regioncache.BackingStore#multiGet}). Values are packed one after
     * the other into {@code dst}; per key, the answer is what {@link #get} would return.
     *
     * @param regionId     the region the caller routes the keys to.
     * @param epochVersion the region epoch the caller knows.
     * @param readVersion  read version.
     * @param keys         buffer holding the keys.
     * @param keyOffsets   offset of key {@code i} in {@code keys}, {@code i < count}.
     * @param keyLengths   length of key {@code i}.
     * @param count        number of keys.
     * @param dst          destination of the values.
     * @param dstOffset    where the first value goes.
     * @param valueOffsets out: offset in {@code dst} of the value of key {@code i}.
     * @param valueLengths out: value length of key {@code i}, {@link BackingSnapshot#NOT_FOUND}, or
     *                     {@code -2 - length} if it did not fit in what was left of {@code dst}.
     * @return the offset in {@code dst} after the last value copied.
     * @throws StoreException if the store serves and fails, or the store would serve and the read version is below
     *                        its GC point (the cache, which refuses reads below its own safe point, is not asked it).
     * @throws IllegalStateException if this reader is closed.
     */
    public int multiGet(
        final long regionId, final long epochVersion, final long readVersion,
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int count,
        final MutableDirectBuffer dst, final int dstOffset, final int[] valueOffsets, final int[] valueLengths)
    {
        checkOpen();
        // As in get: the same checks on both paths (the store's batched read would otherwise index the arrays and
        // read the key slices unchecked).
        ReadArguments.checkMultiGet(keys, keyOffsets, keyLengths, count, dst, dstOffset, valueOffsets, valueLengths);
        final SnapshotStatus status = getSnapshot.open(regionId, epochVersion, readVersion);
        lastStatus = status;
        if (status == SnapshotStatus.OK)
        {
            try
            {
                final int end = getSnapshot.multiGet(
                    keys, keyOffsets, keyLengths, count, dst, dstOffset, valueOffsets, valueLengths);
                metrics.onCacheGets(count);
                return end;
            }
            finally
            {
                getSnapshot.close();
            }
        }
        checkGcSafePoint(readVersion);
        metrics.onStoreGets(status, count);
        return store.multiGet(keys, keyOffsets, keyLengths, 0, count, readVersion, dst, dstOffset, valueOffsets,
            valueLengths);
    }

    /**
     * Convenience get (allocates the result).
     *
     * @param regionId     region.
     * @param epochVersion epoch.
     * @param readVersion  read version.
     * @param key          key.
     * @return the value, or null if absent or deleted.
     * @throws NullPointerException  if {@code key} is null.
     * @throws StoreException        if the store serves and fails.
     * @throws IllegalStateException if this reader is closed.
     */
    public byte[] get(final long regionId, final long epochVersion, final long readVersion, final byte[] key)
    {
        java.util.Objects.requireNonNull(key, "key"); // not an NPE from inside Agrona's wrap
        keyArg.wrap(key);
        int n = get(regionId, epochVersion, readVersion, keyArg, 0, key.length, valueScratch, 0);
        if (n < BackingSnapshot.NOT_FOUND)
        {
            // Too large for the scratch buffer: grow it and read again (same version, so the same answer). One get
            // for the metrics: the first read counted it, by the source that served it.
            valueScratch.checkLimit(-2 - n);
            n = read(regionId, epochVersion, readVersion, keyArg, 0, key.length, valueScratch, 0, false);
        }
        return n < 0 ? null : Arrays.copyOf(valueScratch.byteArray(), n);
    }

    /**
     * Scan the keys of {@code [lower, upper)} visible at {@code readVersion}. Closes the previous scan of this
     * reader. The cache serves when it can; the scan keeps the region pinned (or the store iterator open) until
     * closed.
     *
     * @param regionId     region.
     * @param epochVersion epoch.
     * @param readVersion  read version.
     * @param lower        inclusive lower bound, inside the region (empty = -infinity, only if the region starts
     *                     there).
     * @param upper        exclusive upper bound, inside the region (empty = +infinity, only if the region is
     *                     unbounded).
     * @return this reader's scan, unpositioned: call {@link HybridScan#next()}.
     * @throws NullPointerException if a bound is null (on both paths: the store's cursor would read null as
     *                              unbounded, the cache's as the region's own bound).
     * @throws IllegalStateException if this reader is closed.
     */
    public HybridScan scan(
        final long regionId, final long epochVersion, final long readVersion, final byte[] lower, final byte[] upper)
    {
        checkOpen();
        java.util.Objects.requireNonNull(lower, "lower");
        java.util.Objects.requireNonNull(upper, "upper");
        scan.close();
        final Snapshot s = scan.snapshot();
        final SnapshotStatus status = s.open(regionId, epochVersion, readVersion);
        lastStatus = status;
        if (status == SnapshotStatus.OK)
        {
            final Region region = s.region();
            final byte[] lo = lower.length == 0 && region.isStartUnbounded() ? null : lower;
            final byte[] hi = upper.length == 0 && region.isEndUnbounded() ? null : upper;
            try
            {
                scan.startCache(s.iterator(lo, hi));
            }
            catch (final RuntimeException ex)
            {
                s.close();
                throw ex;
            }
            metrics.onCacheScan();
            return scan;
        }
        checkGcSafePoint(readVersion);
        metrics.onStoreScan(status);
        final StoreCursor cursor = store.newCursor(lower, upper, readVersion);
        scan.startStore(cursor);
        return scan;
    }

    /**
     * A read-only {@link java.util.NavigableMap} view of one region at {@code readVersion}: from the cache if the
     * region is ACTIVE at {@code region.epochVersion()} (the view pins it until closed), else from the store over
     * the region's range. Unlike {@link #scan}, the view is independent of this reader: several may be open at once,
     * each with a handle of its own.
     *
     * @param region      the region as the caller routes it (id, epoch and bounds).
     * @param readVersion read version.
     * @return an open view; close it.
     * @throws StoreException if the store would serve and the read version is below its GC safe point.
     * @throws NullPointerException     if {@code region} is null.
     * @throws IllegalArgumentException if {@link Region#validate()} refuses the region (a null bound, an empty or
     *                                  inverted range...), whichever source would serve: a null bound never means
     *                                  "everything".
     * @throws IllegalStateException    if this reader is closed.
     */
    public HybridView view(final Region region, final long readVersion)
    {
        checkOpen();
        java.util.Objects.requireNonNull(region, "region");
        final String bad = region.validate();
        if (bad != null)
        {
            // Checked before the source is chosen: the store path took a null bound for an open one (a view of
            // everything below the end), the cache path ignored it.
            throw new IllegalArgumentException(bad);
        }
        final Snapshot s = cache.newSnapshot();
        SnapshotStatus status = s.open(region.id(), region.epochVersion(), readVersion);
        if (status == SnapshotStatus.OK && !sameRange(s.region(), region))
        {
            // The caller's region has the cached one's id and epoch but other bounds: it is not the region the cache
            // holds, and the cache's view would show the cached range, not the caller's. The store serves the caller's
            // range instead, so that both sources give one answer (counted as the epoch mismatch it amounts to).
            s.close();
            status = SnapshotStatus.EPOCH_MISMATCH;
        }
        lastStatus = status;
        if (status == SnapshotStatus.OK)
        {
            metrics.onCacheScan();
            return new HybridView(s, null);
        }
        s.dispose();
        checkGcSafePoint(readVersion);
        metrics.onStoreScan(status);
        return new HybridView(null, StoreView.open(store, region.start(), region.end(), readVersion));
    }

    private static boolean sameRange(final Region cached, final Region asked)
    {
        return cached.sameRange(asked);
    }

    /** @return why the cache could or could not serve this reader's last read. */
    public SnapshotStatus lastStatus()
    {
        return lastStatus;
    }

    private void checkOpen()
    {
        if (closed)
        {
            // Its snapshot handles are disposed (no longer watched for leaks): they must not pin again.
            throw new IllegalStateException("hybrid reader is closed");
        }
    }

    private void checkGcSafePoint(final long readVersion)
    {
        final long gc = store.gcSafePoint();
        if (readVersion < gc)
        {
            throw new StoreException("read version " + readVersion + " is below the store's GC safe point " + gc,
                null);
        }
    }

    /**
     * Close the current scan and release the snapshot handles. Idempotent.
     */
    @Override
    public void close()
    {
        closed = true;
        scan.close();
        getSnapshot.dispose();
        scan.snapshot().dispose();
    }
}
