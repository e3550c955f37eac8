package io.regioncache.lmdb;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import io.regioncache.ReadArguments;
import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.store.MvccKeyCodec;

/**
 * A {@link LmdbBackingStore} snapshot: one LMDB read transaction, consistent by LMDB's own MVCC. {@link #scan} and
 * {@link #get} may run on any thread (the environment has {@code MDB_NOTLS}), one call at a time (a second waits),
 * as the cache's loader uses it; {@link #close()} waits for a running one. Calls after {@link #close()} or the
 * store's throw {@link StoreException}.
 * <p>
 * Lock order: the store's lifecycle lock, then this snapshot's monitor, never the other way: the store's close holds
 * the lifecycle lock while it closes this snapshot (taking the monitor).
 */
final class LmdbSnapshot implements BackingSnapshot
{
    private final LmdbBackingStore store;
    private final Txn<byte[]> txn;
    private boolean closed;

    LmdbSnapshot(final LmdbBackingStore store, final Txn<byte[]> txn)
    {
        this.store = store;
        this.txn = txn;
    }

    @Override
    public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
    {
        store.enter();
        try
        {
            synchronized (this)
            {
                checkOpen();
                scanLocked(start, end, visitor);
            }
        }
        finally
        {
            store.exit();
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new StoreException("LMDB snapshot is closed");
        }
    }

    private void scanLocked(final byte[] start, final byte[] end, final EntryVisitor visitor)
    {
        try (Cursor<byte[]> c = store.dbi().openCursor(txn))
        {
            // A null bound is open, as an empty one (as the RocksDB store and both stores' cursors take it).
            final byte[] from = MvccKeyCodec.encodeKey(start == null ? new byte[0] : start);
            final byte[] to = end == null || end.length == 0 ? null : MvccKeyCodec.encodeKey(end);
            final UnsafeBuffer keyView = new UnsafeBuffer(new byte[0]);
            final UnsafeBuffer valueView = new UnsafeBuffer(new byte[0]);
            boolean more = c.get(from, GetOp.MDB_SET_RANGE);
            while (more)
            {
                final byte[] stored = c.key();
                final int encodedLength = stored.length - MvccKeyCodec.VERSION_LENGTH;
                if (to != null && Arrays.compareUnsigned(stored, 0, encodedLength, to, 0, to.length) >= 0)
                {
                    break;
                }
                final byte[] userKey = MvccKeyCodec.decodeUserKey(stored);
                final long version = MvccKeyCodec.decodeVersion(stored);
                final byte[] v = c.val();
                if (v.length == 0)
                {
                    throw new StoreException("stored value without a flag byte"); // written by something else
                }
                keyView.wrap(userKey);
                final boolean goOn;
                if (v[0] == MvccKeyCodec.FLAG_DELETE)
                {
                    goOn = visitor.onEntry(keyView, 0, userKey.length, version, null, 0, 0);
                }
                else
                {
                    valueView.wrap(v);
                    goOn = visitor.onEntry(keyView, 0, userKey.length, version, valueView, 1, v.length - 1);
                }
                if (!goOn)
                {
                    break;
                }
                more = c.next();
            }
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("LMDB scan failed: " + ex, ex);
        }
    }

    @Override
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        ReadArguments.checkKey(key, keyOffset, keyLength);
        ReadArguments.checkDst(dst, dstOffset);
        store.enter();
        try
        {
            synchronized (this)
            {
                checkOpen();
                return store.pointGet(txn, key, keyOffset, keyLength, readVersion, dst, dstOffset);
            }
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("LMDB get failed: " + ex, ex);
        }
        finally
        {
            store.exit();
        }
    }

    /**
     * End the read transaction; waits for a running scan or get. Idempotent.
     *
     * @throws IllegalStateException if called from inside a scan or get of this snapshot on the same thread (a scan's
     * visitor): the transaction would end under the running scan.
     */
    @Override
    public void close()
    {
        if (Thread.holdsLock(this))
        {
            throw new IllegalStateException("close() called from inside a read of this snapshot (a scan's visitor?)");
        }
        synchronized (this)
        {
            if (!closed)
            {
                closed = true;
                txn.close();
                store.forget(this);
            }
        }
    }
}
