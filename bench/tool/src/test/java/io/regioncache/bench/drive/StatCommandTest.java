package io.regioncache.bench.drive;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code regioncache stat}: reads a live engine's counters file; a bad file is a usage error (exit 2). */
class StatCommandTest
{
    private static String[] run(final String... args)
    {
        return ToolRun.run(args);
    }

    @Test
    void statReadsALiveEngine(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(8L << 20)
            .segmentSize(1 << 16).countersFile(file).countersIntervalMillis(60_000).build()))
        {
            cache.createRegion(new Region(7, new byte[0], new byte[0], 1)).get();
            cache.publishCounters().get(30, TimeUnit.SECONDS); // the file now shows the region ACTIVE
            final String[] r = run("stat", "--file", file.toString(), "--filter", "regions.");
            assertEquals("0", r[0], r[2]);
            assertTrue(r[1].startsWith("pid " + ProcessHandle.current().pid()), r[1]);
            assertTrue(r[1].matches("(?s).*regions\\.ACTIVE\\s+1\\n.*"), r[1]);
            assertTrue(!r[1].contains("memory.used"), "--filter keeps only matching names");

            final String[] json = run("stat", "--file", file.toString(), "--json");
            assertEquals("0", json[0], json[2]);
            assertTrue(json[1].contains("\"regions.ACTIVE\": 1"), json[1]);
        }
        final String[] bad = run("stat", "--file", dir.resolve("missing").toString());
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("no counters file"), bad[2]);
    }
}
