package io.regioncache.rocksdb;

import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import io.regioncache.StoreCursor;
import io.regioncache.StoreException;

/**
 * A forward cursor over the keys of a range visible at one read version in a {@link RocksDbBackingStore}: for
 * each key, its newest version at or below the read version, skipped when that is a tombstone. Reuses its
 * buffers (no allocation per step). One thread at a time; close it (the store also closes cursors left open when
 * it closes).
 */
public final class RocksDbCursor implements StoreCursor
{
    private final RocksDbBackingStore store;
    private final RocksIterator it;
    private final List<AutoCloseable> natives;
    private final long readVersion;
    private final EntryReader entry = new EntryReader();
    private final UnsafeBuffer decided = new UnsafeBuffer(new byte[256]);
    private int decidedLength = -1;
    private boolean started;
    private boolean positioned;
    private boolean closed;

    RocksDbCursor(
        final RocksDbBackingStore store, final RocksIterator it, final List<AutoCloseable> natives,
        final long readVersion)
    {
        this.store = store;
        this.it = it;
        this.natives = natives;
        this.readVersion = readVersion;
        natives.add(it);
    }

    /**
     * Move to the next visible key (the first call moves to the first one).
     *
     * @return true if positioned on a key; its views stay valid until the next call.
     * @throws StoreException if the store fails or is closed.
     */
    public boolean next()
    {
        store.enter();
        try
        {
            return nextLocked();
        }
        finally
        {
            store.exit();
        }
    }

    boolean nextLocked()
    {
        if (closed)
        {
            throw new StoreException("cursor is closed", null);
        }
        try
        {
            if (!started)
            {
                started = true;
                it.seekToFirst();
            }
            else if (positioned)
            {
                it.next(); // moved lazily so the views of the returned entry stay valid until now
            }
            positioned = false;
            for (; it.isValid(); it.next())
            {
                entry.read(it);
                if (decidedLength >= 0 && entry.sameUserKey(decided, decidedLength))
                {
                    continue; // an older version of a key already decided
                }
                if (entry.version > readVersion)
                {
                    continue; // too new for this read; an older version of the key may follow
                }
                if (decided.capacity() < entry.encodedKeyLength)
                {
                    decided.wrap(new byte[entry.encodedKeyLength * 2]);
                }
                decided.putBytes(0, entry.rawKeyView, 0, entry.encodedKeyLength);
                decidedLength = entry.encodedKeyLength;
                if (entry.tombstone)
                {
                    continue;
                }
                positioned = true;
                return true;
            }
            it.status();
            return false;
        }
        catch (final RocksDBException | IllegalArgumentException ex)
        {
            throw new StoreException("cursor failed: " + ex, ex);
        }
    }

    /** @return the current key (decoded user key at offset 0). */
    public DirectBuffer key()
    {
        return entry.userKey;
    }

    /** @return the current key's length. */
    public int keyLength()
    {
        return entry.userKeyLength;
    }

    /** @return the current value (offset 0). */
    public DirectBuffer value()
    {
        return entry.valueView;
    }

    /** @return the current value's length. */
    public int valueLength()
    {
        return entry.valueLength;
    }

    /** @return the version of the current entry. */
    public long version()
    {
        return entry.version;
    }

    /** @return a copy of the current key. */
    public byte[] keyBytes()
    {
        final byte[] k = new byte[entry.userKeyLength];
        entry.userKey.getBytes(0, k);
        return k;
    }

    /** @return a copy of the current value. */
    public byte[] valueBytes()
    {
        final byte[] v = new byte[entry.valueLength];
        entry.valueView.getBytes(0, v);
        return v;
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        store.released(this);
        RocksDbBackingStore.closeAll(natives);
    }
}
