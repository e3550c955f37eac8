package io.regioncache.rocksdb;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.agrona.BitUtil;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

import io.regioncache.StoreException;

/**
 * The point readers of {@link RocksDbBackingStore#get} and {@code multiGet} (reads of the latest state), kept between
 * reads instead of built and freed per read.
 * <p>
 * <b>Why.</b> {@code newIterator} builds a merge of every memtable and level, and freeing it takes it apart again;
 * {@code refresh()} on an iterator whose column family has not installed a new state since (no flush or compaction
 * finished) only moves it to the latest sequence number. A hybrid get of a random key of 1M that RocksDB serves (one
 * seek) took 3.8-4.1 µs with an iterator per read and 2.8-2.9 µs with a pooled one, 1.08 times a plain
 * {@code db.get} of the same data ({@code HybridReaderBenchmark}, {@code jmh-results/hybrid/point-readers-ab/}).
 * <p>
 * <b>What an idle reader holds.</b> An iterator pins the state it last read: memtables a flush has written out and
 * files a compaction has replaced stay (in memory, on disk) until it reads again or is closed. So at most
 * {@link #KEPT} readers wait in the pool, and {@link #closeIdle} closes them all when a write, range delete or GC
 * round finds that none was given back for {@link #IDLE_NANOS}: a store that is written but no longer read frees
 * what they pinned within about that long, and one that is read keeps refreshing them to the latest state anyway.
 * <p>
 * <b>Threads.</b> Any thread takes and gives back, under the store's lifecycle read lock (so {@code close}, under
 * the write lock, never runs beside a read). The queue hands a reader from one thread to the next with a release
 * (offer) and an acquire (poll); a reader is never in the queue and in use at once.
 */
final class PointReaders
{
    /**
     * Idle readers kept at most: two per core, at least 8, rounded up to a power of two (the queue's capacity is one);
     * reader threads past that build an iterator per read.
     */
    static final int KEPT =
        BitUtil.findNextPositivePowerOfTwo(Math.max(8, 2 * Runtime.getRuntime().availableProcessors()));
    /** After this long without a reader given back, a write closes the idle ones (see the class comment). */
    static final long IDLE_NANOS = 1_000_000_000L;

    private final RocksDB db;
    private final ReadOptions readOptions;
    private final ManyToManyConcurrentArrayQueue<PointReader> idle = new ManyToManyConcurrentArrayQueue<>(KEPT);
    /**
     * {@link System#nanoTime()} of the last give-back; written by readers, read by writers. Only a hint of recent use
     * (its order against the queue's does not matter), so it is written lazily: no full fence per read.
     */
    private volatile long lastGivenBackNanos;
    private static final AtomicLongFieldUpdater<PointReaders> LAST_GIVEN_BACK =
        AtomicLongFieldUpdater.newUpdater(PointReaders.class, "lastGivenBackNanos");
    /** {@link #IDLE_NANOS}; tests shorten it. */
    private volatile long idleNanos = IDLE_NANOS;

    PointReaders(final RocksDB db, final ReadOptions readOptions)
    {
        this.db = db;
        this.readOptions = readOptions;
    }

    /**
     * @return a reader at the database's latest state: an idle one refreshed, or a new one. Give it back with
     * {@link #giveBack}. Caller holds the store's lifecycle read lock.
     * @throws StoreException if RocksDB fails to refresh an iterator (that reader is closed).
     */
    PointReader take()
    {
        final PointReader reader = idle.poll();
        if (null == reader)
        {
            return new PointReader(db.newIterator(readOptions));
        }
        try
        {
            reader.refresh();
            return reader;
        }
        catch (final RocksDBException | RuntimeException ex)
        {
            reader.close();
            throw new StoreException("cannot refresh an iterator: " + ex, ex);
        }
    }

    /**
     * After a read: {@link #giveBack} a reader whose read completed, close one whose read threw (its iterator may be
     * in an error state; the next read builds a new one). Caller holds the lock.
     */
    void giveBackOrClose(final PointReader reader, final boolean readCompleted)
    {
        if (readCompleted)
        {
            giveBack(reader);
        }
        else
        {
            reader.close();
        }
    }

    /** Put a reader back for the next read, or close it if {@link #KEPT} are already waiting. Caller holds the lock. */
    void giveBack(final PointReader reader)
    {
        if (idle.offer(reader))
        {
            LAST_GIVEN_BACK.lazySet(this, System.nanoTime());
        }
        else
        {
            reader.close();
        }
    }

    /**
     * Writers (the store's writes, range deletes and GC rounds): close the idle readers if none was given back for
     * {@link #IDLE_NANOS}, so that what they pin is freed. Caller holds the lifecycle read lock. One volatile read
     * and a clock read when there is nothing to do.
     */
    void closeIdleIfUnused()
    {
        if (!idle.isEmpty() && System.nanoTime() - lastGivenBackNanos > idleNanos)
        {
            closeIdle();
        }
    }

    /** Close every idle reader (the store's close, under the write lock, or {@link #closeIdleIfUnused}). */
    void closeIdle()
    {
        PointReader reader;
        while (null != (reader = idle.poll()))
        {
            reader.close();
        }
    }

    /** Tests: the idle time after which a write closes the idle readers. */
    void idleNanos(final long nanos)
    {
        idleNanos = nanos;
    }

    /** @return readers waiting in the pool (tests). */
    int idleCount()
    {
        return idle.size();
    }
}
