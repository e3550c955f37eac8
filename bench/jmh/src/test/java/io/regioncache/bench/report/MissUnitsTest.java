package io.regioncache.bench.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A get is divided by the chase on its own page backing: a {@code -huge} store by the chase on huge pages, every
 * other store by the default one, and results older than the {@code pages} parameter by the chase at that size.
 */
class MissUnitsTest
{
    @TempDir
    Path dir;

    private static String result(final String benchmark, final String params, final double score)
    {
        return "{\"benchmark\": \"io.regioncache.bench." + benchmark + "\", \"mode\": \"avgt\", \"threads\": 1," +
            "\"params\": {" + params + "}," +
            "\"primaryMetric\": {\"score\": " + score + ", \"scoreError\": 1.0, \"scoreUnit\": \"ns/op\"}," +
            "\"secondaryMetrics\": {}}";
    }

    private List<ResultsRenderer.Result> read(final String... results) throws Exception
    {
        final Path f = dir.resolve("r.json");
        Files.writeString(f, "[" + String.join(",", results) + "]", StandardCharsets.UTF_8);
        return ResultsRenderer.read(f);
    }

    @Test
    void eachGetAgainstTheChaseOnItsPages() throws Exception
    {
        final List<ResultsRenderer.Result> rs = read(
            result("MemoryLatencyBenchmark.chase1", "\"keys\": \"1000000\", \"pages\": \"default\"", 400),
            result("MemoryLatencyBenchmark.chase1", "\"keys\": \"1000000\", \"pages\": \"huge\"", 250),
            result("ReadBenchmark.get", "\"keys\": \"1000000\", \"store\": \"regioncache\"", 800),
            result("ReadBenchmark.get", "\"keys\": \"1000000\", \"store\": \"regioncache-huge\"", 500));
        assertEquals(400, MissUnits.chase1(rs, "1000000", "regioncache").primary.score);
        assertEquals(250, MissUnits.chase1(rs, "1000000", "regioncache-huge").primary.score);
        final StringBuilder md = new StringBuilder();
        MissUnits.render(md, rs);
        assertTrue(md.toString().contains("| 1000000 | huge | 250.0 |"), md.toString());
        assertTrue(md.toString().contains("store=regioncache-huge | 500.0 | 2.00 |"), md.toString());
        assertTrue(md.toString().contains("store=regioncache | 800.0 | 2.00 |"), md.toString());
    }

    @Test
    void resultsWithoutPagesUseTheChaseAtThatSize() throws Exception
    {
        final List<ResultsRenderer.Result> rs = read(
            result("MemoryLatencyBenchmark.chase1", "\"keys\": \"1000000\"", 369),
            result("ReadBenchmark.get", "\"keys\": \"1000000\", \"store\": \"regioncache\"", 763));
        assertEquals(369, MissUnits.chase1(rs, "1000000", "regioncache").primary.score);
    }
}
