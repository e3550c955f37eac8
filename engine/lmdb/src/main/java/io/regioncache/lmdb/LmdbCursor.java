package io.regioncache.lmdb;

import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import io.regioncache.StoreException;
import io.regioncache.store.MvccStoreCursor;

/**
 * The keys of a range of a {@link LmdbBackingStore} visible at one read version: for each key its newest version at
 * or below the read version, skipped when that is a tombstone. One LMDB cursor (in its own read transaction, so a
 * snapshot) is the raw iterator of {@link MvccStoreCursor}, which does the MVCC part both ways. One thread at a
 * time; close it.
 */
public final class LmdbCursor extends MvccStoreCursor
{
    private final LmdbBackingStore store;
    private final Txn<byte[]> txn;
    private final boolean ownsTxn;
    private final Cursor<byte[]> cursor;
    private boolean closed;

    LmdbCursor(
        final LmdbBackingStore store, final Txn<byte[]> txn, final boolean ownsTxn, final byte[] lower,
        final byte[] upper, final long readVersion)
    {
        super(lower, upper, readVersion);
        this.store = store;
        this.txn = txn;
        this.ownsTxn = ownsTxn;
        this.cursor = store.dbi().openCursor(txn);
    }

    @Override
    protected void enter()
    {
        store.enter();
        if (closed)
        {
            store.exit();
            throw new StoreException("cursor is closed");
        }
    }

    @Override
    protected void exit()
    {
        store.exit();
    }

    @Override
    protected RuntimeException translate(final RuntimeException ex)
    {
        return ex instanceof LmdbException ? new StoreException("LMDB cursor failed: " + ex, ex) : ex;
    }

    /** {@link #next()} for a caller that holds the store's lifecycle lock (delete-range, in its write txn). */
    boolean nextLocked()
    {
        return nextEntered();
    }

    @Override
    protected boolean rawSeekToFirst()
    {
        return land(cursor.first());
    }

    @Override
    protected boolean rawSeekToLast()
    {
        return land(cursor.last());
    }

    @Override
    protected boolean rawSeek(final byte[] target)
    {
        return land(cursor.get(target, GetOp.MDB_SET_RANGE));
    }

    @Override
    protected boolean rawNext()
    {
        return land(cursor.next());
    }

    @Override
    protected boolean rawPrev()
    {
        return land(cursor.prev());
    }

    private boolean land(final boolean found)
    {
        if (found)
        {
            rawKey.wrap(cursor.key());
            rawValue.wrap(cursor.val());
        }
        return found;
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
