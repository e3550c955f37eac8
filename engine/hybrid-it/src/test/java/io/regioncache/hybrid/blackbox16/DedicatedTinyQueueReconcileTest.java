package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/**
 * README l.1257: "The write's future completes with that {@code INVALID} or {@code STALE_EPOCH} only once the eviction
 * is done (a full command queue is retried from a timer thread, never the apply thread), so a read made after the
 * answer is the store's." A command queue of 2 slots kept full by a second thread.
 */
class DedicatedTinyQueueReconcileTest
{
    @TempDir
    Path dir;

    private final Map<Long, CompletableFuture<Void>> installed = new ConcurrentHashMap<>();

    private CompletableFuture<Void> installedFuture(final long id)
    {
        return installed.computeIfAbsent(id, x -> new CompletableFuture<>());
    }

    private static CommandResult done(final CompletableFuture<CommandResult> f)
    {
        try
        {
            return f.get(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("no answer in 30 s", ex);
        }
    }

    private void load(final HybridEngine e, final Region region) throws Exception
    {
        installed.remove(region.id());
        final CompletableFuture<Void> ready = installedFuture(region.id());
        assertEquals(ResultCode.OK, done(e.loadRegion(region)).code());
        ready.get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void refusedWritesAnswerAfterTheirEvictionUnderAFullQueue(final Bb16.Kind kind) throws Exception
    {
        final AtomicBoolean stop = new AtomicBoolean();
        try (HybridEngine e = HybridEngine.owning(kind.open(dir.resolve("s")), Bb16.config().commandQueueCapacity(2)
                .commandDrainLimit(1).onLoadInstalled(id -> installedFuture(id).complete(null)));
            HybridReader r = e.newReader())
        {
            final Thread pressure = new Thread(() ->
            {
                while (!stop.get())
                {
                    e.advanceSafePoint(3, 0); // an unknown region: answered, and it takes a queue slot
                }
            });
            long v = 10;
            done(e.write(new WriteBatch(1, 1, ++v).put(b("b"), b("b" + v))));
            done(e.write(new WriteBatch(2, 1, v).put(b("n"), b("n" + v))));
            load(e, new Region(1, OPEN, b("m"), 1));
            pressure.start();
            try
            {
                for (int round = 0; round < 30; round++)
                {
                    load(e, new Region(2, b("m"), OPEN, 1));
                    final long w = ++v;
                    final CommandResult a = done(e.write(new WriteBatch(1, 1, w).put(b("n"), b("n" + w))));
                    assertEquals(ResultCode.INVALID, a.code(), a::toString);
                    assertEquals("n" + w, s(r.get(2, 1, w + 1, b("n"))), "round " + round + " via " + r.lastStatus());
                }
            }
            finally
            {
                stop.set(true);
                pressure.join(30_000);
            }
            assertEquals(30, e.metrics().reconciliations());
        }
    }
}
