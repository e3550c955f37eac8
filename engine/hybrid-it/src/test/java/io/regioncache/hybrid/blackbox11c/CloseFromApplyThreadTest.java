package io.regioncache.hybrid.blackbox11c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.Stores;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Audit 11c: an owning {@link HybridEngine} on RocksDB and LMDB closed from a command callback on the apply thread
 * (README: {@code close()} may be called from there) while a load of a large region copies from the store and four
 * reader threads read through both paths. The cache's shutdown then finishes on a thread of its own while the engine
 * closes the store at once. The standard: the close returns, every future completes, the readers see values or typed
 * errors ({@link StoreException}, {@link IllegalStateException}), never a crash or a hang, and the directory reopens
 * with every acknowledged write.
 */
final class CloseFromApplyThreadTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    @ParameterizedTest
    @EnumSource(Stores.class)
    @Timeout(90)
    void closeFromACallbackDuringALoadAndReads(final Stores kind, @TempDir final Path dir) throws Exception
    {
        for (int round = 0; round < 3; round++)
        {
            final HybridEngine engine = HybridEngine.owning(kind.open(dir),
                RegionCacheConfig.builder().capacityBytes(256L << 20).maxKeyLength(256).closeTimeoutMillis(2_000));
            final Region region = new Region(1, b("a"), b("z"), 1);
            final long base = round * 1_000_000L;
            if (round == 0)
            {
                engine.await(engine.createRegion(region));
                for (int v = 1; v <= 200; v++)
                {
                    final WriteBatch batch = new WriteBatch(1, 1, v);
                    for (int k = 0; k < 100; k++)
                    {
                        batch.put(b("k" + (v * 100 + k)), new byte[200]);
                    }
                    engine.write(batch);
                }
                engine.await(engine.write(new WriteBatch(1, 1, 201).put(b("last"), b("x"))));
                engine.await(engine.evict(1, io.regioncache.EvictReason.MANUAL));
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong readsAfterClose = new AtomicLong();
            final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            final List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                final Thread t = new Thread(() ->
                {
                    final HybridReader reader = engine.newReader();
                    while (!stop.get())
                    {
                        if (engine.cache().isClosed())
                        {
                            readsAfterClose.incrementAndGet();
                        }
                        try
                        {
                            final byte[] v = reader.get(1, 1, Long.MAX_VALUE, b("last"));
                            if (v != null && v.length != 1)
                            {
                                unexpected.add(new AssertionError("read " + v.length + " bytes"));
                            }
                        }
                        catch (final StoreException | IllegalStateException expected)
                        {
                            // the store or the reader closed under it: typed
                        }
                        catch (final Throwable other)
                        {
                            unexpected.add(other);
                        }
                    }
                }, "reader-" + i);
                readers.add(t);
                t.start();
            }
            final CompletableFuture<CommandResult> load = engine.loadRegion(region);
            final CompletableFuture<CommandResult> closer = engine.advanceSafePoint(base)
                .thenApply(r ->
                {
                    engine.close(); // on the apply thread, while the load copies
                    return r;
                });
            final CommandResult closeAnswer = closer.get(10, TimeUnit.SECONDS);
            assertTrue(closeAnswer.code() == ResultCode.OK, closeAnswer::toString);
            final CommandResult loadAnswer = load.get(10, TimeUnit.SECONDS);
            System.out.println(kind + " round " + round + ": load " + loadAnswer);
            // The callback called close() before it answered: the readers race the closing (then closed) engine
            // for a few thousand reads each before they stop.
            assertTrue(engine.cache().isClosed(), "close() began on the apply thread");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (readsAfterClose.get() < 4 * 2_000 && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            stop.set(true);
            for (final Thread t : readers)
            {
                t.join(10_000);
                assertTrue(!t.isAlive(), "a reader hung after the close");
            }
            assertTrue(unexpected.isEmpty(), () -> "untyped: " + unexpected.peek());
            assertEquals(ResultCode.CLOSED,
                engine.write(new WriteBatch(1, 1, 1_000_000).put(b("late"), b("y"))).get(10, TimeUnit.SECONDS).code());
        }
        try (HybridEngine again = HybridEngine.owning(kind.open(dir),
            RegionCacheConfig.builder().capacityBytes(256L << 20).maxKeyLength(256)))
        {
            assertArrayEquals(b("x"), again.newReader().get(1, 1, Long.MAX_VALUE, b("last")));
            assertArrayEquals(new byte[200], again.newReader().get(1, 1, Long.MAX_VALUE, b("k20099")));
        }
    }
}
