package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.cycle;
import static io.regioncache.blackbox15.B.cycles;
import static io.regioncache.blackbox15.B.metric;
import static io.regioncache.blackbox15.B.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.WriteBatch;

/** The host's GC executor and idle strategy on the apply thread (README, "The engine alone"). */
class ExecutorsAndIdleTest
{
    /**
     * README: "an executor that throws fails its job as a rejection would ..., and anything but a
     * `RejectedExecutionException` is counted in `apply.errors` too" (here the `gcExecutor`), and "One that throws
     * ... is logged and the thread goes on".
     */
    @Test
    void gcExecutorThrowingFailsTheCompactionOnly() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker()
            .gcExecutor(job -> { throw new IllegalStateException("broken gc executor"); }).build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("1"))));
            cycle(cache, cache.write(new WriteBatch(1, 1, 2).put(b("c"), b("2"))));
            final long memory = cache.memoryInUse();
            final CommandResult started = cycle(cache, cache.compact(1));
            cycles(cache, 5);
            assertTrue(started.code() == ResultCode.OK || started.code() == ResultCode.SKIPPED, started.toString());
            assertEquals(1, metric(cache, "apply.errors"));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(memory, cache.memoryInUse(), "the failed compaction gave its tables back");
            try (Snapshot s = cache.snapshot(1, 1, 2))
            {
                assertEquals("2", new String(s.get(b("c"))));
            }
            assertEquals(ResultCode.OK, cycle(cache, cache.write(new WriteBatch(1, 1, 3).put(b("c"), b("3")))).code());
        }
    }

    /** README: "`SKIPPED` (... and a compaction that cannot start)": one already running, or a PENDING region. */
    @Test
    void compactionThatCannotStartIsSkipped() throws Exception
    {
        final List<Runnable> held = new ArrayList<>();
        try (RegionCache cache = RegionCache.create(B.invoker().gcExecutor(held::add).closeTimeoutMillis(200)
            .build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("1"))));
            assertEquals(ResultCode.OK, cycle(cache, cache.compact(1)).code());
            final CommandResult again = cycle(cache, cache.compact(1));
            assertEquals(ResultCode.SKIPPED, again.code(), again.toString());
            assertTrue(!again.detail().isEmpty(), "SKIPPED with the reason");
            for (final Runnable job : held)
            {
                job.run();
            }
            cycles(cache, 5);
            assertEquals(1, metric(cache, "compactions.finished"));
            try (Snapshot s = cache.snapshot(1, 1, 1))
            {
                assertEquals("1", new String(s.get(b("c"))));
            }
        }
    }

    /**
     * README: "Host code that runs on the apply thread: ... the configured `IdleStrategy` ... One that throws (an
     * `Error` included ...) is logged and the thread goes on ... the idle strategy's is counted in `apply.errors`".
     */
    @Test
    void throwingIdleStrategyIsCountedAndTheThreadGoesOn() throws Exception
    {
        final AtomicInteger calls = new AtomicInteger();
        final IdleStrategy base = new BackoffIdleStrategy(10, 10, 1_000, 100_000);
        final IdleStrategy throwing = new IdleStrategy()
        {
            @Override
            public void idle(final int workCount)
            {
                final int n = calls.incrementAndGet();
                if (n == 3)
                {
                    throw new StackOverflowError("idle on purpose");
                }
                if (n == 5)
                {
                    throw new IllegalStateException("idle on purpose");
                }
                base.idle(workCount);
            }

            @Override
            public void idle()
            {
                base.idle();
            }

            @Override
            public void reset()
            {
                base.reset();
            }
        };
        try (RegionCache cache = RegionCache.create(B.cfg().idleStrategy(throwing).build()))
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            long version = 1;
            for (int i = 0; i < 10_000 && metric(cache, "apply.errors") < 2; i++)
            {
                assertEquals(ResultCode.OK,
                    r(cache.write(new WriteBatch(1, 1, version++).put(b("c"), b("x")))).code());
            }
            assertEquals(2, metric(cache, "apply.errors"));
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, version).put(b("c"), b("y")))).code());
        }
    }
}
