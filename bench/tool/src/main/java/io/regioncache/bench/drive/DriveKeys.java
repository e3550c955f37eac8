package io.regioncache.bench.drive;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The driver's 16-byte keys: key {@code i} is big-endian {@code (i * step, mix64(i))} with
 * {@code step = (2^64 - 1) / n}, so keys sort by index and spread over the first 8 bytes; the index of a key is
 * {@code hi / step}. Values start with the big-endian key index, then the version that wrote them: readers check both.
 */
final class DriveKeys
{
    static final int KEY_LENGTH = 16;
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final int size;
    private final long step;

    DriveKeys(final int size)
    {
        this.size = size;
        this.step = Long.divideUnsigned(-1L, size);
    }

    int size()
    {
        return size;
    }

    /** Write key {@code i} at {@code dst[offset]}. */
    void key(final int i, final byte[] dst, final int offset)
    {
        LONG_BE.set(dst, offset, i * step);
        LONG_BE.set(dst, offset + 8, mix64(i));
    }

    byte[] key(final int i)
    {
        final byte[] k = new byte[KEY_LENGTH];
        key(i, k, 0);
        return k;
    }

    /** @return the index of a key read back at {@code src[offset]} (16 bytes). */
    int index(final byte[] src, final int offset)
    {
        return (int)Long.divideUnsigned((long)LONG_BE.get(src, offset), step);
    }

    /**
     * @param boundary a region boundary (any bytes; empty is -infinity).
     * @return the first key index whose key is at or above it ({@code size} if none is).
     */
    int ceilIndex(final byte[] boundary)
    {
        final byte[] padded = java.util.Arrays.copyOf(boundary, Math.max(KEY_LENGTH, boundary.length));
        int i = Math.min(size, index(padded, 0)); // at or below the boundary's first 8 bytes
        while (i < size && java.util.Arrays.compareUnsigned(key(i), boundary) < 0)
        {
            i++;
        }
        return i;
    }

    /**
     * @param end a region's exclusive end (empty is +infinity).
     * @return the first key index at or above it: {@code size} for an unbounded end.
     */
    int endIndex(final byte[] end)
    {
        return end.length == 0 ? size : ceilIndex(end);
    }

    /**
     * @param k a key read back.
     * @return its index if it is one of these keys exactly, else -1 (a key some other key space wrote).
     */
    int indexOf(final byte[] k)
    {
        if (k.length != KEY_LENGTH)
        {
            return -1;
        }
        final int i = index(k, 0);
        return i < size && java.util.Arrays.equals(key(i), k) ? i : -1;
    }

    /**
     * @return true if {@code v} is exactly what {@link #value} writes for key {@code index} at {@code version} in
     *         {@code v.length} bytes.
     */
    static boolean isValue(final byte[] v, final int index, final long version)
    {
        if (v.length < 16)
        {
            return false;
        }
        final byte[] expect = new byte[v.length];
        value(index, version, expect);
        return java.util.Arrays.equals(v, expect);
    }

    static void value(final int index, final long version, final byte[] dst)
    {
        LONG_BE.set(dst, 0, (long)index);
        LONG_BE.set(dst, 8, version);
        long x = mix64(version ^ index);
        for (int b = 16; b < dst.length; b++)
        {
            if ((b & 7) == 0)
            {
                x = mix64(x);
            }
            dst[b] = (byte)(x >>> ((b & 7) << 3));
        }
    }

    static long longAt(final byte[] src, final int offset)
    {
        return (long)LONG_BE.get(src, offset);
    }

    static long mix64(final long z)
    {
        long x = z + 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }
}
