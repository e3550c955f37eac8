package io.regioncache.rocksdb;

import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

import io.regioncache.store.MvccKeyCodec;
import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;

/**
 * A RocksDB snapshot of a {@link RocksDbBackingStore}: {@link #scan} visits every version (the load path),
 * {@link #get} reads one key at a version, {@link #newCursor} iterates the keys visible at a version.
 * <p>
 * {@link #scan}, {@link #get} and {@link #newCursor} may run on several threads at once; {@link #close()} must
 * come after them (the owner closes it when done, as a load job does).
 */
public final class RocksDbSnapshot implements BackingSnapshot
{
    private final RocksDbBackingStore store;
    private final org.rocksdb.Snapshot snapshot;
    private final ReadOptions pointReadOptions;
    private boolean released;

    RocksDbSnapshot(final RocksDbBackingStore store, final org.rocksdb.Snapshot snapshot)
    {
        this.store = store;
        this.snapshot = snapshot;
        this.pointReadOptions = new ReadOptions().setSnapshot(snapshot);
    }

    /**
     * {@inheritDoc}
     * <p>
     * Bounded by RocksDB iterate bounds on the encoded keys ({@code enc(start)} sorts before every version of
     * {@code start}, {@code enc(end)} before every version of {@code end}), block cache not filled (a load is a
     * one-off bulk read, as TiKV's loader does it). Stops with a {@link StoreException} if the store is closing.
     */
    @Override
    public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
    {
        store.enter();
        final List<AutoCloseable> natives = new ArrayList<>(4);
        try
        {
            final ReadOptions ro = new ReadOptions().setSnapshot(snapshot).setFillCache(false);
            natives.add(ro);
            if (start != null && start.length > 0)
            {
                final Slice s = new Slice(MvccKeyCodec.encodeKey(start));
                natives.add(s);
                ro.setIterateLowerBound(s);
            }
            if (end != null && end.length > 0)
            {
                final Slice s = new Slice(MvccKeyCodec.encodeKey(end));
                natives.add(s);
                ro.setIterateUpperBound(s);
            }
            final RocksIterator it = store.rocksDb().newIterator(ro);
            natives.add(it);
            final EntryReader e = new EntryReader();
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                store.checkOpen();
                e.read(it);
                final boolean more = visitor.onEntry(e.userKey, 0, e.userKeyLength, e.version,
                    e.tombstone ? null : e.valueView, 0, e.valueLength);
                if (!more)
                {
                    return;
                }
            }
            it.status();
        }
        catch (final RocksDBException | IllegalArgumentException ex)
        {
            throw new StoreException("scan failed: " + ex, ex);
        }
        finally
        {
            RocksDbBackingStore.closeAll(natives);
            store.exit();
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * RocksDB's {@code GetApproximateSizes} over the encoded range, SST files and memtables included: whole-database
     * figures (not this snapshot's), block-granular, compressed bytes. An unbounded end is estimated up to a key of
     * 64 bytes 0xFF. Returns -1 if the store is closing or RocksDB fails.
     */
    @Override
    public long approximateSize(final byte[] start, final byte[] end)
    {
        return store.approximateSize(start, end);
    }

    /**
     * {@inheritDoc}
     * <p>
     * An expandable {@code dst} grows; a fixed one too small gets {@code -2 - length} back and nothing copied.
     */
    @Override
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        store.enter();
        try
        {
            checkNotReleased();
            return store.pointGet(pointReadOptions, key, keyOffset, keyLength, readVersion, dst, dstOffset, true);
        }
        finally
        {
            store.exit();
        }
    }

    /**
     * A cursor over the keys of {@code [lower, upper)} visible at {@code readVersion} in this snapshot.
     *
     * @param lower       inclusive lower bound (empty or null = -infinity).
     * @param upper       exclusive upper bound (empty or null = +infinity).
     * @param readVersion read version.
     * @return an open cursor; close it before this snapshot.
     */
    public RocksDbCursor newCursor(final byte[] lower, final byte[] upper, final long readVersion)
    {
        store.enter();
        try
        {
            return newCursorLocked(lower, upper, readVersion);
        }
        finally
        {
            store.exit();
        }
    }

    RocksDbCursor newCursorLocked(final byte[] lower, final byte[] upper, final long readVersion)
    {
        checkNotReleased();
        return store.newCursorLocked(snapshot, lower, upper, readVersion);
    }

    private synchronized void checkNotReleased()
    {
        if (released)
        {
            throw new StoreException("snapshot is closed", null);
        }
    }

    /** @return RocksDB's sequence number of this snapshot. */
    public long sequenceNumber()
    {
        return snapshot.getSequenceNumber();
    }

    @Override
    public synchronized void close()
    {
        if (released)
        {
            return;
        }
        released = true;
        store.released(this);
        // Read options first (they reference the snapshot), then the snapshot itself.
        pointReadOptions.close();
        store.releaseSnapshot(snapshot);
    }
}
