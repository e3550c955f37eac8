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

    /** One JMH result as {@code -rf json} writes it (shared with the other renderer tests of this package). */
    static String result(final String benchmark, final String params, final double score)
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
    void eachGetAgainstItsOwnLoadsAndTheTargetsFloors() throws Exception
    {
        final String at = "\"keys\": \"1000000\", \"pages\": \"default\"";
        final String rc = "\"keys\": \"1000000\", \"distribution\": \"uniform\", \"store\": ";
        final List<ResultsRenderer.Result> rs = read(
            result("MemoryLatencyBenchmark.chase1", at, 200),
            result("MemoryLatencyBenchmark.chaseEntry", at, 260),
            result("MemoryLatencyBenchmark.entries16", at, 480),
            result("MemoryLatencyBenchmark.touch16", at, 960),
            result("ReadBenchmark.get", rc + "\"regioncache\"", 325),
            result("ReadBenchmark.get", rc + "\"chronicle-map\"", 600),
            result("MultiGetBenchmark.multiGet16", rc + "\"regioncache-multiget\"", 120));
        final StringBuilder md = new StringBuilder();
        MissUnits.render(md, rs);
        // floors: chaseEntry 260, entries16 per entry 30, touch16 per key 60
        assertTrue(md.toString().contains("| 1000000 | default | 200.0 | - | - | - | - | 260.0 | 30.00 | 60.00 |"),
            md.toString());
        // the get: 325 / 200 chase1 = 1.63, / 260 chaseEntry = 1.25; multiGet: 120 / 200 = 0.60, / 60 = 2.00
        assertTrue(md.toString().contains("store=regioncache | 325.0 | 1.63 | 1.25 |"), md.toString());
        assertTrue(md.toString().contains("store=regioncache-multiget | 120.0 | 0.60 | 2.00 |"), md.toString());
        final StringBuilder targets = new StringBuilder();
        Targets.render(targets, rs);
        assertTrue(targets.toString().contains(
            "| floor of the get target: chaseEntry (one 2-line entry) / chase1 | 1.300 x | goal above: <= 1.5 | floor |"),
            targets.toString());
        // 30 ns per entry / 600 ns Chronicle Map = 0.05
        assertTrue(targets.toString().contains("chronicle-map best single get | 0.050 x | goal above: <= 0.1 | floor |"),
            targets.toString());
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
