package io.regioncache.ycsb.blackbox26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.codehaus.jackson.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, RegionCacheHybridDB: "a region splits at the median of a sample of up to 512 of its inserted keys once it
 * holds regioncache.splitKeys of them, each half keeping half the count, so N inserts leave between N/splitKeys and
 * 2N/splitKeys regions (... the runner logs the count after every phase)"; "GC runs every regioncache.gcEveryWrites
 * writes (... 0 = off), at the version acknowledged one GC round earlier". With one client thread every write is
 * acknowledged at its own version, so the safe point after W writes is exactly (floor(W/g) - 1) * g once two rounds
 * ran (a store never collected reports -1).
 */
class HybridSplitAndGcTest
{
    private static Runner.Run hybrid(final Path dir, final String workloads, final int records, final int operations,
        final int threads, final String... props) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("--systems", "regioncache", "--workloads", workloads,
            "--records", "" + records, "--operations", "" + operations, "--seconds", "0", "--threads", "" + threads,
            "--data", dir.resolve("data").toString(), "--out", dir.resolve("out").toString(),
            "-p", "regioncache.cacheBytes=" + (64 << 20)));
        for (final String p : props)
        {
            args.add("-p");
            args.add(p);
        }
        final Runner.Run r = Runner.run(args.toArray(new String[0]));
        assertEquals(0, r.exit(), r.all());
        return r;
    }

    private static long expectedSafePoint(final long writes, final long every)
    {
        if (every == 0 || writes / every < 2)
        {
            return -1;
        }
        return (writes / every - 1) * every;
    }

    /** Writes per phase (inserts and updates; a read-modify-write counts its update) and the logged GC safe point. */
    private static void assertSafePoints(final Path dir, final Runner.Run r, final long every) throws Exception
    {
        final Results res = new Results(dir.resolve("out/ycsb-results.json"));
        final List<String[]> logged = r.layouts();
        final List<JsonNode> rows = res.rows("regioncache");
        assertEquals(rows.size(), logged.size(), "one layout line per phase: " + r.out());
        long writes = 0;
        for (int i = 0; i < rows.size(); i++)
        {
            final JsonNode row = rows.get(i);
            writes += Results.count(row, "INSERT") + Results.count(row, "UPDATE");
            final String phase = row.get("workload").getTextValue();
            assertEquals(phase, logged.get(i)[0], r.out());
            assertEquals(expectedSafePoint(writes, every), Long.parseLong(logged.get(i)[2]),
                "gcEveryWrites=" + every + ", after " + phase + " (" + writes + " writes): " + r.out());
            assertEquals(Long.parseLong(logged.get(i)[2]), row.get("gcSafePoint").getLongValue(), "json = log");
        }
    }

    @Test
    void gcEveryHundredWritesCollectsAtTheVersionOfTheRoundBefore(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = hybrid(dir, "a,f,c", 300, 300, 1, "regioncache.gcEveryWrites=100",
            "regioncache.splitKeys=64");
        assertSafePoints(dir, r, 100);
    }

    @Test
    void gcEveryWriteCollectsAtThePreviousWrite(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = hybrid(dir, "a", 150, 100, 1, "regioncache.gcEveryWrites=1");
        assertSafePoints(dir, r, 1);
        assertEquals("149", r.layouts().get(0)[2], "after 150 inserts, GC at the 149th: " + r.out());
    }

    @Test
    void gcZeroIsOff(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = hybrid(dir, "a,f", 200, 200, 2, "regioncache.gcEveryWrites=0");
        for (final String[] l : r.layouts())
        {
            assertEquals("-1", l[2], "no GC with gcEveryWrites=0: " + r.out());
        }
        assertEquals(3, r.layouts().size(), r.out());
    }

    @Test
    void oneRoundIsNotEnoughForAGc(@TempDir final Path dir) throws Exception
    {
        // the first round has no earlier round to collect at; the second collects at the first's version
        final Runner.Run r = hybrid(dir, "c", 200, 10, 1, "regioncache.gcEveryWrites=200");
        assertEquals("-1", r.layouts().get(0)[2], r.out());
        final Runner.Run half = hybrid(dir.resolve("half"), "c", 200, 10, 1, "regioncache.gcEveryWrites=100");
        assertEquals("100", half.layouts().get(0)[2], half.out());
    }

    /** The README's bound, checked after every phase against the inserts counted so far. */
    private static void assertRegionBounds(final Path dir, final Runner.Run r, final long splitKeys) throws Exception
    {
        final Results res = new Results(dir.resolve("out/ycsb-results.json"));
        final List<String[]> logged = r.layouts();
        final List<JsonNode> rows = res.rows("regioncache");
        assertEquals(rows.size(), logged.size(), r.out());
        long inserts = 0;
        for (int i = 0; i < rows.size(); i++)
        {
            inserts += Results.ok(rows.get(i), "INSERT");
            final long regions = Long.parseLong(logged.get(i)[1]);
            assertEquals(regions, rows.get(i).get("regions").getLongValue(), "json = log");
            assertTrue(regions * splitKeys >= inserts && regions * splitKeys <= 2 * inserts || inserts < splitKeys
                && regions == 1, "splitKeys=" + splitKeys + ": " + inserts + " inserts left " + regions +
                " regions after " + logged.get(i)[0] + "; README: between N/splitKeys and 2N/splitKeys\n" + r.out());
        }
    }

    @Test
    void regionCountBoundsForSeveralSplitSizesAfterTheLoad(@TempDir final Path dir) throws Exception
    {
        int run = 0;
        for (final int[] c : new int[][] {{300, 64, 2}, {300, 7, 1}, {300, 7, 2}, {257, 2, 2}, {300, 300, 1},
            {300, 301, 1}, {300, 150, 1}, {100, 1, 1}})
        {
            final Path d = dir.resolve("r" + run++);
            final Runner.Run r = hybrid(d, "c", c[0], 1, c[2], "regioncache.splitKeys=" + c[1]);
            assertRegionBounds(d, r, c[1]);
        }
    }

    @Test
    void splitKeysEqualToTheRecordsSplitsOnceAtTheLastInsert(@TempDir final Path dir) throws Exception
    {
        assertEquals("2", hybrid(dir.resolve("a"), "c", 300, 1, 1, "regioncache.splitKeys=300").layouts().get(0)[1]);
        assertEquals("1", hybrid(dir.resolve("b"), "c", 300, 1, 1, "regioncache.splitKeys=301").layouts().get(0)[1]);
        // one split per insert when every region splits at its first: 100 inserts, 101 regions
        assertEquals("101", hybrid(dir.resolve("c"), "c", 100, 1, 1, "regioncache.splitKeys=1").layouts().get(0)[1]);
    }

    @Test
    void orderedKeysReachTheUpperBound(@TempDir final Path dir) throws Exception
    {
        // keys inserted in key order: every split's right half takes every later insert
        final Runner.Run r = hybrid(dir, "c", 320, 1, 1, "regioncache.splitKeys=64", "insertorder=ordered",
            "zeropadding=8");
        assertRegionBounds(dir, r, 64);
        assertEquals("10", r.layouts().get(0)[1], "1 + (320 - 64) / 32 splits: " + r.out());
    }

    /** splitKeys above the 512-key sample: the bound still holds, and in key order it is reached exactly. */
    @Test
    void boundsHoldWithMoreInsertsPerSplitThanTheSampleHolds(@TempDir final Path dir) throws Exception
    {
        final Runner.Run hashed = hybrid(dir.resolve("h"), "c", 6000, 1, 2, "regioncache.splitKeys=1200",
            "fieldcount=1", "fieldlength=10", "regioncache.gcEveryWrites=0");
        assertRegionBounds(dir.resolve("h"), hashed, 1200);
        final Runner.Run ordered = hybrid(dir.resolve("o"), "c", 6000, 1, 2, "regioncache.splitKeys=1200",
            "fieldcount=1", "fieldlength=10", "insertorder=ordered", "zeropadding=8", "regioncache.gcEveryWrites=0");
        assertRegionBounds(dir.resolve("o"), ordered, 1200);
        assertEquals("10", ordered.layouts().get(0)[1], "1 + (6000 - 1200) / 600 splits: " + ordered.out());
    }

    @Test
    void boundsHoldAfterTheInsertingWorkloads(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = hybrid(dir, "d,e", 300, 600, 2, "regioncache.splitKeys=16");
        assertRegionBounds(dir, r, 16);
    }

    /**
     * D and E insert, E rewriting the keys D inserted (README). With a split at every insert, a re-inserted key that
     * starts its region cannot split it (the median of [key, key] is the region's start): the count is dropped, so
     * N inserts leave fewer than N/splitKeys regions (seen: 132 inserts, 119 regions; 140 inserts, 122 regions).
     */
    @Test
    void rewrittenKeysCanSkipASplitButNeverAddARegion(@TempDir final Path dir) throws Exception
    {
        // When written, this asserted the README's bound as it then read ("N inserts leave between N/splitKeys and
        // 2N/splitKeys regions") and failed in 3 of 3 runs (132 inserts, 119 regions); the README now bounds it by
        // distinct keys and says a rewrite can skip a split. The upper bound holds for any inserts.
        final Runner.Run r = hybrid(dir, "d,e", 100, 400, 1, "regioncache.splitKeys=1");
        final Results res = new Results(dir.resolve("out/ycsb-results.json"));
        final List<String[]> logged = r.layouts();
        long inserts = 0;
        for (int i = 0; i < logged.size(); i++)
        {
            inserts += Results.ok(res.rows("regioncache").get(i), "INSERT");
            final long regions = Long.parseLong(logged.get(i)[1]);
            assertTrue(regions >= 100 && regions <= 2 * inserts, inserts + " inserts left " + regions + " regions after "
                + logged.get(i)[0] + " (the load's 100 distinct keys at least)\n" + r.out());
        }
    }
}
