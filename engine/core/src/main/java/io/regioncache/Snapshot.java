package io.regioncache;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.NavigableMap;
import java.util.function.BooleanSupplier;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.table.MvccTable;

/**
 * A pinned, consistent, lock-free view of one cached region at one read version.
 * <p>
 * A {@code Snapshot} object is a reusable handle owned by one thread at a time: {@link #open} pins a region,
 * {@link #close} unpins it, and the same object can be opened again. Opening, reading and closing allocate nothing,
 * so a reader thread keeps one handle and reuses it. Every read sees, for each key, the newest value whose version
 * is at most {@code min(readVersion, last whole batch applied when the snapshot was opened)}: a write batch is
 * either wholly visible or not at all.
 * <p>
 * A handle dropped while open is found by a {@link Cleaner} when the GC collects it: the pin is released, the leak
 * counted and logged, so an eviction never waits forever for a forgotten snapshot.
 * <p>
 * <b>Which misuse is reported first.</b> {@link #get} and {@link #getView} check the shape of their arguments (a null
 * buffer, a slice outside its buffer) before the handle's state: such a call throws {@link NullPointerException} or
 * {@link IllegalArgumentException} on a closed handle too, and {@link IllegalStateException} only with well-formed
 * arguments (a key outside the region is checked after the state). {@link #multiGet} checks the state first.
 */
public final class Snapshot implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Snapshot.class);

    /**
     * Keys whose lookups {@link #multiGet} interleaves at once: enough independent misses to fill the core's miss
     * buffers (a Zen 2 or Skylake core keeps 10-22 line fills in flight), few enough that a group's slots and
     * nodes are still in L1 when it resolves them.
     */
    public static final int MULTI_GET_GROUP = 16;

    private final RegionDirectory directory;
    private final EngineCounters counters;
    private final BooleanSupplier engineClosed;
    private final PinHolder holder;
    private final Cleaner.Cleanable cleanable;
    private final int maxKeyLength;
    /** This handle's pin cell in every record it pins ({@link RegionRecord#nextStripe()}). */
    private final int stripe = RegionRecord.nextStripe();
    /** {@link #multiGet} scratch: each group's hashes. */
    private final long[] multiHashes = new long[MULTI_GET_GROUP];
    /** {@link #multiGet} scratch: each group's home slots. */
    private final long[] multiProbes = new long[MULTI_GET_GROUP];

    /** True from a successful {@link #open} to {@link #close}: this handle holds one pin on {@link #record}. */
    private boolean open;
    /**
     * The record this handle last pinned, with its table and region, kept after close (written only when they
     * change: reference stores carry a GC barrier). Meaningful to callers only while {@link #open}.
     */
    private RegionRecord record;
    private MvccTable table;
    private Region region;
    /**
     * The region has no start and no end (set with {@link #region}): every key is inside it, and the read paths skip
     * the range check. Decided once per pinned record, not per read: the check's loads and branches, however cheap,
     * stand between two gets' misses and cost their overlap (see {@code MvccTable.getInline}).
     */
    private boolean wholeKeySpace;
    /**
     * The region index {@link #record} was looked up in, and the region id it was looked up by. The index is
     * immutable (the apply thread publishes a new one for every change), so while it is still the current one,
     * {@code index.byId(recordId)} is {@link #record}: a reopen of the same region skips the hash lookup and gets
     * exactly the record the lookup would give (which {@code tryPin} then checks as always: a record retired since
     * sends the open to the lookup path). Kept after close, the memo holds at most one old index and record per
     * handle on the heap until the next open; no table memory (that is freed by reference count, not by the GC).
     */
    private RegionIndex recordIndex;
    private long recordId;
    private long readVersion;
    private SnapshotIterator iterator;
    /** Gets served by this open; folded into the region's statistics once, at close (keeps the get path free of shared writes). */
    private long gets;
    /** Entries the map views' cursors stepped over (and returned) in this open; folded at close like {@link #gets}. */
    private long viewStepped;
    private long viewReturned;
    /**
     * Successful opens so far: a map view ({@link #asNavigableMap()}) belongs to one open, and refuses reads once
     * this moved on, also when the handle was re-opened at the same region and read version (README: "a view whose
     * snapshot was closed or re-opened throws IllegalStateException").
     */
    private long opens;
    /** Set by {@link #dispose()}: the handle is no longer watched for leaks, so it must never pin again. */
    private boolean disposed;

    /**
     * Use {@code RegionCache.newSnapshot()}.
     *
     * @param directory    the engine's region directory.
     * @param counters     the engine's counters.
     * @param engineClosed tells whether the engine is closed.
     * @param cleaner      finds handles dropped while open.
     * @param maxKeyLength largest key of the engine.
     */
    Snapshot(
        final RegionDirectory directory,
        final EngineCounters counters,
        final BooleanSupplier engineClosed,
        final Cleaner cleaner,
        final int maxKeyLength)
    {
        this.directory = directory;
        this.counters = counters;
        this.engineClosed = engineClosed;
        this.maxKeyLength = maxKeyLength;
        this.holder = new PinHolder(counters, stripe);
        this.cleanable = cleaner.register(this, holder);
    }

    /**
     * Pin region {@code regionId} at {@code epochVersion} for reads at {@code readVersion}. Closes a previous open
     * first. Lock-free and CAS-free: one atomic add on this handle's pin cell of the region and a read of its state
     * word (retried only when the region was just split: then the index is re-read). Reopening the region this
     * handle last pinned, while the region index has not changed, skips the index lookup.
     *
     * @param regionId     the region.
     * @param epochVersion the epoch version the caller routes by.
     * @param readVersion  the read version (must be above the region's safe point).
     * @return {@link SnapshotStatus#OK} if open, else why not (counted by reason).
     * @throws IllegalStateException if the handle was {@link #dispose() disposed}.
     */
    public SnapshotStatus open(final long regionId, final long epochVersion, final long readVersion)
    {
        if (disposed)
        {
            // Its cleaner is gone: a pin taken now and then forgotten would hold the region's memory for good.
            throw new IllegalStateException("snapshot handle was disposed");
        }
        close();
        if (engineClosed.getAsBoolean())
        {
            return fail(SnapshotStatus.CLOSED);
        }
        final RegionRecord r = record;
        if (r != null && regionId == recordId && directory.currentAcquire() == recordIndex &&
            r.tryPin(epochVersion, readVersion, stripe) == RegionRecord.PIN_OK)
        {
            opened(r, readVersion);
            return SnapshotStatus.OK;
        }
        return openLookingUp(regionId, epochVersion, readVersion); // another region, a new index, or refused
    }

    /** {@link #open} through the region index (the fast path above did not apply or was refused). */
    private SnapshotStatus openLookingUp(final long regionId, final long epochVersion, final long readVersion)
    {
        while (true)
        {
            final RegionIndex index = directory.currentAcquire();
            final RegionRecord r = index.byId(regionId);
            if (r == null)
            {
                return fail(SnapshotStatus.NOT_CACHED);
            }
            final int rc = r.tryPin(epochVersion, readVersion, stripe);
            if (rc != RegionRecord.PIN_OK && rc != RegionRecord.PIN_RETIRED && directory.currentAcquire() != index)
            {
                // The record came from an index that has since been replaced: a split or compaction may have retired
                // it and its pins drained to GONE, which must not read as "evicting" or "another epoch". Decide on
                // the current index. (blackbox4/ConcurrentReadersTest: EVICTING answered in 2 of 3 runs of splits and
                // compactions with no eviction at all.) A real eviction replaces the index too: the retry then finds
                // the region gone and answers NOT_CACHED, as an open after an eviction does.
                Thread.onSpinWait();
                continue;
            }
            switch (rc)
            {
                case RegionRecord.PIN_OK:
                    if (r != record)
                    {
                        record = r;
                        holder.record = r;
                        table = r.table(); // fixed once the record is ACTIVE
                        region = r.region();
                        wholeKeySpace = region.startKey().length == 0 && region.endKey().length == 0;
                    }
                    recordIndex = index;
                    recordId = regionId;
                    opened(r, readVersion);
                    return SnapshotStatus.OK;
                case RegionRecord.PIN_RETIRED:
                    Thread.onSpinWait(); // split or compaction: the index already names the successors
                    continue;
                case RegionRecord.PIN_LOADING:
                    return fail(SnapshotStatus.LOADING);
                case RegionRecord.PIN_EPOCH_MISMATCH:
                    return fail(SnapshotStatus.EPOCH_MISMATCH);
                case RegionRecord.PIN_TOO_OLD:
                    return fail(SnapshotStatus.TOO_OLD_READ);
                case RegionRecord.PIN_LIMIT:
                    return fail(SnapshotStatus.PIN_LIMIT);
                default:
                    return fail(SnapshotStatus.EVICTING);
            }
        }
    }

    private void opened(final RegionRecord r, final long readVersion)
    {
        open = true;
        opens++;
        holder.held = true;
        // Re-read after the pin: only whole batches published before this point are visible.
        this.readVersion = Math.min(readVersion, r.appliedVersionAcquire());
    }

    private SnapshotStatus fail(final SnapshotStatus status)
    {
        counters.snapshotFailed(status);
        return status;
    }

    /** @return true while the snapshot is open. */
    public boolean isOpen()
    {
        return open;
    }

    /**
     * @return the region this snapshot reads (open snapshots only).
     * @throws IllegalStateException if the snapshot is not open.
     */
    public Region region()
    {
        checkOpen();
        return region;
    }

    /**
     * @return the effective read version: min(requested, last whole batch applied at open).
     * @throws IllegalStateException if the snapshot is not open.
     */
    public long readVersion()
    {
        checkOpen();
        return readVersion;
    }

    /**
     * Copy the value of {@code key} into {@code dst}.
     * <p>
     * The common case (the key's newest version is visible, key and value fit in 116 bytes together) is answered in
     * one pass over the key's index entry when {@code dst} is an {@link UnsafeBuffer}, on or off the heap; any other
     * {@link MutableDirectBuffer} class gets the same answer through {@code putBytes}, a few instructions dearer.
     *
     * @param key       key buffer.
     * @param keyOffset key offset.
     * @param keyLength key length.
     * @param dst       destination.
     * @param dstOffset destination offset.
     * @return the value length; {@link MvccTable#NOT_FOUND} if absent or deleted; {@code -2 - length} if dst is too
     * small (nothing copied).
     * @throws NullPointerException     if key or dst is null.
     * @throws IllegalArgumentException if the key's offset or length lie outside its buffer, dstOffset outside dst,
     *                                  or the key outside the region.
     * @throws IllegalStateException    if the snapshot is not open.
     */
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        ReadArguments.checkDst(dst, dstOffset);
        checkKey(key, keyOffset, keyLength);
        gets++;
        // The table's get in its two halves, so that the common one inlines here (MvccTable.getInline says why).
        final int inline = table.getInline(key, keyOffset, keyLength, readVersion, dst, dstOffset);
        return MvccTable.FALLBACK != inline ? inline :
            table.getGeneral(key, keyOffset, keyLength, readVersion, dst, dstOffset);
    }

    /**
     * Get many keys of the region in one call, copying their values one after the other into {@code dst}. Allocates
     * nothing; the lookups of each group of {@link #MULTI_GET_GROUP} keys are interleaved (every hash, then every
     * key's index entry, then each key resolved; the nodes of the keys their entries cannot answer are loaded
     * together, at the first such key) so that their cache misses overlap instead of following one another. Each
     * key's answer is exactly what {@link #get} would return for it on this snapshot.
     *
     * @param keys         buffer holding the keys.
     * @param keyOffsets   offset of key {@code i} in {@code keys}, {@code i < count}.
     * @param keyLengths   length of key {@code i}.
     * @param count        number of keys.
     * @param dst          destination: the values found, packed from {@code dstOffset}.
     * @param dstOffset    where the first value goes.
     * @param valueOffsets out: offset in {@code dst} of the value of key {@code i} (meaningful when its length is
     *                     {@code >= 0}).
     * @param valueLengths out: the value length of key {@code i}; {@link MvccTable#NOT_FOUND} if absent or deleted;
     *                     {@code -2 - length} if it did not fit in what was left of {@code dst} (nothing copied for
     *                     it; later, smaller values may still be copied).
     * @return the offset in {@code dst} after the last value copied.
     * @throws NullPointerException     if {@code keys}, {@code dst} or an array is null.
     * @throws IllegalArgumentException if any key's slice is outside {@code keys}, any key is outside the region
     *                                  (checked first: nothing is read then), {@code dstOffset} is outside
     *                                  {@code dst}, or an array is shorter than {@code count}.
     * @throws IllegalStateException    if the snapshot is not open.
     */
    public int multiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int count,
        final MutableDirectBuffer dst, final int dstOffset, final int[] valueOffsets, final int[] valueLengths)
    {
        checkOpen();
        ReadArguments.checkMultiGet(keys, keyOffsets, keyLengths, count, dst, dstOffset, valueOffsets, valueLengths);
        for (int i = 0; i < count; i++)
        {
            // The range check after every slice is known good: the key is then read only within its buffer. (The
            // key's index joins the message only on failure: this loop runs on every multiGet, which allocates
            // nothing.)
            if (!Keys.inRange(keys, keyOffsets[i], keyLengths[i], region.startKey(), region.endKey()))
            {
                throw new IllegalArgumentException("key " + i + " outside region " + region);
            }
        }
        gets += count;
        int at = dstOffset;
        for (int from = 0; from < count; from += MULTI_GET_GROUP)
        {
            at = table.multiGet(keys, keyOffsets, keyLengths, from, Math.min(MULTI_GET_GROUP, count - from),
                readVersion, dst, at, valueOffsets, valueLengths, multiHashes, multiProbes);
        }
        return at;
    }

    /**
     * Point {@code view} at the value of {@code key} in place (zero copy). The view is valid until this snapshot is
     * closed; it keeps the segment's memory alive but must not be read after close.
     *
     * @param key       key buffer.
     * @param keyOffset key offset.
     * @param keyLength key length.
     * @param view      a buffer to wrap over the value.
     * @return true if found.
     * @throws NullPointerException     if key or view is null.
     * @throws IllegalArgumentException if the key's offset or length lie outside its buffer, or the key outside the
     *                                  region.
     * @throws IllegalStateException    if the snapshot is not open.
     */
    public boolean getView(final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer view)
    {
        java.util.Objects.requireNonNull(view, "view");
        checkKey(key, keyOffset, keyLength);
        gets++;
        return table.getView(key, keyOffset, keyLength, readVersion, view);
    }

    /**
     * Convenience get that allocates its result.
     *
     * @param key the key.
     * @return the value, or null if absent or deleted.
     * @throws NullPointerException     if key is null.
     * @throws IllegalArgumentException if the key is outside the region.
     * @throws IllegalStateException    if the snapshot is not open.
     */
    public byte[] get(final byte[] key)
    {
        java.util.Objects.requireNonNull(key, "key");
        checkOpen();
        final UnsafeBuffer k = new UnsafeBuffer(key);
        checkKey(k, 0, key.length);
        gets++;
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        if (!table.getView(k, 0, key.length, readVersion, view))
        {
            return null;
        }
        final byte[] out = new byte[view.capacity()];
        view.getBytes(0, out);
        return out;
    }

    /** @return the table this snapshot reads while open (tests: its layout). */
    MvccTable table()
    {
        return open ? table : null;
    }

    /**
     * The snapshot's reusable iterator over the whole region (one per snapshot: obtaining it again resets it).
     *
     * @return the iterator, unpositioned.
     * @throws IllegalStateException if the snapshot is not open.
     */
    public SnapshotIterator iterator()
    {
        return iterator(null, null);
    }

    /**
     * The snapshot's reusable iterator over {@code [lower, upper)} (null = the region's bound).
     *
     * @param lower inclusive lower bound inside the region, or null.
     * @param upper exclusive upper bound inside the region, or null (an empty one is +infinity: inside only a
     *              region without an end).
     * @return the iterator, unpositioned.
     * @throws IllegalArgumentException if a bound lies outside the region.
     * @throws IllegalStateException    if the snapshot is not open.
     */
    public SnapshotIterator iterator(final byte[] lower, final byte[] upper)
    {
        checkOpen();
        if (iterator == null)
        {
            iterator = new SnapshotIterator(maxKeyLength);
        }
        iterator.reset(this, table, region, readVersion, lower, upper);
        return iterator;
    }

    /**
     * A read-only {@link NavigableMap} view of this snapshot: the region's visible keys at {@link #readVersion()}
     * in unsigned lexicographic order, with sub-maps, descending views and navigation on the zero-allocation
     * cursor. Valid while this snapshot stays open; same thread rules as the snapshot. Keys and values are fresh
     * copies; {@code equals}/{@code hashCode} follow {@code byte[]} identity, see {@link #asBytesMap()}.
     *
     * @return the view.
     * @throws IllegalStateException if the snapshot is not open.
     */
    public NavigableMap<byte[], byte[]> asNavigableMap()
    {
        return SnapshotMapView.arrays(new SnapshotMapSource(this));
    }

    /**
     * {@link #asNavigableMap()} keyed and valued by {@link Bytes}, so that map, entry and set equality work by
     * content (the view that passes guava-testlib's {@code NavigableMapTestSuiteBuilder}).
     *
     * @return the view.
     * @throws IllegalStateException if the snapshot is not open.
     */
    public NavigableMap<Bytes, Bytes> asBytesMap()
    {
        return SnapshotMapView.bytes(new SnapshotMapSource(this));
    }

    /**
     * A map view's cursor stepped: counted as a scan of the region (the eviction policy's heat), as the snapshot's
     * own iterator is.
     *
     * @param valid whether the step landed on a key.
     * @return {@code valid}.
     */
    boolean countViewStep(final boolean valid)
    {
        viewStepped++;
        if (valid)
        {
            viewReturned++;
        }
        return valid;
    }

    /** @return how many times this handle was opened successfully: identifies the current open. */
    long opens()
    {
        return opens;
    }

    /** @return the pinned record, or null when closed. */
    RegionRecord record()
    {
        return open ? record : null;
    }

    private void checkKey(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        ReadArguments.checkKey(key, keyOffset, keyLength);
        checkOpen();
        if (!wholeKeySpace && !Keys.inRange(key, keyOffset, keyLength, region.startKey(), region.endKey()))
        {
            throw new IllegalArgumentException("key outside region " + region);
        }
    }

    void checkOpen()
    {
        if (!open)
        {
            throw new IllegalStateException("snapshot is not open");
        }
    }

    /**
     * Unpin the region. Harmless when already closed.
     */
    @Override
    public void close()
    {
        if (open)
        {
            open = false;
            holder.held = false;
            final RegionRecord r = record;
            if (gets != 0 || viewStepped != 0 || iterator != null)
            {
                foldStatistics(r);
            }
            r.release(stripe); // this handle holds exactly this one pin: one atomic add, no CAS
            // Keep this handle reachable until the pin is gone: otherwise the cleaner could find it unreachable
            // mid-close, before "held" is cleared, and release the same pin a second time.
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Statistics go to the region's shared counters once per close, and only when there is something to add: a bare
     * pin/unpin writes nothing shared beyond its own pin cell (and stays small enough to inline).
     */
    private void foldStatistics(final RegionRecord r)
    {
        if (gets != 0)
        {
            r.stats().onGets(gets);
            gets = 0;
        }
        if (viewStepped != 0)
        {
            r.stats().onScan(viewStepped, viewReturned);
            viewStepped = 0;
            viewReturned = 0;
        }
        if (iterator != null)
        {
            if (iterator.stepped() != 0)
            {
                r.stats().onScan(iterator.stepped(), iterator.returned());
            }
            iterator.invalidate();
        }
    }

    /**
     * Release the handle for good: closes it and deregisters it from leak detection. A disposed handle cannot be
     * opened again ({@link #open} throws {@link IllegalStateException}); disposing it again is harmless.
     */
    public void dispose()
    {
        close();
        disposed = true;
        cleanable.clean();
    }

    /**
     * The state the cleaner needs; must not reference the {@link Snapshot} (or it would never become unreachable).
     */
    private static final class PinHolder implements Runnable
    {
        private final EngineCounters counters;
        private final int stripe;
        /** The record the handle last pinned (written when it changes). */
        RegionRecord record;
        /** Whether the handle holds a pin on {@link #record} (a primitive: no GC barrier on the open/close path). */
        boolean held;

        PinHolder(final EngineCounters counters, final int stripe)
        {
            this.counters = counters;
            this.stripe = stripe;
        }

        @Override
        public void run()
        {
            final RegionRecord r = record;
            if (held)
            {
                held = false;
                counters.onLeakedSnapshot();
                LOG.warn("a snapshot of region {} was dropped without close(); released its pin", r.id());
                r.release(stripe);
            }
        }
    }
}
