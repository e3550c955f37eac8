package io.regioncache.blackbox28;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;

/** Helpers of the twenty-eighth audit (public API only). */
final class K28
{
    static final int MAX_KEY = 8;
    static final int MAX_VALUE = 512;

    /** The model's tombstone: compared by identity (an empty put value is another array). */
    static final byte[] TOMB = new byte[0];

    /** Key bytes: both halves of the unsigned order, and 0x00 / 0xff at the edges. */
    static final int[] ALPHABET = {0x00, 0x01, 0x41, 0x42, 0x7f, 0x80, 0x81, 0xfe, 0xff};

    private K28()
    {
    }

    static long[] seeds(final String prop, final long... defaults)
    {
        final Long one = Long.getLong(prop);
        return one != null ? new long[] {one} : defaults;
    }

    static String hex(final byte[] b)
    {
        if (b == null)
        {
            return "null";
        }
        final StringBuilder sb = new StringBuilder("0x");
        for (final byte x : b)
        {
            sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }

    static <V> TreeMap<byte[], V> arrayMap()
    {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    static int cmp(final byte[] a, final byte[] b)
    {
        return Arrays.compareUnsigned(a, b);
    }

    /** {@code start <= key < end}, an empty end being +infinity. */
    static boolean inRange(final byte[] key, final byte[] start, final byte[] end)
    {
        return cmp(key, start) >= 0 && (end.length == 0 || cmp(key, end) < 0);
    }

    /** Small, deterministic engine: INVOKER, loads and compactions inline, no policy round within a test. */
    static RegionCacheConfig.Builder invoker(final long capacity)
    {
        return RegionCacheConfig.builder()
            .capacityBytes(capacity)
            .segmentSize(4096)
            .maxKeyLength(MAX_KEY)
            .maxValueLength(MAX_VALUE)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .policyIntervalMillis(3_600_000)
            .minResidencyMillis(3_600_000)
            .closeTimeoutMillis(2_000);
    }

    /** INVOKER mode: cycles until the future is done (bounded), then its result. */
    static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        for (int i = 0; i < 5_000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        if (!f.isDone())
        {
            throw new AssertionError("command not answered after 5000 apply cycles");
        }
        return f.get(0, TimeUnit.SECONDS);
    }

    /** INVOKER mode: cycles until {@code done} holds (bounded by cycles). */
    static boolean until(final RegionCache cache, final BooleanSupplier done)
    {
        for (int i = 0; i < 20_000; i++)
        {
            if (done.getAsBoolean())
            {
                return true;
            }
            cache.applyCycle();
        }
        return done.getAsBoolean();
    }

    /**
     * The newest entry of {@code versions} in {@code (base, at]}, or null; its value may be {@link #TOMB}.
     */
    static Map.Entry<Long, byte[]> visible(final TreeMap<Long, byte[]> versions, final long base, final long at)
    {
        if (versions == null)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> e = versions.floorEntry(at);
        return e == null || e.getKey() <= base ? null : e;
    }
}
