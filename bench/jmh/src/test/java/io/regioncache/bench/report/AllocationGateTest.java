package io.regioncache.bench.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The smoke run's zero-allocation gate reads JMH's JSON through Gson: it must pass a RegionCache read result at
 * 0 B/op, fail one that allocates, ignore peers, refuse a run without {@code -prof gc}, and parse JMH's "NaN".
 */
class AllocationGateTest
{
    @TempDir
    Path dir;

    private static String result(final String benchmark, final String store, final String allocNorm)
    {
        return "{\"benchmark\": \"io.regioncache.bench." + benchmark + "\", \"mode\": \"avgt\", \"threads\": 1," +
            "\"params\": {\"store\": \"" + store + "\", \"keys\": \"1000\"}," +
            "\"primaryMetric\": {\"score\": 41.5, \"scoreError\": \"NaN\", \"scoreUnit\": \"ns/op\"}," +
            "\"secondaryMetrics\": " + (allocNorm == null ? "{}" :
            "{\"gc.alloc.rate.norm\": {\"score\": " + allocNorm + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"B/op\"}}") +
            "}";
    }

    private List<ResultsRenderer.Result> read(final String... results) throws Exception
    {
        final Path f = dir.resolve("r.json");
        Files.writeString(f, "[" + String.join(",", results) + "]", StandardCharsets.UTF_8);
        return ResultsRenderer.read(f);
    }

    @Test
    void zeroAllocationPasses() throws Exception
    {
        final List<ResultsRenderer.Result> rs = read(
            result("ReadBenchmark.get", "regioncache", "0.001"),
            result("ReadBenchmark.get", "chronicle-map", "192.0")); // peers may allocate
        assertEquals(2, rs.size());
        assertTrue(Double.isNaN(rs.get(0).primary.error), "JMH's \"NaN\" string parses as NaN");
        assertTrue(ResultsRenderer.checkAlloc(rs));
    }

    @Test
    void allocatingRegionCacheReadFails() throws Exception
    {
        assertFalse(ResultsRenderer.checkAlloc(read(result("ReadBenchmark.get", "regioncache", "24.0"))));
        assertFalse(ResultsRenderer.checkAlloc(read(result("SnapshotBenchmark.pinUnpin", "x", "16.0"))));
    }

    @Test
    void runWithoutGcProfilerFails() throws Exception
    {
        assertFalse(ResultsRenderer.checkAlloc(read(result("ReadBenchmark.get", "regioncache", null))));
    }
}
