package io.regioncache.store;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.function.ToLongBiFunction;

/**
 * Finds a key that cuts a key range into two parts of about the same size, from nothing but a store's size estimate
 * of a range: what a store needs to answer {@link io.regioncache.BackingSnapshot#splitKey}.
 * <p>
 * Bisection over the keys read as fractions: {@code lo} and {@code hi} are padded with zero bytes to one length and
 * read as unsigned big-endian numbers, whose order is the keys' order; each step takes the number half-way between
 * the two bounds, drops its trailing zero bytes (a key, strictly between {@code lo} and {@code hi} whatever was
 * dropped: the first byte at which it differs from either bound is not a padding zero), asks the store for the size
 * of {@code [lo, key)}, and keeps the half that holds the middle of the data. With the store's own first and last keys
 * as bounds, keys spread over the key space (hashes, random ids) take a few steps, sequential ids about one step per
 * bit of their spread (20 for a million ids). Called once per large load: not on any hot path.
 */
public final class SplitKeys
{
    /** Steps at most: each halves the interval between the bounds. */
    public static final int MAX_STEPS = 48;

    private SplitKeys()
    {
    }

    /**
     * A key {@code k} with {@code lo < k < hi} such that {@code sizeOf(lo, k)} is about half of
     * {@code sizeOf(lo, end)}: within 1/32 of it, or the closest of the keys tried when the steps or the bytes run out.
     *
     * @param lo     the range's first key (inclusive).
     * @param hi     the range's last key (inclusive): the split is always below it.
     * @param end    the range's exclusive end, for the whole range's size (empty = +infinity).
     * @param sizeOf the store's estimate of {@code [start, end)}, any unit proportional to the data, -1 if unknown.
     * @return the key, or null if {@code lo >= hi}, the store gives no estimate, or no key strictly between the
     * bounds was found.
     */
    public static byte[] bisect(
        final byte[] lo, final byte[] hi, final byte[] end, final ToLongBiFunction<byte[], byte[]> sizeOf)
    {
        if (Arrays.compareUnsigned(lo, hi) >= 0)
        {
            return null;
        }
        final long whole = sizeOf.applyAsLong(lo, end);
        if (whole <= 0)
        {
            return null;
        }
        final long half = whole / 2;
        final long tolerance = Math.max(1, whole / 32);
        final int length = Math.max(lo.length, hi.length) + 1; // one byte more: room for a midpoint after hi's last
        BigInteger low = fraction(lo, length);
        BigInteger high = fraction(hi, length);
        byte[] best = null;
        long bestMiss = Long.MAX_VALUE;
        for (int step = 0; step < MAX_STEPS; step++)
        {
            final BigInteger mid = low.add(high).shiftRight(1);
            if (mid.equals(low))
            {
                break; // adjacent: no key left between the bounds at this length
            }
            final byte[] key = key(mid, length);
            final long left = sizeOf.applyAsLong(lo, key);
            if (left < 0)
            {
                return best;
            }
            final long miss = Math.abs(left - half);
            if (miss < bestMiss)
            {
                best = key;
                bestMiss = miss;
            }
            if (miss <= tolerance)
            {
                break;
            }
            if (left < half)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }
        return best;
    }

    /** {@code key} padded with zero bytes to {@code length}, as an unsigned number. */
    private static BigInteger fraction(final byte[] key, final int length)
    {
        return new BigInteger(1, Arrays.copyOf(key, length));
    }

    /** The number as {@code length} big-endian bytes, trailing zero bytes dropped. */
    private static byte[] key(final BigInteger n, final int length)
    {
        final byte[] raw = n.toByteArray(); // big-endian, possibly with a leading sign byte, possibly shorter
        final byte[] padded = new byte[length];
        final int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, padded, length - copy, copy);
        int used = length;
        while (used > 0 && padded[used - 1] == 0)
        {
            used--;
        }
        return Arrays.copyOf(padded, used);
    }
}
