package io.regioncache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Keys a client could choose to collide under an unkeyed hash (shared by the core's and the stores' flood tests).
 */
public final class ChosenKeys
{
    /** The word mask of the index hash before it was keyed: a key word equal to it zeroed the hash's state. */
    public static final long OLD_INDEX_WORD_MASK = 0xe7037ed1a0b428dbL;

    private ChosenKeys()
    {
    }

    /** @return key i of 16 bytes (native order, as the hash reads them): any first word, then the old mask. */
    public static byte[] oldIndexHashColliding(final long i)
    {
        final ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        b.putLong(0, i * 0x9e3779b97f4a7c15L);
        b.putLong(8, OLD_INDEX_WORD_MASK);
        return b.array();
    }

    /**
     * @return key i of {@code 2 * bits} bytes; every i below 2<sup>bits</sup> gives a distinct key with the same
     * {@code Arrays.hashCode}: each pair of bytes is {0, 31} or {1, 0}, which the polynomial cannot tell apart.
     */
    public static byte[] arraysHashColliding(final int bits, final long i)
    {
        final byte[] k = new byte[2 * bits];
        for (int b = 0; b < bits; b++)
        {
            final boolean one = ((i >>> b) & 1) != 0;
            k[2 * b] = (byte)(one ? 1 : 0);
            k[2 * b + 1] = (byte)(one ? 0 : 31);
        }
        return k;
    }
}
