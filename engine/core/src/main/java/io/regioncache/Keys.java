package io.regioncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * Unsigned lexicographic comparison of keys held in buffers against keys held in arrays (region bounds).
 */
final class Keys
{
    private static final VarHandle LONGS_BIG_ENDIAN =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Keys()
    {
    }

    /**
     * Compare {@code key[offset, offset+length)} with {@code other} as unsigned bytes.
     *
     * @param key    buffer holding the key.
     * @param offset key offset.
     * @param length key length.
     * @param other  the other key.
     * @return negative, zero or positive.
     */
    public static int compare(final DirectBuffer key, final int offset, final int length, final byte[] other)
    {
        final int n = Math.min(length, other.length);
        int i = 0;
        // Eight bytes at a time: big-endian longs compared unsigned order exactly like their bytes.
        for (; i + 8 <= n; i += 8)
        {
            final long a = key.getLong(offset + i, ByteOrder.BIG_ENDIAN);
            final long b = (long)LONGS_BIG_ENDIAN.get(other, i);
            if (a != b)
            {
                return Long.compareUnsigned(a, b);
            }
        }
        for (; i < n; i++)
        {
            final int c = (key.getByte(offset + i) & 0xFF) - (other[i] & 0xFF);
            if (c != 0)
            {
                return c;
            }
        }
        return length - other.length;
    }

    /**
     * Is the key inside {@code [start, end)} (empty end = +infinity)?
     *
     * @param key    buffer holding the key.
     * @param offset key offset.
     * @param length key length.
     * @param start  inclusive start.
     * @param end    exclusive end, empty for +infinity.
     * @return true if inside.
     */
    public static boolean inRange(
        final DirectBuffer key, final int offset, final int length, final byte[] start, final byte[] end)
    {
        return (start.length == 0 || compare(key, offset, length, start) >= 0) &&
            (end.length == 0 || compare(key, offset, length, end) < 0);
    }
}
