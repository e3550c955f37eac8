package io.regioncache.blackbox11a;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;

/** Helpers for audit 11a (numeric boundaries): public API only. */
final class B11
{
    /** The largest epoch a region may have (README: "epochs outside 0..2^32-1"). */
    static final long MAX_EPOCH = (1L << 32) - 1;

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

    /** An INVOKER engine (the test thread runs the apply cycles). */
    static RegionCacheConfig.Builder invoker()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(256L << 20)
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

    static CommandResult expect(
        final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f, final String ctx)
        throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(code, r.code(), () -> ctx + ": " + r);
        return r;
    }

    static void ok(final RegionCache cache, final CompletableFuture<CommandResult> f, final String ctx) throws Exception
    {
        expect(cache, ResultCode.OK, f, ctx);
    }
}
