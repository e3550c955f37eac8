package io.regioncache.rocksdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

import io.regioncache.ReadArguments;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.store.SplitKeys;
import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;

/**
 * A RocksDB snapshot of a {@link RocksDbBackingStore}: {@link #scan} visits every version (the load path),
 * {@link #get} reads one key at a version, {@link #newCursor} iterates the keys visible at a version.
 * <p>
 * {@link #scan}, {@link #get} and {@link #newCursor} may run on several threads at once; {@link #close()} waits
 * for the ones running (the owner closes it when done, as a load job does). Every call after {@link #close()}, or
 * after the store's, throws {@link StoreException}, except the optional estimates, which answer "unknown":
 * {@link #approximateSize} -1 and {@link #splitKey} null; a cursor made by {@link #newCursor} keeps what it reads and
 * stays readable after this snapshot's close (close it; the store closes it at its own close).
 */
public final class RocksDbSnapshot implements BackingSnapshot
{
    private final RocksDbBackingStore store;
    private final org.rocksdb.Snapshot snapshot;
    private final ReadOptions pointReadOptions;
    /**
     * Reads hold the read side while they use the native snapshot, {@link #close()} takes the write side: a close
     * racing a read (or a read after close) must never reach the released snapshot (a native use-after-free).
     * Always taken after the store's lifecycle lock, never before it.
     */
    private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
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
        enter();
        final List<AutoCloseable> natives = new ArrayList<>(4);
        try
        {
            final RocksIterator it = boundedIterator(start, end, natives);
            final EntryReader e = new EntryReader();
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                store.checkOpen();
                e.read(it);
                final boolean more = visitor.onEntry(e.userKey, 0, e.userKeyLength, e.version,
                    e.tombstone ? null : e.valueView, EntryReader.VALUE_OFFSET, e.valueLength);
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
            exit();
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * RocksDB's {@code GetApproximateSizes} over the encoded range, SST files and memtables included: whole-database
     * figures (not this snapshot's), block-granular, compressed bytes. An unbounded end is estimated up to a key of
     * 64 bytes 0xFF. Returns -1 if this snapshot is closed, the store is closing or RocksDB fails (an estimate is
     * optional, so it never throws for those).
     */
    @Override
    public long approximateSize(final byte[] start, final byte[] end)
    {
        try
        {
            enter();
        }
        catch (final StoreException ex)
        {
            return -1; // closed: no estimate, as the interface allows
        }
        try
        {
            return store.approximateSize(start, end);
        }
        finally
        {
            exit();
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * Bisection ({@link SplitKeys}) between the range's first and last keys in this snapshot (one iterator,
     * {@code seekToFirst} and {@code seekToLast}) on RocksDB's approximate sizes: about 20 estimates for a million
     * sequential ids, a few for hashed keys, each a few microseconds. The key is above the first key and not above the
     * last, so both parts hold at least one key. Scans of this snapshot may run on several threads at once. Null if
     * the range holds fewer than two keys, the snapshot is closed, or the store is closing or fails (a split is only
     * an optimisation).
     */
    @Override
    public byte[] splitKey(final byte[] start, final byte[] end)
    {
        final byte[][] firstAndLast;
        try
        {
            firstAndLast = firstAndLastKeys(start, end);
        }
        catch (final StoreException | RocksDBException | IllegalArgumentException ex)
        {
            return null;
        }
        return null == firstAndLast ? null :
            SplitKeys.bisect(firstAndLast[0], firstAndLast[1], end, store::approximateSize);
    }

    /**
     * An iterator over the encoded keys of {@code [start, end)} in this snapshot (empty or null = unbounded), block
     * cache not filled; it and its read options and bound slices are added to {@code natives} for the caller to close.
     * The caller holds {@link #enter()}.
     */
    private RocksIterator boundedIterator(final byte[] start, final byte[] end, final List<AutoCloseable> natives)
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
        return it;
    }

    /**
     * The first and the last user keys of {@code [start, end)} this snapshot sees (one iterator), or null if the
     * range holds fewer than two keys.
     */
    private byte[][] firstAndLastKeys(final byte[] start, final byte[] end) throws RocksDBException
    {
        enter();
        final List<AutoCloseable> natives = new ArrayList<>(4);
        try
        {
            final RocksIterator it = boundedIterator(start, end, natives);
            it.seekToFirst();
            final byte[] first = userKeyAt(it);
            if (null == first)
            {
                return null;
            }
            it.seekToLast();
            final byte[] last = userKeyAt(it);
            return null == last || Arrays.equals(first, last) ? null : new byte[][] {first, last};
        }
        finally
        {
            RocksDbBackingStore.closeAll(natives);
            exit();
        }
    }

    /** The user key at the iterator's position, or null if it is not valid (after checking its status). */
    private static byte[] userKeyAt(final RocksIterator it) throws RocksDBException
    {
        if (!it.isValid())
        {
            it.status();
            return null;
        }
        final EntryReader e = new EntryReader();
        e.read(it);
        final byte[] key = new byte[e.userKeyLength];
        e.userKey.getBytes(0, key);
        return key;
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
        ReadArguments.checkKey(key, keyOffset, keyLength);
        ReadArguments.checkDst(dst, dstOffset);
        enter();
        try
        {
            return store.pointGet(pointReadOptions, key, keyOffset, keyLength, readVersion, dst, dstOffset, true);
        }
        finally
        {
            exit();
        }
    }

    /**
     * A cursor over the keys of {@code [lower, upper)} visible at {@code readVersion} in this snapshot.
     *
     * @param lower       inclusive lower bound (empty or null = -infinity).
     * @param upper       exclusive upper bound (empty or null = +infinity).
     * @param readVersion read version.
     * @return an open cursor; close it (it keeps what it reads, so it stays readable after this snapshot's close).
     * @throws StoreException if this snapshot or the store is closed.
     */
    public RocksDbCursor newCursor(final byte[] lower, final byte[] upper, final long readVersion)
    {
        enter();
        try
        {
            return store.newCursorLocked(snapshot, lower, upper, readVersion);
        }
        finally
        {
            exit();
        }
    }

    /** {@link #newCursor} for a caller that holds the store's lifecycle lock (delete-range). */
    RocksDbCursor newCursorLocked(final byte[] lower, final byte[] upper, final long readVersion)
    {
        life.readLock().lock();
        try
        {
            checkNotReleased();
            return store.newCursorLocked(snapshot, lower, upper, readVersion);
        }
        finally
        {
            life.readLock().unlock();
        }
    }

    private void enter()
    {
        store.enter();
        life.readLock().lock();
        if (released)
        {
            life.readLock().unlock();
            store.exit();
            throw new StoreException("snapshot is closed", null);
        }
    }

    private void exit()
    {
        life.readLock().unlock();
        store.exit();
    }

    private void checkNotReleased()
    {
        if (released)
        {
            throw new StoreException("snapshot is closed", null);
        }
    }

    /**
     * @return RocksDB's sequence number of this snapshot.
     * @throws StoreException if this snapshot or the store is closed (never a read of the released snapshot).
     */
    public long sequenceNumber()
    {
        enter();
        try
        {
            return snapshot.getSequenceNumber();
        }
        finally
        {
            exit();
        }
    }

    /**
     * Release the snapshot; waits for reads of it running on other threads. Idempotent, also after the store's close
     * (which closes it).
     *
     * @throws IllegalStateException if called from inside a read of this snapshot on the same thread (a scan's
     * visitor): it would wait for itself.
     */
    @Override
    public void close()
    {
        if (life.getReadHoldCount() > 0)
        {
            throw new IllegalStateException("close() called from inside a read of this snapshot (a scan's visitor?)");
        }
        life.writeLock().lock();
        try
        {
            if (released)
            {
                return;
            }
            released = true;
            // Read options first (they reference the snapshot), then the snapshot itself. Off the store's list only
            // after that: a store close that finds this snapshot on its list waits here for this release to finish
            // before it closes the database; off the list before, the database could close under the release.
            pointReadOptions.close();
            store.releaseSnapshot(snapshot);
            store.released(this);
        }
        finally
        {
            life.writeLock().unlock();
        }
    }
}
