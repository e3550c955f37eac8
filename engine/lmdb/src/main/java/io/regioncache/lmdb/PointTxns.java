package io.regioncache.lmdb;

import org.agrona.BitUtil;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;

/**
 * The read transactions of {@link LmdbBackingStore#get} and {@code multiGet} (reads of the latest state), reset and
 * kept between reads instead of begun, given a cursor, and aborted per read.
 * <p>
 * <b>Why.</b> Under {@code MDB_NOTLS} (which the store needs: the cache opens a snapshot on one thread and scans it on
 * another) every {@code mdb_txn_begin} takes the reader table's lock to find a reader slot, and every read also
 * allocated a cursor and freed it. A reset transaction keeps its slot, so renewing it takes no lock, and its cursor
 * is renewed onto it instead of allocated again (measured: {@code HybridReaderBenchmark}, the README's "The hybrid
 * engine's reads").
 * <p>
 * <b>What an idle one holds.</b> Only a reader slot and two small native handles: a reset transaction has released
 * its snapshot, so, unlike RocksDB's idle iterators, idle transactions pin no data and need no timer. At most
 * {@link #KEPT} wait (reader threads past that begin and end a transaction per read); the store's
 * {@code setMaxReaders} leaves room for them beside snapshots and cursors.
 * <p>
 * <b>Threads.</b> Any thread takes and gives back, under the store's lifecycle read lock (so {@code close}, under
 * the write lock, never runs beside a read). The queue hands a transaction from one thread to the next with a release
 * (offer) and an acquire (poll), the synchronization {@code MDB_NOTLS} asks of a transaction that changes threads;
 * one is never in the queue and in use at once.
 */
final class PointTxns
{
    /**
     * Idle transactions kept at most: two per core, at least 8, rounded up to a power of two (the queue's capacity is
     * one).
     */
    static final int KEPT =
        BitUtil.findNextPositivePowerOfTwo(Math.max(8, 2 * Runtime.getRuntime().availableProcessors()));

    private final Env<byte[]> env;
    private final Dbi<byte[]> dbi;
    private final ManyToManyConcurrentArrayQueue<PointTxn> idle = new ManyToManyConcurrentArrayQueue<>(KEPT);

    PointTxns(final Env<byte[]> env, final Dbi<byte[]> dbi)
    {
        this.env = env;
        this.dbi = dbi;
    }

    /**
     * @return a live transaction at the latest committed state, with its cursor: an idle one renewed, or a new one.
     * Give it back with {@link #giveBackOrClose}. Caller holds the store's lifecycle read lock.
     * @throws org.lmdbjava.LmdbException if LMDB cannot begin one (a renew that fails closes that transaction).
     */
    PointTxn take()
    {
        final PointTxn t = idle.poll();
        if (null == t)
        {
            return new PointTxn(env, dbi);
        }
        try
        {
            t.renew();
            return t;
        }
        catch (final RuntimeException | Error ex)
        {
            closeQuietly(t, ex);
            throw ex;
        }
    }

    /**
     * After a read: reset and pool a transaction whose read completed (or end it if {@link #KEPT} already wait), end
     * one whose read threw (LMDB may have left it or its cursor unusable). Caller holds the lock.
     */
    void giveBackOrClose(final PointTxn t, final boolean readCompleted)
    {
        if (!readCompleted)
        {
            t.close();
            return;
        }
        try
        {
            t.reset();
        }
        catch (final RuntimeException | Error ex)
        {
            closeQuietly(t, ex); // still live: ended, not pooled
            throw ex;
        }
        if (!idle.offer(t))
        {
            t.close();
        }
    }

    /** End every idle transaction: the store's close, under the write lock, before the environment closes. */
    void closeIdle()
    {
        PointTxn t;
        while (null != (t = idle.poll()))
        {
            try
            {
                t.close();
            }
            catch (final RuntimeException ex)
            {
                // the environment is closed next, which frees what LMDB still holds
            }
        }
    }

    /** @return transactions waiting in the pool (tests). */
    int idleCount()
    {
        return idle.size();
    }

    private static void closeQuietly(final PointTxn t, final Throwable cause)
    {
        try
        {
            t.close();
        }
        catch (final RuntimeException ex)
        {
            cause.addSuppressed(ex);
        }
    }
}
