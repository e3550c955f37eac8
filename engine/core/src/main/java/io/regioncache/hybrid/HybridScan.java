package io.regioncache.hybrid;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.StoreCursor;

/**
 * A forward scan over the keys visible at one read version, served by the cache or by the store (see
 * {@link #servedByCache()}). Owned by one {@link HybridReader} and reused by it; views returned by {@link #key()} and
 * {@link #value()} stay valid until the next {@link #next()} or {@link #close()}.
 * <p>
 * The accessors of the current key ({@code key}, {@code value}, their lengths and copies) answer only while the scan
 * is positioned, that is after a {@link #next()} that returned true: before the first {@code next()}, after one
 * returned false (it then keeps returning false) and after {@link #close()} they throw
 * {@link IllegalStateException}.
 */
public final class HybridScan implements AutoCloseable
{
    private final Snapshot snapshot;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    private SnapshotIterator iterator;
    private StoreCursor cursor;
    private boolean started;
    private boolean valid;

    HybridScan(final Snapshot snapshot)
    {
        this.snapshot = snapshot;
    }

    Snapshot snapshot()
    {
        return snapshot;
    }

    void startCache(final SnapshotIterator it)
    {
        iterator = it;
        started = false;
        valid = false;
    }

    void startStore(final StoreCursor c)
    {
        cursor = c;
        started = false;
        valid = false;
    }

    /** @return true if the cache serves this scan (false: RocksDB). */
    public boolean servedByCache()
    {
        return iterator != null;
    }

    /**
     * Move to the next visible key (the first call moves to the first).
     *
     * @return true if positioned.
     * @throws IllegalStateException if the scan is closed.
     */
    public boolean next()
    {
        valid = false; // a move that throws (a failing store) leaves the scan unpositioned, not on a stale entry
        if (iterator != null)
        {
            valid = started ? iterator.next() : iterator.seekToFirst();
            started = true;
            if (valid)
            {
                iterator.keyView(keyView);
                iterator.valueView(valueView);
            }
            return valid;
        }
        if (cursor != null)
        {
            started = true;
            valid = cursor.next();
            return valid;
        }
        throw new IllegalStateException("scan is closed");
    }

    /**
     * @return the current key (offset 0, length {@link #keyLength()}).
     * @throws IllegalStateException if the scan is not positioned on a key.
     */
    public DirectBuffer key()
    {
        checkPositioned();
        return iterator != null ? keyView : cursor.key();
    }

    /**
     * @return the current key's length.
     * @throws IllegalStateException if the scan is not positioned on a key.
     */
    public int keyLength()
    {
        checkPositioned();
        return iterator != null ? keyView.capacity() : cursor.keyLength();
    }

    /**
     * @return the current value (offset 0, length {@link #valueLength()}).
     * @throws IllegalStateException if the scan is not positioned on a key.
     */
    public DirectBuffer value()
    {
        checkPositioned();
        return iterator != null ? valueView : cursor.value();
    }

    /**
     * @return the current value's length.
     * @throws IllegalStateException if the scan is not positioned on a key.
     */
    public int valueLength()
    {
        checkPositioned();
        return iterator != null ? valueView.capacity() : cursor.valueLength();
    }

    /**
     * Before the first next(), after one returned false and after close() the views are stale: empty, or still over
     * the previous scan's entry, whose region a later eviction may free (cache path), or null (closed: an NPE).
     */
    private void checkPositioned()
    {
        if (!valid)
        {
            throw new IllegalStateException(iterator == null && cursor == null ? "scan is closed" :
                "scan is not positioned on a key (call next() first; it returned false or was not called)");
        }
    }

    /**
     * @return a copy of the current key.
     * @throws IllegalStateException if the scan is not positioned on a key.
     */
    public byte[] keyBytes()
    {
        final byte[] k = new byte[keyLength()];
        key().getBytes(0, k);
        return k;
    }

    /**
     * @return a copy of the current value.
     * @throws IllegalStateException if the scan is not positioned on a key.
     */
    public byte[] valueBytes()
    {
        final byte[] v = new byte[valueLength()];
        value().getBytes(0, v);
        return v;
    }

    /**
     * End the scan: unpins the cached region or closes the store iterator. Harmless when already closed.
     */
    @Override
    public void close()
    {
        if (iterator != null)
        {
            iterator = null;
            snapshot.close();
        }
        if (cursor != null)
        {
            final StoreCursor c = cursor;
            cursor = null;
            c.close();
        }
        valid = false;
    }
}
