package io.regioncache.bench.blackbox13c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "regions" and "stat" (lines 164-214) on the files a finished drive left (nothing running): a catalog with
 * no cached region, a stale counters file whose "updated ... ago" grows, pipes and a directory with nothing running.
 */
@Timeout(300)
class RegionsStat13cTest
{
    @TempDir
    static Path shared;
    private static Run13c fixture;
    private static Path catalog;
    private static Path counters;

    /** A finished drive with the load policy off (--auto-load 0): nothing was ever cached. */
    @BeforeAll
    static void finishedDriveWithNothingCached()
    {
        catalog = shared.resolve("regions.cat");
        counters = shared.resolve("rc.counters");
        fixture = Run13c.run("drive", "--keys", "4000", "--regions", "2", "--duration", "1200ms", "--auto-load", "0",
            "--catalog", catalog.toString(), "--counters", counters.toString(), "--progress", "off");
    }

    /**
     * README l.162-165: regions "prints each cached region ... A catalog left behind by a finished run keeps its last
     * list": a run that cached nothing leaves a catalog listing none; the table is its header and "0 region(s)", the
     * JSON an empty array, exit 0 (a valid catalog, not a refusal).
     */
    @Test
    void aCatalogOfARunThatCachedNothingListsNoRegion()
    {
        assertEquals(0, fixture.code(), fixture.all());
        assertTrue(fixture.out().contains("ACTIVE 0\n"), fixture.out());
        final Run13c t = Run13c.run("regions", "--catalog", catalog.toString());
        assertEquals(0, t.code(), t.all());
        final List<String> lines = t.out().lines().toList();
        assertEquals(2, lines.size(), t.out());
        assertTrue(lines.get(0).trim().startsWith("id  range"), t.out());
        assertEquals("0 region(s)", lines.get(1));
        final Run13c j = Run13c.run("regions", "--json", "--catalog", catalog.toString());
        assertEquals(0, j.code(), j.all());
        assertEquals(0, JsonParser.parseString(j.out()).getAsJsonArray().size(), j.out());
    }

    /**
     * README l.207-208: "After the host closes, the file keeps its final values (`updated ... ago` grows)": two reads
     * of a finished run's file give the same counters, and the second's "updated" is later.
     */
    @Test
    void aStaleCountersFileKeepsItsValuesAndUpdatedAgoGrows()
    {
        assertEquals(0, fixture.code(), fixture.all());
        final Run13c a = Run13c.run("stat", "--file", counters.toString());
        assertEquals(0, a.code(), a.all());
        final double agoA = Run13c.decimal(a.out(), "^pid \\d+, updated (\\d+\\.\\d)s ago");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Run13c b;
        double agoB;
        do
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            b = Run13c.run("stat", "--file", counters.toString());
            agoB = Run13c.decimal(b.out(), "^pid \\d+, updated (\\d+\\.\\d)s ago");
        }
        while (agoB <= agoA + 0.2 && System.nanoTime() < deadline);
        assertTrue(agoB > agoA + 0.2, agoA + " then " + agoB);
        assertEquals(a.out().substring(a.out().indexOf('\n')), b.out().substring(b.out().indexOf('\n')),
            "the final values stay");
    }

    /**
     * README l.206-207 and l.165-167: stat and regions pointed at what is not their file, with nothing running: a
     * named pipe (which must not block the reader), a directory, a missing file in a directory with nothing running:
     * a message and exit 2.
     */
    @Test
    void pipesDirectoriesAndMissingFilesAreRefusedWithExit2(@TempDir final Path dir) throws Exception
    {
        final Path fifo = dir.resolve("pipe");
        final boolean made = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0;
        assumeTrue(made, "mkfifo");
        for (final String[] args : new String[][] {{"stat", "--file", fifo.toString()},
            {"regions", "--catalog", fifo.toString()}, {"stat", "--file", dir.toString(), "--json"},
            {"regions", "--catalog", dir.toString(), "--json"}, {"stat", "--file", dir.resolve("rc.counters")
            .toString(), "--filter", "loads."}, {"regions", "--catalog", dir.resolve("regions.cat").toString()}})
        {
            final Run13c r = Run13c.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.all());
            assertTrue(r.out().isEmpty(), r.all());
            assertTrue(r.err().startsWith("--"), "a message naming the option: " + r.err());
        }
        assertTrue(Files.exists(fifo) && !Files.exists(dir.resolve("rc.counters")) &&
            !Files.exists(dir.resolve("regions.cat")), "nothing created");
    }

    /**
     * README l.198-200: durations' fractional means and maxima are held in microseconds as
     * `<name>.duration.mean_us` and `<name>.duration.max_us`; stat lists no `_ms` counter, and every `mean_us` has its
     * `max_us`.
     */
    @Test
    void durationCountersAreInMicroseconds()
    {
        assertEquals(0, fixture.code(), fixture.all());
        final Run13c t = Run13c.run("stat", "--file", counters.toString());
        assertEquals(0, t.code(), t.all());
        final List<String> names = t.out().lines().skip(1).map(l -> l.split("\\s+")[0]).toList();
        assertTrue(names.stream().noneMatch(n -> n.endsWith("_ms")), names.toString());
        final List<String> means = names.stream().filter(n -> n.endsWith(".duration.mean_us")).toList();
        assertTrue(!means.isEmpty(), names.toString());
        for (final String m : means)
        {
            assertTrue(names.contains(m.replace(".mean_us", ".max_us")), m);
        }
    }
    /**
     * README l.197-200: the counters are "the names of RegionCache.metrics()", durations' mean_ms/max_ms held as
     * mean_us/max_us: the drive's JSON report carries the engine's metrics by name; stat lists the same names.
     */
    @Test
    void statListsTheNamesOfTheEngineMetrics(@TempDir final Path dir) throws java.io.IOException
    {
        final Path json = dir.resolve("r.json");
        final Path c = dir.resolve("c.counters");
        final Run13c d = Run13c.run("drive", "--keys", "4000", "--regions", "2", "--duration", "1500ms", "--json",
            json.toString(), "--counters", c.toString(), "--progress", "off");
        assertEquals(0, d.code(), d.all());
        final java.util.Set<String> metrics = new java.util.TreeSet<>();
        for (final String k : JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject(
            "metrics").keySet())
        {
            metrics.add(k.endsWith(".duration.mean_ms") || k.endsWith(".duration.max_ms") ?
                k.substring(0, k.length() - 3) + "_us" : k);
        }
        final Run13c s = Run13c.run("stat", "--file", c.toString(), "--json");
        assertEquals(0, s.code(), s.all());
        final java.util.Set<String> stat = new java.util.TreeSet<>();
        for (final String k : JsonParser.parseString(s.out()).getAsJsonObject().keySet())
        {
            if (!k.startsWith("file."))
            {
                stat.add(k);
            }
        }
        assertEquals(metrics, stat);
    }
}
