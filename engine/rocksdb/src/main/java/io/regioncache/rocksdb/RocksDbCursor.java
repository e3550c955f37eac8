package io.regioncache.rocksdb;

import java.util.List;

import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import io.regioncache.StoreException;
import io.regioncache.store.MvccStoreCursor;

/**
 * A cursor over the keys of a range visible at one read version in a {@link RocksDbBackingStore}: for each key,
 * its newest version at or below the read version, skipped when that is a tombstone. One {@link RocksIterator}
 * (with the range as its native bounds) is the raw iterator of {@link MvccStoreCursor}, which does the MVCC part
 * both ways. Reads entries into reusable arrays (no allocation per forward step; arrays rather than direct buffers,
 * whose JNI reads cost more per call: see {@code EntryReader}). One thread at a time;
 * close it (the store also closes cursors left open when it closes).
 */
public final class RocksDbCursor extends MvccStoreCursor
{
    private final RocksDbBackingStore store;
    private final RocksIterator it;
    private final List<AutoCloseable> natives;
    private byte[] keyBytes = new byte[256];
    private byte[] valueBytes = new byte[1024];
    /**
     * The other value array: a raw move never writes into the array the cursor exposes (its current entry's value),
     * so a move that walks entries and lands on none leaves {@code value()} showing the entry the cursor was last on,
     * open or closed. With one array, a failed {@code next()} left it showing an older version it had stepped over
     * (audit 24).
     */
    private byte[] spareValueBytes = new byte[1024];
    private boolean closed;

    RocksDbCursor(
        final RocksDbBackingStore store, final RocksIterator it, final List<AutoCloseable> natives,
        final byte[] lower, final byte[] upper, final long readVersion)
    {
        super(lower, upper, readVersion);
        this.store = store;
        this.it = it;
        this.natives = natives;
        natives.add(it);
    }

    @Override
    protected void enter()
    {
        store.enter();
        if (closed)
        {
            store.exit();
            throw new StoreException("cursor is closed", null);
        }
    }

    @Override
    protected void exit()
    {
        store.exit();
    }

    /** {@link #next()} under the store's lifecycle lock, already held by the caller. */
    boolean nextLocked()
    {
        if (closed)
        {
            throw new StoreException("cursor is closed", null);
        }
        return nextEntered();
    }

    @Override
    protected boolean rawSeekToFirst()
    {
        it.seekToFirst();
        return land();
    }

    @Override
    protected boolean rawSeekToLast()
    {
        it.seekToLast();
        return land();
    }

    @Override
    protected boolean rawSeek(final byte[] target)
    {
        it.seek(target);
        return land();
    }

    @Override
    protected boolean rawNext()
    {
        it.next();
        return land();
    }

    @Override
    protected boolean rawPrev()
    {
        it.prev();
        return land();
    }

    /** Copy the iterator's entry into the arrays (one copy from the native slice) and wrap the raw views. */
    private boolean land()
    {
        if (!it.isValid())
        {
            try
            {
                it.status();
            }
            catch (final RocksDBException ex)
            {
                throw new StoreException("cursor failed: " + ex, ex);
            }
            return false;
        }
        int n = it.key(keyBytes, 0, keyBytes.length);
        if (n > keyBytes.length)
        {
            keyBytes = new byte[Math.max(n, keyBytes.length * 2)];
            n = it.key(keyBytes, 0, keyBytes.length);
        }
        if (value().byteArray() == valueBytes)
        {
            final byte[] exposed = valueBytes;
            valueBytes = spareValueBytes;
            spareValueBytes = exposed;
        }
        int m = it.value(valueBytes, 0, valueBytes.length);
        if (m > valueBytes.length)
        {
            valueBytes = new byte[Math.max(m, valueBytes.length * 2)];
            m = it.value(valueBytes, 0, valueBytes.length);
        }
        rawKey.wrap(keyBytes, 0, n);
        rawValue.wrap(valueBytes, 0, m);
        return true;
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        // Natives first, then off the store's list: a store close that still finds this cursor on its list calls
        // close() and waits on this monitor until the release is done, so the database never closes under it.
        RocksDbBackingStore.closeAll(natives);
        store.released(this);
    }
}
