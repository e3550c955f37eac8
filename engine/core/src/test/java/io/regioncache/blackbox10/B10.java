package io.regioncache.blackbox10;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;

/** Helpers for the tenth audit: public API only. */
final class B10
{
    private B10()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    static String s(final byte[] v)
    {
        return v == null ? null : new String(v, US_ASCII);
    }

    /** An INVOKER engine (the test thread runs the apply cycles) with room for the probes. */
    static RegionCacheConfig.Builder invoker()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(512L << 20)
            .maxKeyLength(256)
            .maxValueLength(1024)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .closeTimeoutMillis(2_000);
    }

    static CommandResult await(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        return io.regioncache.InvokerCommands.await(cache, f, 1_000_000);
    }

    static void ok(final RegionCache cache, final CompletableFuture<CommandResult> f, final String ctx) throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(ResultCode.OK, r.code(), () -> ctx + ": " + r);
    }

    /**
     * Prints both timings and their ratio, and fails if the ratio reaches {@code limit}: the one check every test here
     * makes (a ratio between sizes, never an absolute time).
     *
     * @param what   what was timed, for the message.
     * @param small  the label of the smaller input (e.g. "16000 regions").
     * @param smallNanos its time.
     * @param large  the label of the larger input.
     * @param largeNanos its time.
     * @param limit  the ratio that fails: between what the fixed cost grows by and what the super-linear one did.
     */
    static void assertScales(
        final String what, final String small, final long smallNanos, final String large, final long largeNanos,
        final double limit)
    {
        final double ratio = (double)largeNanos / Math.max(1, smallNanos);
        System.out.printf("%s: %s %d us, %s %d us, ratio %.2f%n",
            what, small, smallNanos / 1000, large, largeNanos / 1000, ratio);
        assertTrue(ratio < limit, () -> what + " grows faster than its input: " + small + " " + smallNanos / 1000 +
            " us, " + large + " " + largeNanos / 1000 + " us, ratio " + ratio + " (limit " + limit + ")");
    }

    /** A timed measurement, in nanoseconds. */
    interface Timed
    {
        long nanos() throws Exception;
    }

    /**
     * {@link #assertScales} on a fresh pair of measurements, taken again (3 rounds at most) while the ratio is over
     * the limit: another build on this 2-core host can slow one measurement past any limit (a CI check of
     * 2026-12-06 measured 15.1 for a linear command, limit 10, with builds running beside it), while a cost that
     * really grows faster than its input is over the limit in every round. Each round's figures are printed.
     */
    static void assertScalesInSomeRound(final String what, final String small, final Timed smallWork,
        final String large, final Timed largeWork, final double limit) throws Exception
    {
        final StringBuilder rounds = new StringBuilder();
        for (int round = 1; round <= 3; round++)
        {
            final long s = smallWork.nanos();
            final long l = largeWork.nanos();
            final double ratio = (double)l / Math.max(1, s);
            System.out.printf("%s (round %d): %s %d us, %s %d us, ratio %.2f%n",
                what, round, small, s / 1000, large, l / 1000, ratio);
            if (ratio < limit)
            {
                return;
            }
            rounds.append(String.format(" round %d: %d us / %d us = %.2f;", round, s / 1000, l / 1000, ratio));
        }
        fail(what + " grows faster than its input in every round (" + small + " vs " + large + ", limit " + limit +
            "):" + rounds);
    }

    /** Nanoseconds of {@code work}, the median of {@code trials} runs after one warm-up run. */
    static long medianNanos(final int trials, final Runnable work)
    {
        work.run();
        final long[] t = new long[trials];
        for (int i = 0; i < trials; i++)
        {
            final long t0 = System.nanoTime();
            work.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return t[trials / 2];
    }
}
