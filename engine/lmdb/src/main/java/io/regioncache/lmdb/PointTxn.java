package io.regioncache.lmdb;

import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * A read transaction and a cursor on it, kept between point reads of {@link LmdbBackingStore} ({@link PointTxns}),
 * with the seek key's array reused while keys keep their length. Used by one thread at a time.
 * <p>
 * <b>States.</b> In use the transaction is live (lmdbjava's READY); idle in the pool it is reset: LMDB has released
 * its snapshot (so an idle one pins no page and the database can reuse freed pages) and keeps only its reader slot,
 * and {@link #renew} takes a fresh snapshot through that slot without the reader table's lock that
 * {@code mdb_txn_begin} takes under {@code MDB_NOTLS}. A cursor of a reset transaction must not be used until it is
 * renewed on the renewed transaction ({@code mdb_cursor_renew}, which LMDB allows for read-only cursors).
 */
final class PointTxn implements AutoCloseable
{
    private final Txn<byte[]> txn;
    private final Cursor<byte[]> cursor;
    private boolean reset;
    /**
     * The seek key's buffer, over an array of exactly the last seek key's length: LMDB's byte-array proxy takes an
     * array's whole length as the key's size, so the array is replaced only when a key's length differs.
     */
    private final UnsafeBuffer seek = new UnsafeBuffer(new byte[0]);

    /** A new live transaction and a cursor on it. */
    PointTxn(final Env<byte[]> env, final Dbi<byte[]> dbi)
    {
        final Txn<byte[]> t = env.txnRead();
        try
        {
            this.cursor = dbi.openCursor(t);
        }
        catch (final RuntimeException | Error ex)
        {
            t.close();
            throw ex;
        }
        this.txn = t;
    }

    /** @return the live transaction's cursor. */
    Cursor<byte[]> cursor()
    {
        return cursor;
    }

    /**
     * @param length the seek key's length (encoded key and version).
     * @return a buffer over an array of exactly {@code length} bytes ({@code byteArray()}): the last one when it has
     * that length.
     */
    UnsafeBuffer seekBuffer(final int length)
    {
        if (seek.capacity() != length)
        {
            seek.wrap(new byte[length]);
        }
        return seek;
    }

    /** Release the snapshot, keep the reader slot and the cursor (before the transaction goes back to the pool). */
    void reset()
    {
        txn.reset();
        reset = true;
    }

    /** Take the latest snapshot through the kept reader slot, and move the cursor onto it. */
    void renew()
    {
        txn.renew();
        reset = false;
        cursor.renew(txn);
    }

    /**
     * Close the cursor and end the transaction. lmdbjava's {@code Txn.close()} aborts only a live transaction (a
     * reset one would keep its handle and reader slot until the environment closes), so a reset one is renewed
     * first. Called with the environment open (the store closes its pool before it).
     */
    @Override
    public void close()
    {
        try
        {
            cursor.close();
        }
        finally
        {
            try
            {
                if (reset)
                {
                    reset = false;
                    txn.renew();
                }
            }
            finally
            {
                txn.close(); // if the renew failed: lmdbjava releases the handle, LMDB frees it with the environment
            }
        }
    }
}
