package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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

    @Test
    void countersFollowTheEngineAndSurviveClose() throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final byte[] k = "k".getBytes(StandardCharsets.UTF_8);
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(8L << 20)
            .segmentSize(1 << 16).threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .countersFile(file).countersIntervalMillis(10).build()))
        {
            cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get();
            for (int v = 1; v <= 5; v++)
            {
                cache.write(new WriteBatch(1, 1, v).put(k, k)).get();
            }
            final long deadline = System.nanoTime() + 5_000_000_000L;
            Map<String, Long> c = CountersFile.read(file);
            while (c.getOrDefault("apply.puts", 0L) < 5 && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
                c = CountersFile.read(file);
            }
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

    @Test
    void notACountersFileIsATypedError() throws Exception
    {
        final Path bogus = dir.resolve("bogus");
        Files.write(bogus, new byte[4096]);
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(bogus));
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(dir.resolve("missing")));
    }
}
