package io.regioncache.lmdb;

import java.util.Objects;

import org.agrona.DirectBuffer;

/**
 * The argument rules of the store's buffer reads ({@code get}, {@code multiGet}), the same as the engine's snapshot
 * reads: {@link NullPointerException} for a null buffer or array, {@link IllegalArgumentException} for a slice outside
 * its buffer or a count past an array. Checked before LMDB or a buffer is touched: with Agrona's bounds checks
 * off (as the README allows in production) an unchecked offset would read or write outside the caller's buffer.
 * Messages are built only when a check fails.
 */
final class StoreArgs
{
    private StoreArgs()
    {
    }

    static void checkKey(final DirectBuffer key, final int offset, final int length)
    {
        Objects.requireNonNull(key, "key");
        if (offset < 0 || length < 0 || offset > key.capacity() || length > key.capacity() - offset)
        {
            throw new IllegalArgumentException("key offset " + offset + " and length " + length +
                " outside a buffer of " + key.capacity());
        }
    }

    static void checkDst(final DirectBuffer dst, final int offset)
    {
        Objects.requireNonNull(dst, "dst");
        if (offset < 0 || offset > dst.capacity())
        {
            throw new IllegalArgumentException("dst offset " + offset + " outside a buffer of " + dst.capacity());
        }
    }

    static void checkMultiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int from, final int count,
        final DirectBuffer dst, final int dstOffset, final int[] valueOffsets, final int[] valueLengths)
    {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(keyOffsets, "keyOffsets");
        Objects.requireNonNull(keyLengths, "keyLengths");
        Objects.requireNonNull(valueOffsets, "valueOffsets");
        Objects.requireNonNull(valueLengths, "valueLengths");
        final int arrays = Math.min(Math.min(keyOffsets.length, keyLengths.length),
            Math.min(valueOffsets.length, valueLengths.length));
        if (from < 0 || count < 0 || from > arrays || count > arrays - from)
        {
            throw new IllegalArgumentException("keys " + from + " to " + ((long)from + count) +
                " outside arrays of " + arrays);
        }
        checkDst(dst, dstOffset);
        for (int i = from, end = from + count; i < end; i++)
        {
            checkKey(keys, keyOffsets[i], keyLengths[i]);
        }
    }
}
