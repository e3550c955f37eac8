package io.regioncache.bench.drive;

import java.util.SplittableRandom;

import io.regioncache.bench.support.ZipfGenerator;

/**
 * How the drive workloads choose keys, shared by the local {@link Driver} and the replicated drive
 * ({@link ReplicatedWorkload}): key indexes drawn zipfian (rank r is key index r, so hot keys cluster at the start of
 * the key space) or uniform; a write batch's distinct keys inside one region; the share of deletes; when and where a
 * region splits.
 */
final class KeyPicker
{
    /** Fraction of a batch's keys that are deletes. */
    static final double DELETE_RATIO = 0.02;
    /** A region narrower than twice this many keys does not split. */
    static final int MIN_REGION_KEYS = 64;

    private final int size;
    private final ZipfGenerator zipf;

    /** @param s settings (key count and skew). */
    KeyPicker(final DriveSettings s)
    {
        this.size = s.keys();
        this.zipf = s.skew() > 0 ? new ZipfGenerator(s.keys(), s.skew()) : null;
    }

    /** @return a key index in {@code [0, keys)}. */
    int next(final SplittableRandom rng)
    {
        return zipf == null ? rng.nextInt(size) : zipf.next(rng.nextDouble());
    }

    /**
     * Choose a write batch's keys: up to {@code chosen.length} draws, each moved into {@code [start, end)} (uniformly)
     * if it falls outside, then onto a key that writer {@code owner} of {@code owners} owns ({@code k % owners ==
     * owner}: a key has one writer, so its writes stay in order); duplicates dropped.
     *
     * @return how many distinct keys were put in {@code chosen}.
     */
    int batch(final SplittableRandom rng, final int start, final int end, final int owner, final int owners,
        final int[] chosen)
    {
        final int span = end - start;
        int n = 0;
        for (int j = 0; j < chosen.length && n < span; j++)
        {
            int k = next(rng);
            if (k < start || k >= end)
            {
                k = start + rng.nextInt(span);
            }
            if (owners > 1)
            {
                k -= Math.floorMod(k - owner, owners); // the owner's key at or below k
                if (k < start)
                {
                    k += owners;
                }
                if (k >= end)
                {
                    continue;
                }
            }
            boolean dup = false;
            for (int x = 0; x < n; x++)
            {
                dup |= chosen[x] == k;
            }
            if (!dup)
            {
                chosen[n++] = k;
            }
        }
        return n;
    }

    /**
     * @param written   key writes the region took since it was created.
     * @param splitKeys the {@code --split-keys} threshold.
     * @param span      key indexes the region covers.
     * @return true if the region should split now.
     */
    static boolean shouldSplit(final long written, final long splitKeys, final int span)
    {
        return written >= splitKeys && span >= 2 * MIN_REGION_KEYS;
    }

    /** @return where a region of key indexes {@code [start, end)} splits: its middle. */
    static int middle(final int start, final int end)
    {
        return (start + end) >>> 1;
    }
}
