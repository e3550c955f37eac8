package io.regioncache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Waiting on a command of an INVOKER-threaded engine, shared by the contract tests: the test thread is the apply
 * thread, so it runs duty cycles until the future completes (bounded), then reads the result with a timeout.
 */
public final class InvokerCommands
{
    private static final int MAX_CYCLES = 10_000;
    private static final long TIMEOUT_SECONDS = 10;

    /** The contract tests' key and value limits ({@link #config}). */
    static final int MAX_KEY = 16;
    static final int MAX_VALUE = 64;

    private InvokerCommands()
    {
    }

    /**
     * @return the contract tests' engine: INVOKER threading, loads and compactions run inline, 64 MB, keys up to
     * {@link #MAX_KEY} and values up to {@link #MAX_VALUE} bytes.
     */
    static RegionCacheConfig.Builder config()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(MAX_KEY)
            .maxValueLength(MAX_VALUE)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000);
    }

    /**
     * @param cache an INVOKER-threaded engine (a closed one runs no cycle; its futures are already complete).
     * @param f     a future of one of its commands.
     * @return the command's result.
     * @throws Exception if the future failed or did not complete in time.
     */
    static CommandResult await(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        return await(cache, f, MAX_CYCLES);
    }

    /**
     * {@link #await} with a bound of the caller's (the audits' bulk commands, tens of thousands of regions, take more
     * cycles). Public for the black-box packages, which see only the engine's public API and these fixtures.
     *
     * @param cache     an INVOKER-threaded engine.
     * @param f         a future of one of its commands.
     * @param maxCycles duty cycles to run at most before waiting on the future.
     * @return the command's result.
     * @throws Exception if the future failed or did not complete in time.
     */
    public static CommandResult await(final RegionCache cache, final CompletableFuture<CommandResult> f,
        final int maxCycles) throws Exception
    {
        for (int i = 0; i < maxCycles && !f.isDone() && !cache.isClosed(); i++)
        {
            cache.applyCycle();
        }
        return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * {@link #await}, then assert the result's code.
     *
     * @param cache the engine.
     * @param code  the code expected.
     * @param f     the command's future.
     * @return the result.
     * @throws Exception if the future failed or did not complete in time.
     */
    static CommandResult expect(final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f)
        throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(code, r.code(), () -> "result: " + r);
        return r;
    }
}
