package io.regioncache.internal.args;

import java.util.Objects;

import org.agrona.DirectBuffer;

/**
 * The argument rules of the synchronous reads ({@code get}, {@code getView}, {@code multiGet}, iterator seeks), in
 * one place: {@link NullPointerException} for a null buffer, {@link IllegalArgumentException} for a slice outside
 * its buffer (negative, past the end, or overflowing) or a count that exceeds an array.
 * <p>
 * Any thread; stateless. The success path allocates nothing (it runs on every read, and the read paths are held to
 * 0 B/op): messages are built only when a check fails.
 */
public final class ReadArgs
{
    private ReadArgs()
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
     * The arguments of a {@code multiGet}: the count against every array, the buffers, {@code dstOffset}, and every
     * key's slice (the table and the stores read keys raw, so a bad slice must never reach them).
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
        Objects.requireNonNull(keyOffsets, "keyOffsets");
        Objects.requireNonNull(keyLengths, "keyLengths");
        Objects.requireNonNull(valueOffsets, "valueOffsets");
        Objects.requireNonNull(valueLengths, "valueLengths");
        if (count < 0 || keyOffsets.length < count || keyLengths.length < count || valueOffsets.length < count ||
            valueLengths.length < count)
        {
            throw new IllegalArgumentException("count " + count + " exceeds an array (keys " + keyOffsets.length +
                "/" + keyLengths.length + ", results " + valueOffsets.length + "/" + valueLengths.length + ")");
        }
        Objects.requireNonNull(keys, "keys");
        checkDst(dst, dstOffset);
        final int capacity = keys.capacity();
        for (int i = 0; i < count; i++)
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
