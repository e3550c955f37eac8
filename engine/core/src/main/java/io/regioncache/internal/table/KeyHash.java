package io.regioncache.internal.table;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A fast 64-bit key hash in the style of wyhash: each 8-byte word is folded in with a 64x64-&gt;128-bit
 * multiply whose high and low halves are xor-ed ("mum"), which mixes every input bit into every output bit.
 * <p>
 * Words are read in native byte order: the hash only ever lives in memory, so it need not be portable. The
 * top 16 bits become the hash-slot tag and the low bits the slot index, so both ends must be well mixed,
 * which the final mum guarantees.
 */
final class KeyHash
{
    private static final long P0 = 0xa0761d6478bd642fL;
    private static final long P1 = 0xe7037ed1a0b428dbL;
    private static final long P2 = 0x8ebc6af09c88c6e3L;
    private static final long P3 = 0x589965cc75374cc3L;

    private KeyHash()
    {
    }

    /**
     * @return the hash of {@code length} bytes of {@code key} at {@code offset} (checked once when Agrona's bounds
     * checks are on, then read raw through the buffer's base and address, like every other read of a caller's key).
     */
    static long hash(final DirectBuffer key, final int offset, final int length)
    {
        if (UnsafeBuffer.SHOULD_BOUNDS_CHECK)
        {
            key.boundsCheck(offset, length);
        }
        return hashRaw(key.byteArray(), key.addressOffset() + offset, length);
    }

    /**
     * @return the hash of the {@code length} bytes at {@code address} of {@code base} (null: off-heap), which the
     * caller has checked. {@link #hash} is this function: one definition, so a key hashes alike on every path.
     */
    static long hashRaw(final byte[] base, final long address, final int length)
    {
        long h = P0 ^ length;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            h = mum(UnsafeApi.getLong(base, address + i) ^ P1, h ^ P2);
        }
        if (i < length)
        {
            long tail = 0;
            for (int shift = 0; i < length; i++, shift += 8)
            {
                tail |= (UnsafeApi.getByte(base, address + i) & 0xFFL) << shift;
            }
            h = mum(tail ^ P3, h ^ P1);
        }
        return mum(h ^ P0, length ^ P3);
    }

    private static long mum(final long a, final long b)
    {
        return (a * b) ^ Math.multiplyHigh(a, b);
    }
}
