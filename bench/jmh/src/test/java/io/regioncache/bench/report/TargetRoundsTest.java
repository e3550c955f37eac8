package io.regioncache.bench.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TargetRounds}: each round's ratio from that round's files only, the median over the rounds that have the
 * figures, the verdict from the median, the count of rounds that met the goal, and the README's number formats.
 */
class TargetRoundsTest
{
    @TempDir
    Path dir;

    private static String result(final String benchmark, final String params, final double score)
    {
        return MissUnitsTest.result(benchmark, params, score);
    }

    private static final String AT = "\"keys\": \"1000000\", \"pages\": \"default\"";
    private static final String RC = "\"keys\": \"1000000\", \"distribution\": \"uniform\", \"store\": ";

    /** Write one round: each result in a file of its own, as the script does. */
    private void round(final int n, final String... results) throws Exception
    {
        final Path r = Files.createDirectories(dir.resolve("round" + n));
        for (int i = 0; i < results.length; i++)
        {
            Files.writeString(r.resolve("f" + i + ".json"), "[" + results[i] + "]", StandardCharsets.UTF_8);
        }
    }

    private void fullRound(final int n, final double get, final double chase1, final double chronicle,
        final double chronicleOffheap) throws Exception
    {
        round(n,
            result("MemoryLatencyBenchmark.chase1", AT, chase1),
            result("MemoryLatencyBenchmark.chaseEntry", AT, chase1 * 1.1),
            result("MemoryLatencyBenchmark.entries16", AT, 16 * 25.0),
            result("ReadBenchmark.get", RC + "\"regioncache\"", get),
            result("ReadBenchmark.get", RC + "\"chronicle-map\"", chronicle),
            result("ReadBenchmark.get", RC + "\"chronicle-map-offheap\"", chronicleOffheap),
            result("MultiGetBenchmark.multiGet16", RC + "\"regioncache-multiget\"", 100),
            result("ScanBenchmark.scan100", RC + "\"regioncache\"", 3000),
            result("ScanBenchmark.scan100", RC + "\"lmdb\"", 5000),
            result("ScanBenchmark.scan100", RC + "\"rocksdb\"", 30000),
            result("ScanBenchmark.scan100", RC + "\"regioncache\", \"seek\": \"absent\"", 4000),
            result("ScanBenchmark.scan100", RC + "\"lmdb\", \"seek\": \"absent\"", 6000),
            result("LoadBenchmark.load", "\"keys\": \"1000000\", \"index\": \"entries\"", 450),
            result("LoadBenchmark.rocksdbScan", "\"keys\": \"1000000\", \"index\": \"entries\"", 350));
    }

    @Test
    void eachRoundItsOwnRatioTheMedianDecides() throws Exception
    {
        // get / chase1: 1.0, 2.0, 1.2 -> median 1.2 (met, 2 of 3); Chronicle at its best is the lower of its two
        fullRound(1, 200, 200, 600, 700);
        fullRound(2, 400, 200, 900, 800);
        fullRound(3, 240, 200, 500, 650);
        final String md = TargetRounds.render(TargetRounds.readRounds(dir));
        assertTrue(md.startsWith("| target | goal | round 1 (forward) | round 2 (reverse) | round 3 (forward) |"
            + " median | met |\n|---|---|---:|---:|---:|---:|---|\n"), md);
        assertTrue(md.contains("| get / one dependent miss (`chase1`) | ≤ 1.5× | 1.00× (200 / 200 ns) |"
            + " 2.00× (400 / 200 ns) | 1.20× (240 / 200 ns) | 1.20× | **yes** (2 of 3 rounds) |\n"), md);
        // 200/600 = 0.33, 400/800 = 0.50, 240/500 = 0.48: met in all three (0.5 is at the goal)
        assertTrue(md.contains("| get / Chronicle Map at its best | ≤ 0.5× | 0.33× (200 / 600 ns) |"
            + " 0.50× (400 / 800 ns) | 0.48× (240 / 500 ns) | 0.48× | **yes** (3 of 3 rounds) |\n"), md);
        // 100/600, 100/800, 100/500: three decimals for a goal below 0.2
        assertTrue(md.contains("| `multiGet` of 16, per key / Chronicle Map's best single get | ≤ 0.1× |"
            + " 0.167× (100 / 600 ns) | 0.125× (100 / 800 ns) | 0.200× (100 / 500 ns) | 0.167× | no (0 of 3 rounds) |"),
            md);
        assertTrue(md.contains("| scan100 / LMDB | ≤ 0.5× | 0.60× (3,000 / 5,000 ns) |"), md);
        assertTrue(md.contains("| scan100 / RocksDB | ≤ 0.15× | 0.100× (3,000 / 30,000 ns) |"), md);
        assertTrue(md.contains("| load of 1M keys until ACTIVE / bare RocksDB scan | ≤ 1.3× | 1.29× (450 / 350 ms) |"),
            md);
        // the floors: no goal, no verdict; entries16 per entry (400 / 16 = 25.0) with three decimals like its target
        assertTrue(md.contains("| *its floor:* one random 2-line index entry (`chaseEntry`) / `chase1` | |"
            + " 1.10× (220 / 200 ns) | 1.10× (220 / 200 ns) | 1.10× (220 / 200 ns) | 1.10× | (the loads alone) |\n"), md);
        assertTrue(md.contains("per entry / Chronicle Map's best single get | | 0.042× (25.0 / 600 ns) |"
            + " 0.031× (25.0 / 800 ns) | 0.050× (25.0 / 500 ns) | 0.042× | (the loads alone) |\n"), md);
        // the absent seeks: the scan rows above took only the present ones (3,000), this one the absent ones
        assertTrue(md.contains("| scan100 seeking absent keys / LMDB seeking absent keys | ≤ 0.5× |"
            + " 0.67× (4,000 / 6,000 ns) |"), md);
    }

    @Test
    void aRoundWithoutAFigureLeavesItsCellEmpty() throws Exception
    {
        fullRound(1, 300, 200, 600, 700);
        round(2, result("MemoryLatencyBenchmark.chase1", AT, 100)); // no get in round 2
        fullRound(3, 500, 200, 600, 700);
        final String md = TargetRounds.render(TargetRounds.readRounds(dir));
        // 1.5 and 2.5: the median of the two rounds that have it is their mean, 2.0
        assertTrue(md.contains("| get / one dependent miss (`chase1`) | ≤ 1.5× | 1.50× (300 / 200 ns) | |"
            + " 2.50× (500 / 200 ns) | 2.00× | no (1 of 2 rounds) |\n"), md);
    }

    @Test
    void roundsInNumericOrderAndADirectoryWithoutRoundsRefused() throws Exception
    {
        for (int n = 1; n <= 10; n++)
        {
            fullRound(n, 100 * n, 1000, 5000, 5000);
        }
        final List<List<ResultsRenderer.Result>> rounds = TargetRounds.readRounds(dir);
        assertEquals(10, rounds.size());
        final String md = TargetRounds.render(rounds);
        // round 10 after round 9, not after round 1
        assertTrue(md.contains("| 0.90× (900 / 1,000 ns) | 1.00× (1,000 / 1,000 ns) | 0.55× |"), md);
        final Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThrows(IllegalArgumentException.class, () -> TargetRounds.readRounds(empty));
    }

    @Test
    void theLoadsEarlierReferenceIsARowOnlyWhereARoundMeasuredIt() throws Exception
    {
        fullRound(1, 300, 200, 600, 700);
        String md = TargetRounds.render(TargetRounds.readRounds(dir));
        assertTrue(!md.contains("rocksdbScanDirect"), md); // a run made before the row: no empty row
        round(2, result("LoadBenchmark.load", "\"keys\": \"1000000\", \"index\": \"entries\"", 300),
            result("LoadBenchmark.rocksdbScanDirect", "\"keys\": \"1000000\", \"index\": \"entries\"", 240));
        md = TargetRounds.render(TargetRounds.readRounds(dir));
        // round 1 has no direct scan: its cell is empty; round 2's 300 / 240 = 1.25; a reference, so no verdict
        assertTrue(md.contains("| *its reference until run 21:* load / bare scan through direct buffers"
            + " (`rocksdbScanDirect`) | | | 1.25× (300 / 240 ms) | 1.25× | (the earlier reference) |\n"), md);
    }

    @Test
    void theMedian()
    {
        assertEquals(2.0, TargetRounds.median(new double[] {3, 1, 2}));
        assertEquals(2.5, TargetRounds.median(new double[] {4, 1, 3, 2}));
        assertEquals(7.0, TargetRounds.median(new double[] {7}));
    }
}
