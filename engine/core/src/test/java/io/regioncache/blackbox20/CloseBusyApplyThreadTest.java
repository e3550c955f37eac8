package io.regioncache.blackbox20;

import static io.regioncache.blackbox17.B.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.blackbox17.B;
import io.regioncache.store.InMemoryBackingStore;
import io.regioncache.ApplyThreadHook;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;

/** README "## Reliability", "Every future completes". */
class CloseBusyApplyThreadTest
{
    /**
     * README: "queued commands complete `CLOSED` at close"; "every queued write does with the dedicated apply thread
     * busy when `close()` begins".
     */
    @Test
    void queuedWritesCompleteClosedWhenTheApplyThreadIsBusyAtClose() throws Exception
    {
        final ApplyThreadHook hook = new ApplyThreadHook();
        final RegionCache cache = RegionCache.create(B.invoker().threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .backingStore(new InMemoryBackingStore()).loaderExecutor(hook).closeTimeoutMillis(10_000).build());
        cache.createRegion(new Region(1, b("a"), b("z"), 1)).get(10, TimeUnit.SECONDS);
        final CountDownLatch inCallback = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        // Hold the apply thread in a write's callback. A callback attached to a future already complete runs on the
        // attaching thread instead, so the apply thread is held (ApplyThreadHook) while the write is made and its
        // callback attached; retrying that race instead lost it 1,000 times in a row in one CI run (of another test).
        long version = 1;
        final Runnable letGo = hook.hold(cache, () -> cache.loadRegion(new Region(900, b("zz"), b("zzz"), 1)));
        final CompletableFuture<CommandResult> held = cache.write(new WriteBatch(1, 1, version++).put(b("b"), b("0")));
        held.thenRun(() ->
        {
            if (!cache.isApplyThread())
            {
                return;
            }
            inCallback.countDown();
            try
            {
                release.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        });
        letGo.run();
        assertTrue(inCallback.await(30, TimeUnit.SECONDS), "the apply thread is busy in a callback");
        final List<CompletableFuture<CommandResult>> queued = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            queued.add(cache.write(new WriteBatch(1, 1, version++).put(b("c"), b("1"))));
        }
        final Thread closer = new Thread(cache::close);
        closer.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cache.isClosed() && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertTrue(cache.isClosed(), "close() began");
        release.countDown();
        closer.join(60_000);
        assertTrue(!closer.isAlive(), "close() returned");
        for (int i = 0; i < queued.size(); i++)
        {
            final CompletableFuture<CommandResult> f = queued.get(i);
            assertTrue(f.isDone(), "write " + i + " answered by the time close() returns");
            assertEquals(ResultCode.CLOSED, f.getNow(null).code(), "write " + i + ": " + f.getNow(null));
        }
        assertEquals(0, cache.memoryInUse());
    }

    /**
     * README: "queued commands complete `CLOSED` at close" (INVOKER: close() called from a command's callback inside
     * applyCycle(); the commands still queued behind it).
     */
    @Test
    void queuedCommandsBehindACloseFromACallbackCompleteClosed() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.invoker().build());
        B.cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        final CompletableFuture<CommandResult> first = cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("0")));
        first.thenRun(cache::close);
        final List<CompletableFuture<CommandResult>> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            queued.add(cache.write(new WriteBatch(1, 1, 2 + i).put(b("c"), b("1"))));
        }
        cache.applyCycle();
        assertTrue(cache.isClosed());
        assertEquals(ResultCode.OK, first.getNow(null).code());
        for (int i = 0; i < queued.size(); i++)
        {
            final CompletableFuture<CommandResult> f = queued.get(i);
            assertTrue(f.isDone(), "write " + i + " answered once the cycle returns");
            assertEquals(ResultCode.CLOSED, f.getNow(null).code(), "write " + i + ": " + f.getNow(null));
        }
        assertEquals(0, cache.memoryInUse());
    }
}
