package io.regioncache.hybrid.blackbox27;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import io.regioncache.RegionCacheConfig;
import io.regioncache.WritableStore;
import io.regioncache.hybrid.Stores;
import io.regioncache.store.InMemoryBackingStore;

/** Shared helpers of audit 27 (a randomized model test of the hybrid engine through its public API only). */
final class Bb27
{
    /**
     * The stores the README runs a {@code HybridEngine} over: the two durable ones the module already parameterizes
     * over (its public {@link Stores} fixture) and {@link InMemoryBackingStore} ("a full WritableStore ... so a
     * HybridEngine runs over it").
     */
    enum Kind
    {
        ROCKSDB(true),
        LMDB(true),
        IN_MEMORY(false);

        final boolean durable;

        Kind(final boolean durable)
        {
            this.durable = durable;
        }

        WritableStore open(final Path dir)
        {
            switch (this)
            {
                case ROCKSDB:
                    return Stores.ROCKSDB.open(dir);
                case LMDB:
                    return Stores.LMDB.open(dir);
                default:
                    return new InMemoryBackingStore();
            }
        }
    }

    static final int MAX_KEY = 100;

    private Bb27()
    {
    }

    /** INVOKER mode (the test thread drives the apply loop), small segments, generous cap, no policies firing. */
    static RegionCacheConfig.Builder config()
    {
        return config(RegionCacheConfig.Threading.INVOKER);
    }

    /** The same with the given threading ({@code DEDICATED_THREAD} is the embedded default). */
    static RegionCacheConfig.Builder config(final RegionCacheConfig.Threading threading)
    {
        return RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(256L << 20).maxKeyLength(MAX_KEY)
            .threading(threading);
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static int cmp(final byte[] a, final byte[] b)
    {
        return Arrays.compareUnsigned(a, b);
    }

    static String hex(final byte[] k)
    {
        if (k == null)
        {
            return "null";
        }
        final StringBuilder sb = new StringBuilder(k.length * 2 + 2);
        for (final byte x : k)
        {
            final int c = x & 0xff;
            if (c >= 'a' && c <= 'z')
            {
                sb.append((char) c);
            }
            else
            {
                sb.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            }
        }
        return sb.length() == 0 ? "''" : sb.toString();
    }

    /** start <= k < end, empty start = -inf, empty end = +inf. */
    static boolean inRange(final byte[] k, final byte[] start, final byte[] end)
    {
        return cmp(k, start) >= 0 && (end.length == 0 || cmp(k, end) < 0);
    }
}
