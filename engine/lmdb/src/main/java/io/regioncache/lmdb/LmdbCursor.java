package io.regioncache.lmdb;

import java.util.Arrays;

import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import io.regioncache.StoreException;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.ViewStoreCursor;

/**
 * The keys of a range of a {@link LmdbBackingStore} visible at one read version: for each key its newest version at
 * or below the read version, skipped when that is a tombstone. Walks one LMDB cursor in stored order (key
 * ascending, version descending), so each key's first version at or below the read version decides it. One thread
 * at a time; close it.
 */
public final class LmdbCursor extends ViewStoreCursor
{
    private final LmdbBackingStore store;
    private final Txn<byte[]> txn;
    private final boolean ownsTxn;
    private final Cursor<byte[]> cursor;
    private final byte[] from;
    private final byte[] to;
    private final long readVersion;
    private byte[] decided; // encoded user key already decided
    private boolean started;
    private boolean exhausted;
    private boolean closed;

    LmdbCursor(
        final LmdbBackingStore store, final Txn<byte[]> txn, final boolean ownsTxn, final byte[] lower,
        final byte[] upper, final long readVersion)
    {
        this.store = store;
        this.txn = txn;
        this.ownsTxn = ownsTxn;
        this.cursor = store.dbi().openCursor(txn);
        this.from = MvccKeyCodec.encodeKey(lower);
        this.to = upper.length == 0 ? null : MvccKeyCodec.encodeKey(upper);
        this.readVersion = readVersion;
    }

    @Override
    public boolean next()
    {
        store.enter();
        try
        {
            return nextLocked();
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("LMDB cursor failed: " + ex, ex);
        }
        finally
        {
            store.exit();
        }
    }

    boolean nextLocked()
    {
        if (closed || exhausted)
        {
            return false;
        }
        boolean more = started ? cursor.next() : cursor.get(from, GetOp.MDB_SET_RANGE);
        started = true;
        while (more)
        {
            final byte[] stored = cursor.key();
            final int encodedLength = stored.length - MvccKeyCodec.VERSION_LENGTH;
            if (to != null && Arrays.compareUnsigned(stored, 0, encodedLength, to, 0, to.length) >= 0)
            {
                break;
            }
            final long v = MvccKeyCodec.decodeVersion(stored);
            final boolean sameKey = decided != null &&
                Arrays.equals(decided, 0, decided.length, stored, 0, encodedLength);
            if (!sameKey && v <= readVersion)
            {
                decided = Arrays.copyOf(stored, encodedLength);
                final byte[] value = cursor.val();
                if (value[0] != MvccKeyCodec.FLAG_DELETE)
                {
                    expose(MvccKeyCodec.decodeUserKey(stored), value, 1, value.length - 1, v);
                    return true;
                }
            }
            more = cursor.next();
        }
        exhausted = true;
        return false;
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            cursor.close();
            if (ownsTxn)
            {
                txn.close();
            }
            store.forget(this);
        }
    }
}
