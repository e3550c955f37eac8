package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory-mapped counters file: written while the engine runs, readable by name, final values kept. */
class CountersFileTest
{
    @TempDir
    Path dir;

    /**
     * README: "a second engine given the same path ... replaces it again, and the file then shows the second engine
     * only (the first goes on writing its unlinked old file)": no mix of the two, and the first engine keeps serving.
     */
    @Test
    void aSecondEngineOnTheSamePathReplacesTheFile() throws Exception
    {
        final Path file = dir.resolve("shared.counters");
        final RegionCacheConfig.Builder config = RegionCacheConfig.builder().capacityBytes(8L << 20)
            .segmentSize(1 << 16).countersFile(file).countersIntervalMillis(1);
        try (RegionCache first = RegionCache.create(config.build()))
        {
            first.createRegion(new Region(1, new byte[] {'a'}, new byte[] {'b'}, 1)).get(10, TimeUnit.SECONDS);
            first.createRegion(new Region(2, new byte[] {'b'}, new byte[] {'c'}, 1)).get(10, TimeUnit.SECONDS);
            first.publishCounters().get(30, TimeUnit.SECONDS);
            assertEquals(2, CountersFile.read(file).get("regions.ACTIVE"));
            try (RegionCache second = RegionCache.create(config.build()))
            {
                second.createRegion(new Region(1, new byte[] {'a'}, new byte[] {'b'}, 1)).get(10, TimeUnit.SECONDS);
                second.publishCounters().get(30, TimeUnit.SECONDS);
                // the first publishes every millisecond into its own (unlinked) file; this one is the second's
                for (int i = 0; i < 20; i++)
                {
                    first.publishCounters().get(30, TimeUnit.SECONDS);
                    assertEquals(1, CountersFile.read(file).get("regions.ACTIVE"), "read " + i);
                }
                assertEquals(ResultCode.OK, first.write(new WriteBatch(1, 1, 1).put(new byte[] {'a'},
                    new byte[] {'v'})).get(10, TimeUnit.SECONDS).code(), "the first engine serves on");
            }
        }
    }

    @Test
    void countersFollowTheEngineAndSurviveClose() throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final byte[] k = "k".getBytes(StandardCharsets.UTF_8);
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(8L << 20)
            .segmentSize(1 << 16).threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .countersFile(file).countersIntervalMillis(60_000).build()))
        {
            cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get();
            for (int v = 1; v <= 5; v++)
            {
                cache.write(new WriteBatch(1, 1, v).put(k, k)).get();
            }
            // Each write's future completes after the apply counted it; the publish runs after that, on the file's
            // own writer thread, so the file must hold all five.
            cache.publishCounters().get(30, TimeUnit.SECONDS);
            final Map<String, Long> c = CountersFile.read(file);
            assertEquals(5, c.get("apply.puts"), c.toString());
            assertEquals(1, c.get("regions.ACTIVE"));
            assertEquals(ProcessHandle.current().pid(), c.get("file.pid"));
            assertTrue(c.get("file.updated_ms") > 0);
            assertTrue(c.get("memory.used") > 0);
        }
        final Map<String, Long> after = CountersFile.read(file);
        assertEquals(0, after.get("regions.ACTIVE"), "the last publish at close shows the evicted state");
        assertEquals(5, after.get("apply.puts"));
    }

    /**
     * Found by a black-box audit of the README: {@code close()} stopped the publisher with {@code shutdownNow()},
     * which dropped the requests still queued, and their futures never completed (4,885 of 5,000 here). Each must
     * complete, and normally: close's final publish holds everything applied before it.
     */
    @Test
    void publishRequestsQueuedAtCloseComplete() throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final byte[] k = "k".getBytes(StandardCharsets.UTF_8);
        final List<CompletableFuture<Void>> requests = new ArrayList<>();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(8L << 20)
            .segmentSize(1 << 16).countersFile(file).countersIntervalMillis(60_000).build());
        cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get(30, TimeUnit.SECONDS);
        cache.write(new WriteBatch(1, 1, 1).put(k, k)).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 5_000; i++)
        {
            requests.add(cache.publishCounters());
        }
        cache.close();
        int failed = 0;
        for (final CompletableFuture<Void> request : requests)
        {
            assertTrue(request.isDone(), "a publishCounters() future left pending by close()");
            failed += request.isCompletedExceptionally() ? 1 : 0;
        }
        assertEquals(0, failed, "the publisher stopped, so close()'s final publish answered every request");
        assertEquals(1, CountersFile.read(file).get("apply.puts"));
        final ExecutionException after = assertThrows(ExecutionException.class,
            () -> cache.publishCounters().get(30, TimeUnit.SECONDS));
        assertTrue(after.getCause() instanceof IllegalStateException, after.toString());
    }

    @Test
    void publishingWithoutACountersFileFailsTyped() throws Exception
    {
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(8L << 20)
            .segmentSize(1 << 16).build()))
        {
            final ExecutionException ex = assertThrows(ExecutionException.class, () -> cache.publishCounters().get());
            assertTrue(ex.getCause() instanceof IllegalStateException, ex.toString());
        }
    }

    @Test
    void notACountersFileIsATypedError() throws Exception
    {
        final Path bogus = dir.resolve("bogus");
        Files.write(bogus, new byte[4096]);
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(bogus));
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(dir.resolve("missing")));
    }
}
