package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** Host callbacks that throw, block or call back into the cache. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CallbacksBlackBoxTest
{
    private static void reads(final RegionCache cache, final long id, final long epoch, final String k, final String v)
    {
        reads(cache, id, epoch, k, v, 100);
    }

    private static void reads(final RegionCache cache, final long id, final long epoch, final String k, final String v,
        final long at)
    {
        final Snapshot s = cache.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, s.open(id, epoch, at));
            assertArrayEquals(b(v), s.get(b(k)));
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * RegionCacheConfig.Builder.onLoadInstalled Javadoc / README Tests table: "A listener that throws is logged and
     * counted (apply.errors); the region stays ACTIVE and the load's other regions ... are still told." An
     * AssertionError (a host's own assert) is a throw too.
     */
    @Test
    void aLoadListenerThrowingAnErrorLeavesTheRegionsActiveAndTellsEveryPiece() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("left"));
        store.put(b("p"), 5, b("right"));
        final List<Runnable> loads = new ArrayList<>();
        final List<Long> told = new CopyOnWriteArrayList<>();
        try (RegionCache cache = RegionCache.create(BB.wide().backingStore(store).loaderExecutor(loads::add)
            .onLoadInstalled(id ->
            {
                told.add(id);
                throw new AssertionError("host listener failed for " + id);
            }).build()))
        {
            expect(cache, ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            assertTrue(BB.poll(cache, 20_000, () -> !loads.isEmpty()));
            expect(cache, ResultCode.OK, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2));
            loads.remove(0).run();
            BB.poll(cache, 20_000, () -> told.size() >= 2);
            for (int i = 0; i < 100; i++)
            {
                cache.applyCycle();
            }
            final String seen = "told " + told + ", states " + cache.stateOf(1) + "/" + cache.stateOf(2) +
                ", apply.errors " + cache.metrics().get("apply.errors") + ", INTERNAL_ERROR " +
                cache.metrics().get("results.INTERNAL_ERROR");
            assertEquals(List.of(1L, 2L), told.stream().sorted().toList(), "each piece told once: " + seen);
            assertEquals(RegionState.ACTIVE, cache.stateOf(1), "the region stays ACTIVE");
            assertEquals(RegionState.ACTIVE, cache.stateOf(2), "the region stays ACTIVE");
            assertEquals(List.of(1L, 2L), told.stream().sorted().toList(), "each piece told once");
            reads(cache, 2, 2, "c", "left");
            reads(cache, 1, 2, "p", "right");
            assertEquals(2L, cache.metrics().get("apply.errors"));
            assertEquals(0L, cache.metrics().get("results.INTERNAL_ERROR"));
        }
    }

    /** A callback on a command future that throws on the dedicated apply thread: the apply thread keeps going. */
    @Test
    void aThrowingCallbackOnTheApplyThreadDoesNotStopIt() throws Exception
    {
        try (RegionCache cache = RegionCache.create(BB.dedicated().build()))
        {
            expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            final List<CompletableFuture<CommandResult>> all = new ArrayList<>();
            for (int v = 1; v <= 200; v++)
            {
                final CompletableFuture<CommandResult> f = cache.write(new WriteBatch(1, 1, v).put(b("c"), b("v" + v)));
                f.thenAccept(r ->
                {
                    throw new IllegalStateException("host callback");
                });
                f.thenAccept(r ->
                {
                    throw new StackOverflowError("host callback");
                });
                all.add(f);
            }
            for (final CompletableFuture<CommandResult> f : all)
            {
                assertEquals(ResultCode.OK, f.get(10, TimeUnit.SECONDS).code());
            }
            reads(cache, 1, 1, "c", "v200", 1_000);
        }
    }

    /** Commands submitted from inside a completion callback (no waiting) complete too, also across close(). */
    @Test
    void commandsSubmittedFromACallbackComplete() throws Exception
    {
        final RegionCache cache = RegionCache.create(BB.dedicated().build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final List<CompletableFuture<CommandResult>> chained = new CopyOnWriteArrayList<>();
        final CompletableFuture<CommandResult> first = new CompletableFuture<>();
        final AtomicReference<Throwable> err = new AtomicReference<>();
        chainWrite(cache, 1, chained, 500, err);
        assertTrue(BB.poll(null, 20_000, () -> chained.size() >= 500 || err.get() != null));
        cache.close();
        for (final CompletableFuture<CommandResult> f : chained)
        {
            final CommandResult r = f.get(10, TimeUnit.SECONDS);
            assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.CLOSED, r::toString);
        }
        assertEquals(null, err.get());
        assertEquals(0, cache.memoryInUse());
        first.complete(null);
    }

    private static void chainWrite(final RegionCache cache, final long v, final List<CompletableFuture<CommandResult>> out,
        final int max, final AtomicReference<Throwable> err)
    {
        final CompletableFuture<CommandResult> f = cache.write(new WriteBatch(1, 1, v).put(b("c"), b("v" + v)));
        out.add(f);
        f.whenComplete((r, t) ->
        {
            if (t != null)
            {
                err.set(t);
            }
            else if (v < max)
            {
                chainWrite(cache, v + 1, out, max, err);
            }
        });
    }

    /** close() called from a completion callback, i.e. on the dedicated apply thread itself. */
    @Test
    void closeFromACallbackOnTheApplyThreadReturnsAndCompletesEverything() throws Exception
    {
        final RegionCache cache = RegionCache.create(BB.dedicated().closeTimeoutMillis(500).build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final CompletableFuture<Void> closedInCallback = new CompletableFuture<>();
        final CompletableFuture<CommandResult> trigger = cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v")));
        trigger.thenRun(() ->
        {
            try
            {
                cache.close();
                closedInCallback.complete(null);
            }
            catch (final Throwable t)
            {
                closedInCallback.completeExceptionally(t);
            }
        });
        final List<CompletableFuture<CommandResult>> later = new ArrayList<>();
        for (int v = 2; v < 50; v++)
        {
            later.add(cache.write(new WriteBatch(1, 1, v).put(b("c"), b("v" + v))));
        }
        closedInCallback.get(20, TimeUnit.SECONDS);
        assertTrue(cache.isClosed());
        for (final CompletableFuture<CommandResult> f : later)
        {
            final CommandResult r = f.get(10, TimeUnit.SECONDS);
            assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.CLOSED, r::toString);
        }
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 100));
        assertEquals(ResultCode.CLOSED, cache.write(new WriteBatch(1, 1, 99).put(b("c"), b("x"))).get(1,
            TimeUnit.SECONDS).code());
        assertTrue(BB.poll(null, 20_000, () -> cache.memoryInUse() == 0), "memory " + cache.memoryInUse());
    }

    /** A callback of a command that close() completes CLOSED calls close() again, on both apply modes. */
    @Test
    void closeFromACallbackOfACommandCompletedClosedAtClose() throws Exception
    {
        for (final boolean dedicated : new boolean[] {false, true})
        {
            final RegionCache cache = RegionCache.create((dedicated ? BB.dedicated() : BB.wide()).build());
            expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            final List<CompletableFuture<CommandResult>> queued = new ArrayList<>();
            for (int v = 1; v < 2_000; v++)
            {
                final CompletableFuture<CommandResult> f = cache.write(new WriteBatch(1, 1, v).put(b("c"), b("v")));
                f.thenRun(cache::close);
                queued.add(f);
            }
            final CompletableFuture<Void> closed = CompletableFuture.runAsync(cache::close);
            closed.get(20, TimeUnit.SECONDS);
            for (final CompletableFuture<CommandResult> f : queued)
            {
                f.get(10, TimeUnit.SECONDS);
            }
            assertTrue(BB.poll(null, 20_000, () -> cache.memoryInUse() == 0));
        }
    }
}
