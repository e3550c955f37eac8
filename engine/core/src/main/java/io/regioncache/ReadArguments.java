package io.regioncache;

import java.util.Objects;

import org.agrona.DirectBuffer;

/**
 * The argument rules of every buffer read, in one place: the snapshot's ({@code get}, {@code getView},
 * {@code multiGet}, iterator seeks), the hybrid reader's, and the {@link BackingStore} SPI's ({@code get},
 * {@code multiGet}). {@link NullPointerException} for a null buffer or array, {@link IllegalArgumentException} for a
 * slice outside its buffer (negative, past the end, or overflowing) or keys past an array.
 * <p>
 * Public so that a store implementation applies the same rules before it touches native code or a raw address (the
 * RocksDB and LMDB stores do): with Agrona's bounds checks off, as production may run, an unchecked offset would read
 * or write outside the caller's buffer. So a bad argument throws the same exception whichever source serves a read.
 * <p>
 * Any thread; stateless. The success path allocates nothing (it runs on every read, and the read paths are held to
 * 0 B/op): messages are built only when a check fails.
 */
public final class ReadArguments
{
    private ReadArguments()
    {
    }

    /**
     * Bounds of a caller's buffer slice.
     *
     * @param what     how the caller names it.
     * @param capacity the buffer's capacity.
     * @param offset   offset.
     * @param length   length.
     * @return why the slice is bad, or null (overflow-safe: {@code length > capacity - offset}, never a sum).
     */
    public static String slice(final String what, final int capacity, final int offset, final int length)
    {
        if (offset < 0 || length < 0 || offset > capacity || length > capacity - offset)
        {
            return what + " offset " + offset + " and length " + length + " outside a buffer of " + capacity;
        }
        return null;
    }

    /**
     * A key argument: non-null and its slice inside the buffer.
     *
     * @param key    key buffer.
     * @param offset key offset.
     * @param length key length.
     */
    public static void checkKey(final DirectBuffer key, final int offset, final int length)
    {
        Objects.requireNonNull(key, "key");
        final String bad = slice("key", key.capacity(), offset, length);
        if (bad != null)
        {
            throw new IllegalArgumentException(bad);
        }
    }

    /**
     * A destination argument: non-null and {@code offset} within {@code [0, capacity]} (a value that does not fit is
     * an answer, {@code -2 - length}, not an error).
     *
     * @param dst    destination buffer.
     * @param offset where the first byte goes.
     */
    public static void checkDst(final DirectBuffer dst, final int offset)
    {
        Objects.requireNonNull(dst, "dst");
        final String bad = slice("dst", dst.capacity(), offset, 0);
        if (bad != null)
        {
            throw new IllegalArgumentException(bad);
        }
    }

    /**
     * The arguments of a {@code multiGet} of keys {@code [0, count)}: see
     * {@link #checkMultiGet(DirectBuffer, int[], int[], int, int, DirectBuffer, int, int[], int[])}.
     *
     * @param keys         buffer holding the keys.
     * @param keyOffsets   key offsets.
     * @param keyLengths   key lengths.
     * @param count        number of keys.
     * @param dst          destination.
     * @param dstOffset    where the first value goes.
     * @param valueOffsets out array of value offsets.
     * @param valueLengths out array of value lengths.
     */
    public static void checkMultiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int count,
        final DirectBuffer dst, final int dstOffset, final int[] valueOffsets, final int[] valueLengths)
    {
        checkMultiGet(keys, keyOffsets, keyLengths, 0, count, dst, dstOffset, valueOffsets, valueLengths);
    }

    /**
     * The arguments of a {@code multiGet} of keys {@code [from, from + count)}: the range against every array, the
     * buffers, {@code dstOffset}, and every key's slice (the table and the stores read keys raw, so a bad slice must
     * never reach them).
     *
     * @param keys         buffer holding the keys.
     * @param keyOffsets   key offsets.
     * @param keyLengths   key lengths.
     * @param from         first key.
     * @param count        number of keys.
     * @param dst          destination.
     * @param dstOffset    where the first value goes.
     * @param valueOffsets out array of value offsets.
     * @param valueLengths out array of value lengths.
     */
    public static void checkMultiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int from, final int count,
        final DirectBuffer dst, final int dstOffset, final int[] valueOffsets, final int[] valueLengths)
    {
        Objects.requireNonNull(keyOffsets, "keyOffsets");
        Objects.requireNonNull(keyLengths, "keyLengths");
        Objects.requireNonNull(valueOffsets, "valueOffsets");
        Objects.requireNonNull(valueLengths, "valueLengths");
        final int arrays = Math.min(Math.min(keyOffsets.length, keyLengths.length),
            Math.min(valueOffsets.length, valueLengths.length));
        if (from < 0 || count < 0 || from > arrays || count > arrays - from)
        {
            throw new IllegalArgumentException("keys " + from + " to " + ((long)from + count) + " exceed an array (keys " +
                keyOffsets.length + "/" + keyLengths.length + ", results " + valueOffsets.length + "/" +
                valueLengths.length + ")");
        }
        Objects.requireNonNull(keys, "keys");
        checkDst(dst, dstOffset);
        final int capacity = keys.capacity();
        for (int i = from, end = from + count; i < end; i++)
        {
            // The label is a constant and the key's index joins the message only on failure: this loop runs on every
            // multiGet, which allocates nothing.
            final String bad = slice("key", capacity, keyOffsets[i], keyLengths[i]);
            if (bad != null)
            {
                throw new IllegalArgumentException("key " + i + ": " + bad);
            }
        }
    }
}
