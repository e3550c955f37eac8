package io.regioncache.bench.support;

import java.util.SplittableRandom;

/**
 * Pre-generated key indices: an {@code int[]} of power-of-two length that a reader walks with a per-thread cursor
 * masked by {@code length - 1}. Nothing is computed or allocated in the measured loop.
 */
public final class AccessPattern
{
    /** Length of every index array (2^20: 4 MiB, longer than any key set's natural cycle at 10^6 keys). */
    public static final int LENGTH = 1 << 20;

    private AccessPattern()
    {
    }

    /**
     * @param distribution {@code uniform} or {@code zipf} (exponent 0.99, hot ranks scattered over the key order).
     * @param keys         number of keys.
     * @param bound        indices are below this (for scans: {@code keys - entries}), at least 1.
     * @param seed         random seed.
     * @return indices, {@link #LENGTH} of them.
     */
    public static int[] indices(final String distribution, final int keys, final int bound, final long seed)
    {
        final int max = Math.max(1, Math.min(bound, keys));
        final SplittableRandom rnd = new SplittableRandom(seed);
        final int[] out = new int[LENGTH];
        switch (distribution)
        {
            case "uniform":
                for (int i = 0; i < LENGTH; i++)
                {
                    out[i] = rnd.nextInt(max);
                }
                return out;
            case "zipf":
                final ZipfGenerator zipf = new ZipfGenerator(keys, ZipfGenerator.DEFAULT_THETA);
                final int[] scatter = permutation(keys, rnd);
                for (int i = 0; i < LENGTH; i++)
                {
                    final int idx = scatter[zipf.next(rnd.nextDouble())];
                    out[i] = idx < max ? idx : idx % max;
                }
                return out;
            default:
                throw new IllegalArgumentException("unknown distribution: " + distribution + " (uniform|zipf)");
        }
    }

    private static int[] permutation(final int n, final SplittableRandom rnd)
    {
        final int[] p = new int[n];
        for (int i = 0; i < n; i++)
        {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--)
        {
            final int j = rnd.nextInt(i + 1);
            final int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
