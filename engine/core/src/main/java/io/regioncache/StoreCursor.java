package io.regioncache;

import org.agrona.DirectBuffer;

/**
 * A cursor over the keys of a range of a {@link BackingStore} visible at one read version: for each key its newest
 * version at or below the read version, skipped when that is a tombstone. It moves both ways: {@link #next()} and
 * {@link #prev()} step, the {@code seek} methods position (what a read-only {@link java.util.NavigableMap} over the
 * store needs, see {@link StoreView}). The views stay valid until the next move. One thread at a time; close it.
 * <p>
 * <b>Positions.</b> A new cursor is unpositioned: its first {@code next()} moves to the first key, its first
 * {@code prev()} to the last. Every move returns true if it left the cursor on a visible key of the range; once a
 * move returns false the cursor is unpositioned and {@code next()}/{@code prev()} return false until a seek.
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

    /**
     * Move to the previous visible key (the first call moves to the last one).
     *
     * @return true if positioned on a key.
     * @throws StoreException if the store fails or is closed.
     */
    boolean prev();

    /**
     * Position on the first visible key of the range.
     *
     * @return true if positioned (false: the range holds no visible key).
     * @throws StoreException if the store fails or is closed.
     */
    boolean seekToFirst();

    /**
     * Position on the last visible key of the range.
     *
     * @return true if positioned.
     * @throws StoreException if the store fails or is closed.
     */
    boolean seekToLast();

    /**
     * Position on the first visible key at or after {@code key} (keys below the range move to its first key).
     *
     * @param key a user key.
     * @return true if positioned.
     * @throws StoreException if the store fails or is closed.
     */
    boolean seek(byte[] key);

    /**
     * Position on the last visible key at or before {@code key} (keys above the range move to its last key).
     *
     * @param key a user key.
     * @return true if positioned.
     * @throws StoreException if the store fails or is closed.
     */
    boolean seekForPrev(byte[] key);

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
