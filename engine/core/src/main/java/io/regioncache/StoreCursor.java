package io.regioncache;

import org.agrona.DirectBuffer;

/**
 * A forward cursor over the keys of a range of a {@link BackingStore} visible at one read version: for each key its
 * newest version at or below the read version, skipped when that is a tombstone. The views stay valid until the
 * next call to {@link #next()}. One thread at a time; close it.
 */
public interface StoreCursor extends AutoCloseable
{
    /**
     * Move to the next visible key (the first call moves to the first one).
     *
     * @return true if positioned on a key.
     * @throws StoreException if the store fails or is closed.
     */
    boolean next();

    /** @return the current key's bytes (view; valid until the next move). */
    DirectBuffer key();

    /** @return the current key's length. */
    int keyLength();

    /** @return the current value's bytes (view; valid until the next move). */
    DirectBuffer value();

    /** @return the current value's length. */
    int valueLength();

    /** @return the version of the current value. */
    long version();

    /** @return a copy of the current key. */
    default byte[] keyBytes()
    {
        final byte[] k = new byte[keyLength()];
        key().getBytes(0, k);
        return k;
    }

    /** @return a copy of the current value. */
    default byte[] valueBytes()
    {
        final byte[] v = new byte[valueLength()];
        value().getBytes(0, v);
        return v;
    }

    /** Release the cursor (idempotent). */
    @Override
    void close();
}
