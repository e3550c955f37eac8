package io.regioncache.blackbox9;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.regioncache.CountersFile;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code close()} from a host thread whose interrupt flag is set, while the counters file's publisher thread is busy
 * writing it (a second host thread asking {@code publishCounters()} without pause). The close cannot wait for that
 * thread then (the wait throws at once), and it used to unmap the file all the same, under the publisher's write: a
 * write into unmapped memory, which crashes the JVM (SIGSEGV), not a Java exception. Found reading the shutdown after
 * audit 9. Now the mapping is left to the GC when the publisher was not seen to stop. With the old code this test's
 * JVM is expected to die within its cycles; it must survive them and leave a readable file after each.
 */
final class CountersCloseInterruptedTest
{
    private static final int CYCLES = 200;

    @Test
    @Timeout(180)
    void anInterruptedCloseNeverUnmapsTheFileUnderItsPublisher(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("c.counters");
        final AtomicLong publishes = new AtomicLong();
        for (int cycle = 0; cycle < CYCLES; cycle++)
        {
            final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(16L << 20)
                .threading(RegionCacheConfig.Threading.INVOKER).countersFile(file).countersIntervalMillis(1)
                .closeTimeoutMillis(50).build());
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread asker = new Thread(() ->
            {
                // Keeps the publisher thread writing: each request is one more publish on it.
                CompletableFuture<Void> last = null;
                while (!stop.get())
                {
                    last = cache.publishCounters();
                    if (!last.isCompletedExceptionally())
                    {
                        publishes.incrementAndGet();
                    }
                }
            }, "publish-asker");
            asker.start();
            while (publishes.get() < (cycle + 1) * 20L)
            {
                Thread.onSpinWait(); // until this cycle's publisher is busy
            }
            Thread.currentThread().interrupt();
            try
            {
                cache.close();
            }
            finally
            {
                Thread.interrupted(); // the flag is this test's, not the next cycle's
                stop.set(true);
                asker.join(10_000);
            }
            assertTrue(!asker.isAlive(), "the asker thread ended");
            assertTrue(!CountersFile.read(file).isEmpty(), "the counters file stays readable after close (cycle "
                + cycle + ")");
        }
    }
}
