package io.regioncache.bench.blackbox18;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CountersFile;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;

/** README "stat" (l.209-224): the counters file a host publishes, and {@code RegionCache.publishCounters()}. */
@Timeout(120)
class Counters18Test
{
    private static RegionCache engine(final Path file, final long capacity)
    {
        return RegionCache.create(RegionCacheConfig.builder().capacityBytes(capacity).segmentSize(1 << 16)
            .countersFile(file).countersIntervalMillis(3_600_000).build());
    }

    private static long capacityIn(final Path file)
    {
        return CountersFile.read(file).get("memory.capacity");
    }

    /**
     * README l.223-224: "Its future always completes: a request still queued when the host calls `close()` completes
     * with `close()`'s final publish (which holds everything applied before it), and one made after `close()` fails
     * with `IllegalStateException`."
     */
    @Test
    void publishRequestsQueuedAtCloseCompleteAndOneAfterCloseFailsWithIllegalState(@TempDir final Path dir)
        throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final List<CompletableFuture<Void>> asked = new ArrayList<>();
        final RegionCache cache = engine(file, 8L << 20);
        try
        {
            cache.createRegion(new Region(3, new byte[0], new byte[0], 1)).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 500; i++)
            {
                asked.add(cache.publishCounters());
            }
        }
        finally
        {
            cache.close();
        }
        for (final CompletableFuture<Void> f : asked)
        {
            f.get(30, TimeUnit.SECONDS); // completes, normally
        }
        assertEquals(1L, CountersFile.read(file).get("transitions.made.NEW->ACTIVE"), "applied before the call");
        final CompletableFuture<Void> after = cache.publishCounters();
        final ExecutionException ex = assertThrows(ExecutionException.class, () -> after.get(30, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, ex.getCause(), String.valueOf(ex.getCause()));
    }

    /**
     * README l.214-216: "`RegionCache.create` makes the file anew (an old one is replaced); a second engine given the
     * same path, in this process or another, replaces it again, and the file then shows the second engine only (the
     * first goes on writing its unlinked old file)". In this process: told apart by their capacities.
     */
    @Test
    void aSecondEngineInThisProcessTakesTheFileOver(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        Files.writeString(file, "not a counters file, an old one to be replaced\n".repeat(10));
        try (RegionCache first = engine(file, 8L << 20))
        {
            first.publishCounters().get(30, TimeUnit.SECONDS);
            assertEquals(8L << 20, capacityIn(file), "the old file replaced by the first engine's");
            try (RegionCache second = engine(file, 16L << 20))
            {
                second.publishCounters().get(30, TimeUnit.SECONDS);
                assertEquals(16L << 20, capacityIn(file), "the second engine's");
                first.publishCounters().get(30, TimeUnit.SECONDS);
                assertEquals(16L << 20, capacityIn(file), "the first writes its unlinked old file");
                first.close();
                assertEquals(16L << 20, capacityIn(file), "the first's final publish goes to its old file");
            }
        }
        assertEquals(16L << 20, capacityIn(file), "the second's final values stay");
        final Run18 stat = Run18.run("stat", "--file", file.toString(), "--filter", "memory.capacity");
        assertEquals(0, stat.code(), stat.all());
        assertTrue(stat.out().matches("(?s).*memory\\.capacity\\s+16,777,216\\n.*"), stat.out());
    }

    /**
     * README l.210-212: "counters are whole numbers, so the durations' fractional means and maxima,
     * `<name>.duration.mean_ms` and `<name>.duration.max_ms`, are held in microseconds as `<name>.duration.mean_us`
     * and `<name>.duration.max_us`". Every name of {@code RegionCache.metrics()} is in the file, under that rule, and
     * {@code stat --json} lists them all (plus the file's own pid and update time).
     */
    @Test
    void everyMetricIsInTheFileDurationsInMicroseconds(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        try (RegionCache cache = engine(file, 8L << 20))
        {
            cache.createRegion(new Region(5, new byte[0], new byte[0], 1)).get(30, TimeUnit.SECONDS);
            cache.publishCounters().get(30, TimeUnit.SECONDS);
            final var inFile = CountersFile.read(file);
            final var metrics = cache.metrics().values();
            for (final var e : metrics.entrySet())
            {
                final String name = e.getKey();
                if (name.endsWith(".duration.mean_ms") || name.endsWith(".duration.max_ms"))
                {
                    final String us = name.substring(0, name.length() - 3) + "_us";
                    assertTrue(inFile.containsKey(us), us + " in " + inFile.keySet());
                    assertTrue(!inFile.containsKey(name), name + " is held as " + us);
                }
                else
                {
                    assertTrue(inFile.containsKey(name), name + " in " + inFile.keySet());
                }
            }
            final Run18 json = Run18.run("stat", "--file", file.toString(), "--json");
            assertEquals(0, json.code(), json.all());
            final var o = com.google.gson.JsonParser.parseString(json.out()).getAsJsonObject();
            assertEquals(inFile.keySet(), o.keySet());
        }
    }

    /**
     * README l.209-213: "A host that sets `RegionCacheConfig.Builder.countersFile(path)` gets its metrics ... copied
     * every `countersIntervalMillis` (250 ms) by a daemon thread into a memory-mapped file". With the default interval
     * and no {@code publishCounters()}, a region created later shows in the file within a few intervals.
     */
    @Test
    void countersAreCopiedEvery250MillisecondsWithoutBeingAsked(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final RegionCacheConfig config = RegionCacheConfig.builder().capacityBytes(8L << 20).segmentSize(1 << 16)
            .countersFile(file).build();
        assertEquals(250, config.countersIntervalMillis());
        try (RegionCache cache = RegionCache.create(config))
        {
            cache.createRegion(new Region(9, new byte[0], new byte[0], 1)).get(30, TimeUnit.SECONDS);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // No request to wait on (the point is the copies made unasked): each copy's own stamp, file.updated_ms,
            // is the signal; the file is read again only once a copy stamped it again.
            long stamp = CountersFile.read(file).get("file.updated_ms");
            while (System.nanoTime() < deadline && CountersFile.read(file).get("regions.ACTIVE") != 1L)
            {
                final long seen = stamp;
                while (System.nanoTime() < deadline && (stamp = CountersFile.read(file).get("file.updated_ms")) == seen)
                {
                    Thread.yield();
                }
            }
            assertEquals(1L, CountersFile.read(file).get("regions.ACTIVE"), "copied without being asked");
            final boolean daemon = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().contains("counters")).allMatch(Thread::isDaemon);
            assertTrue(daemon, "the publisher is a daemon thread");
        }
    }
}
