package io.regioncache.internal.table;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * Unsigned lexicographic key comparison, 8 bytes at a time.
 * <p>
 * Words are loaded in native order and compared for equality first; only the first differing word is
 * byte-swapped to big-endian, where {@link Long#compareUnsigned(long, long)} gives lexicographic order.
 */
final class KeyCompare
{
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private KeyCompare()
    {
    }

    /**
     * @return negative, zero or positive as key a is less than, equal to or greater than key b; a proper
     * prefix sorts first.
     */
    static int compare(
        final DirectBuffer a, final int aOffset, final int aLength,
        final DirectBuffer b, final int bOffset, final int bLength)
    {
        final int common = Math.min(aLength, bLength);
        int i = 0;
        for (; i + Long.BYTES <= common; i += Long.BYTES)
        {
            final long x = a.getLong(aOffset + i);
            final long y = b.getLong(bOffset + i);
            if (x != y)
            {
                return NATIVE_LITTLE_ENDIAN ?
                    Long.compareUnsigned(Long.reverseBytes(x), Long.reverseBytes(y)) : Long.compareUnsigned(x, y);
            }
        }
        for (; i < common; i++)
        {
            final int x = a.getByte(aOffset + i) & 0xFF;
            final int y = b.getByte(bOffset + i) & 0xFF;
            if (x != y)
            {
                return x - y;
            }
        }
        return Integer.compare(aLength, bLength);
    }

    /**
     * {@link #compare(DirectBuffer, int, int, DirectBuffer, int, int)} on raw memory, with bases and addresses as in
     * {@link #equalsRaw}. No bounds checks: the caller has checked both ranges (see {@code TableCursor}'s step).
     *
     * @return negative, zero or positive as key a is less than, equal to or greater than key b.
     */
    static int compareRaw(
        final byte[] aBase, final long aAddress, final int aLength,
        final byte[] bBase, final long bAddress, final int bLength)
    {
        final int common = Math.min(aLength, bLength);
        int i = 0;
        for (; i + Long.BYTES <= common; i += Long.BYTES)
        {
            final long x = UnsafeApi.getLong(aBase, aAddress + i);
            final long y = UnsafeApi.getLong(bBase, bAddress + i);
            if (x != y)
            {
                return NATIVE_LITTLE_ENDIAN ?
                    Long.compareUnsigned(Long.reverseBytes(x), Long.reverseBytes(y)) : Long.compareUnsigned(x, y);
            }
        }
        for (; i < common; i++)
        {
            final int x = UnsafeApi.getByte(aBase, aAddress + i) & 0xFF;
            final int y = UnsafeApi.getByte(bBase, bAddress + i) & 0xFF;
            if (x != y)
            {
                return x - y;
            }
        }
        return Integer.compare(aLength, bLength);
    }

    /**
     * {@link #equals(DirectBuffer, int, int, DirectBuffer, int, int)} on raw memory: each key is a base object (a
     * {@code byte[]}, or null for off-heap memory) and an address or offset within it, as {@link UnsafeApi} takes
     * them. No bounds checks: the caller has checked both ranges (see {@code HashIndex.findEntry}).
     *
     * @return true if both keys have the same length and bytes.
     */
    static boolean equalsRaw(
        final byte[] aBase, final long aAddress, final int aLength,
        final byte[] bBase, final long bAddress, final int bLength)
    {
        if (aLength != bLength)
        {
            return false;
        }
        int i = 0;
        for (; i + Long.BYTES <= aLength; i += Long.BYTES)
        {
            if (UnsafeApi.getLong(aBase, aAddress + i) != UnsafeApi.getLong(bBase, bAddress + i))
            {
                return false;
            }
        }
        for (; i < aLength; i++)
        {
            if (UnsafeApi.getByte(aBase, aAddress + i) != UnsafeApi.getByte(bBase, bAddress + i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return true if both keys have the same length and bytes.
     */
    static boolean equals(
        final DirectBuffer a, final int aOffset, final int aLength,
        final DirectBuffer b, final int bOffset, final int bLength)
    {
        if (aLength != bLength)
        {
            return false;
        }
        int i = 0;
        for (; i + Long.BYTES <= aLength; i += Long.BYTES)
        {
            if (a.getLong(aOffset + i) != b.getLong(bOffset + i))
            {
                return false;
            }
        }
        for (; i < aLength; i++)
        {
            if (a.getByte(aOffset + i) != b.getByte(bOffset + i))
            {
                return false;
            }
        }
        return true;
    }
}
