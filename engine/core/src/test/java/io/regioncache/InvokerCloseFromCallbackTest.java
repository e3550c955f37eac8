package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README, "The engine alone": "{@code close()} may be called from any thread, also from a command future's callback
 * ..., which run on the apply thread: there it refuses new commands at once and finishes the shutdown" once the
 * callback has returned. On an INVOKER-threaded engine the apply thread is the host's, inside
 * {@link RegionCache#applyCycle()}: the shutdown used to run right there, nested inside the cycle that was completing
 * the command (the cycle's agent work again, the pool closed), and the outer cycle then went on with its own work on
 * an engine already shut down. Now the shutdown runs when that {@code applyCycle()} returns, on the same thread.
 */
class InvokerCloseFromCallbackTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code publishCounters()}: "fails with IllegalStateException if ... the cache is closed", from the moment
     * {@code close()} began, also in the window a {@code close()} made inside a cycle leaves before its shutdown (the
     * request was accepted there, and completed by the shutdown's final publish).
     */
    @Test
    void publishCountersFailsAsSoonAsCloseBegan(@TempDir final Path dir)
        throws Exception
    {
        final RegionCache cache = RegionCache.create(InvokerCommands.config()
            .countersFile(dir.resolve("rc.counters")).build());
        final AtomicReference<CompletableFuture<Void>> duringClose = new AtomicReference<>();
        final CompletableFuture<CommandResult> f = cache.createRegion(new Region(1, b("a"), b("m"), 1));
        f.thenRun(() ->
        {
            cache.close();
            duringClose.set(cache.publishCounters());
        });
        cache.applyCycle();
        assertTrue(duringClose.get().isCompletedExceptionally(), "accepted after close() began");
        final Throwable t = assertThrows(ExecutionException.class,
            () -> duringClose.get().get(10, TimeUnit.SECONDS)).getCause();
        assertEquals(IllegalStateException.class, t.getClass(), t.toString());
        assertTrue(cache.isClosed());
    }

    @Test
    void closeFromACallbackInsideApplyCycleShutsDownAfterTheCycle() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("b"), 1, b("vb"));
        final RegionCache cache = RegionCache.create(InvokerCommands.config().backingStore(store).build());
        InvokerCommands.expect(cache, ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
        for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));

        final AtomicReference<String> insideCycle = new AtomicReference<>();
        final List<CompletableFuture<CommandResult>> later = new ArrayList<>();
        final CompletableFuture<CommandResult> first = cache.write(new WriteBatch(1, 1, 2).put(b("c"), b("vc")));
        first.thenRun(() ->
        {
            cache.close();
            // still inside the cycle: new commands are refused at once, the shutdown has not run yet
            insideCycle.set(cache.isClosed() + " " + cache.write(new WriteBatch(1, 1, 9).put(b("x"), b("x")))
                .getNow(null).code() + " " + cache.stateOf(1) + " " + cache.isEnabled());
        });
        for (int v = 3; v < 8; v++)
        {
            later.add(cache.write(new WriteBatch(1, 1, v).put(b("d" + v), b("v"))));
        }
        cache.applyCycle();

        // refused at once, and the region still there: the shutdown did not run inside the callback (it did, nested,
        // evicting every region before the callback returned); isEnabled() is false from close() on ("false for good
        // once close() has run"), not only once the shutdown disabled the agent
        assertEquals("true CLOSED ACTIVE false", insideCycle.get());
        assertEquals(ResultCode.OK, first.get(10, TimeUnit.SECONDS).code());
        for (final CompletableFuture<CommandResult> f : later)
        {
            final ResultCode code = f.get(10, TimeUnit.SECONDS).code();
            assertTrue(code == ResultCode.OK || code == ResultCode.CLOSED, "a command queued behind it: " + code);
        }
        assertNull(cache.stateOf(1), "the shutdown evicted every region when the cycle returned");
        assertEquals(0, cache.memoryInUse(), "zero bytes in use after the shutdown");
        assertEquals(0L, cache.metrics().get("apply.errors"));
        assertEquals(0, cache.applyCycle(), "a closed engine's cycle does nothing");
        cache.close(); // returns at once: the shutdown has ended
        store.close();
    }
}
