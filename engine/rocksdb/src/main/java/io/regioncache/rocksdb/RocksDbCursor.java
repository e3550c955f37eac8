package io.regioncache.rocksdb;

import java.nio.ByteBuffer;
import java.util.List;

import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import io.regioncache.StoreException;
import io.regioncache.store.MvccStoreCursor;

/**
 * A cursor over the keys of a range visible at one read version in a {@link RocksDbBackingStore}: for each key,
 * its newest version at or below the read version, skipped when that is a tombstone. One {@link RocksIterator}
 * (with the range as its native bounds) is the raw iterator of {@link MvccStoreCursor}, which does the MVCC part
 * both ways. Reads entries into reusable direct buffers (no allocation per forward step). One thread at a time;
 * close it (the store also closes cursors left open when it closes).
 */
public final class RocksDbCursor extends MvccStoreCursor
{
    private final RocksDbBackingStore store;
    private final RocksIterator it;
    private final List<AutoCloseable> natives;
    private ByteBuffer keyBuffer = ByteBuffer.allocateDirect(256);
    private ByteBuffer valueBuffer = ByteBuffer.allocateDirect(1024);
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

    /** Copy the iterator's entry into the direct buffers (one copy from the native slice) and wrap the raw views. */
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
        keyBuffer.clear();
        int n = it.key(keyBuffer);
        if (n > keyBuffer.capacity())
        {
            keyBuffer = ByteBuffer.allocateDirect(Math.max(n, keyBuffer.capacity() * 2));
            n = it.key(keyBuffer);
        }
        valueBuffer.clear();
        int m = it.value(valueBuffer);
        if (m > valueBuffer.capacity())
        {
            valueBuffer = ByteBuffer.allocateDirect(Math.max(m, valueBuffer.capacity() * 2));
            m = it.value(valueBuffer);
        }
        rawKey.wrap(keyBuffer, 0, n);
        rawValue.wrap(valueBuffer, 0, m);
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
