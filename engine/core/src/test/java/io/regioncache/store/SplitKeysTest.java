package io.regioncache.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SplitKeys#bisect}: over a sorted set of keys whose "store estimate" is the exact count in a range, the key
 * it returns is strictly between the bounds and halves the data, for sequential, random and prefix-sharing keys of
 * mixed lengths (seeds printed on failure).
 */
class SplitKeysTest
{
    @Test
    void sequentialIds()
    {
        final TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
        for (int i = 0; i < 100_000; i++)
        {
            keys.add(ByteBuffer.allocate(12).putInt(0x6b657900).putLong(i).array());
        }
        checkHalves(keys, "sequential");
    }

    @Test
    void randomKeysOfMixedLengthsSharingPrefixes()
    {
        for (long seed = 1; seed <= 20; seed++)
        {
            final SplittableRandom random = new SplittableRandom(seed);
            final TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
            final int n = 2 + random.nextInt(5_000);
            while (keys.size() < n)
            {
                final byte[] k = new byte[1 + random.nextInt(random.nextBoolean() ? 3 : 24)];
                random.nextBytes(k);
                if (random.nextBoolean())
                {
                    k[0] = 0x00; // many keys under one prefix, some of them prefixes of others
                }
                if (k.length > 1 && random.nextInt(4) == 0)
                {
                    k[k.length - 1] = 0; // trailing zero bytes: the bisection drops its own, never a bound's
                }
                keys.add(k);
            }
            checkHalves(keys, "seed " + seed);
        }
    }

    @Test
    void nothingToSplit()
    {
        final byte[] a = {1, 2};
        assertNull(SplitKeys.bisect(a, a, new byte[0], (x, y) -> 10), "lo == hi");
        assertNull(SplitKeys.bisect(new byte[] {2}, a, new byte[0], (x, y) -> 10), "lo > hi");
        assertNull(SplitKeys.bisect(a, new byte[] {3}, new byte[0], (x, y) -> -1), "no estimate");
        assertNull(SplitKeys.bisect(a, new byte[] {3}, new byte[0], (x, y) -> 0), "nothing in the range");
        // Adjacent keys: the one key between "a" and "a\0" at any length is none.
        final byte[] split = SplitKeys.bisect(new byte[] {1}, new byte[] {1, 0}, new byte[0], (x, y) -> 2);
        assertTrue(null == split || (Arrays.compareUnsigned(split, new byte[] {1}) > 0 &&
            Arrays.compareUnsigned(split, new byte[] {1, 0}) < 0), Arrays.toString(split));
    }

    private static void checkHalves(final TreeSet<byte[]> keys, final String what)
    {
        final byte[] lo = keys.first();
        final byte[] hi = keys.last();
        final byte[] end = new byte[0];
        final byte[] split = SplitKeys.bisect(lo, hi, end, (a, b) -> count(keys, a, b));
        if (keys.size() < 2)
        {
            return;
        }
        assertTrue(null != split, what + ": a split");
        assertTrue(Arrays.compareUnsigned(split, lo) > 0, what + ": after the first key");
        assertTrue(Arrays.compareUnsigned(split, hi) < 0, what + ": before the last key");
        final long left = count(keys, lo, split);
        final long whole = keys.size();
        if (whole >= 64)
        {
            assertTrue(Math.abs(left - whole / 2) <= whole / 16, what + ": " + left + " of " + whole);
        }
    }

    /** The keys in {@code [a, b)}; an empty {@code b} is +infinity. */
    private static long count(final TreeSet<byte[]> keys, final byte[] a, final byte[] b)
    {
        return b.length == 0 ? keys.tailSet(a, true).size() : keys.subSet(a, true, b, false).size();
    }
}
