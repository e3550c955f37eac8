package io.regioncache.blackbox11c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;

/** Helpers for audit 11c (interrupts and hostile host threads and callbacks): public API only. */
final class B11
{
    /** A bounded wait long enough for a loaded 2-core host, short enough that a hang fails the test quickly. */
    static final long WAIT_SECONDS = 10;
    /** Duty cycles a test waits at most for a load to end (an idle cycle parks at most 100 us: seconds in all). */
    static final int MAX_CYCLES = 100_000;

    private B11()
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

    /** A dedicated-apply-thread engine with room for the probes. */
    static RegionCacheConfig.Builder dedicated()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .maxKeyLength(256)
            .maxValueLength(4096)
            .closeTimeoutMillis(2_000);
    }

    /** The future's result within {@link #WAIT_SECONDS}, failing with {@code what} if it never comes. */
    static CommandResult within(final CompletableFuture<CommandResult> f, final String what) throws Exception
    {
        try
        {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            fail(what + ": no answer within " + WAIT_SECONDS + " s (the apply thread stopped or hangs)");
            throw ex;
        }
    }

    static void ok(final CompletableFuture<CommandResult> f, final String what) throws Exception
    {
        final CommandResult r = within(f, what);
        assertEquals(ResultCode.OK, r.code(), () -> what + ": " + r);
    }

    /** Waits (bounded) until {@code cache}'s apply thread answers a command of its own: a no-op safe point. */
    static void applyThreadAlive(final RegionCache cache, final String what) throws Exception
    {
        ok(cache.advanceSafePoint(0), what + " (the engine-wide safe point 0, a no-op)");
    }

    /** @return whether region {@code id}'s load ended: installed (ACTIVE) or failed (no record). */
    static java.util.function.BooleanSupplier loadEnded(final RegionCache cache, final long id)
    {
        return () -> cache.stateOf(id) == null || cache.stateOf(id) == io.regioncache.RegionState.ACTIVE;
    }
}
