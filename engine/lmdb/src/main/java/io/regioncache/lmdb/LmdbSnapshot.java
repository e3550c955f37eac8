package io.regioncache.lmdb;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.store.MvccKeyCodec;

/**
 * A {@link LmdbBackingStore} snapshot: one LMDB read transaction, consistent by LMDB's own MVCC. {@link #scan} and
 * {@link #get} may run on any thread (the environment has {@code MDB_NOTLS}), one call at a time, as the cache's
 * loader uses it; {@link #close()} comes after them.
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
    public synchronized void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
    {
        store.enter();
        try (Cursor<byte[]> c = store.dbi().openCursor(txn))
        {
            final byte[] from = MvccKeyCodec.encodeKey(start);
            final byte[] to = end.length == 0 ? null : MvccKeyCodec.encodeKey(end);
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
        finally
        {
            store.exit();
        }
    }

    @Override
    public synchronized int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        store.enter();
        try
        {
            return store.pointGet(txn, key, keyOffset, keyLength, readVersion, dst, dstOffset);
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

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            txn.close();
            store.forget(this);
        }
    }
}
