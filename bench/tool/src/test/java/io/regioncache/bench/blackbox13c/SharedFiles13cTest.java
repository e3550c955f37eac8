package io.regioncache.bench.blackbox13c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CountersFile;

/**
 * README "stat" (l.202-205): "a second engine given the same path, in this process or another, replaces it again, and
 * the file then shows the second engine only (the first goes on writing its unlinked old file)"; README "regions"
 * (l.164-165): "A catalog left behind by a finished run keeps its last list; the updated column shows how old it is".
 */
@Timeout(300)
class SharedFiles13cTest
{
    private static List<String> child(final String... toolArgs)
    {
        return Run13c.childCommand(toolArgs);
    }

    private static Long pidIn(final Path counters)
    {
        try
        {
            final Map<String, Long> m = CountersFile.read(counters);
            return m.get("file.pid");
        }
        catch (final RuntimeException notYet)
        {
            return null;
        }
    }

    /**
     * A drive in a child JVM publishes to F; a second drive in this JVM is given the same F while the child still
     * runs: F then shows this JVM's engine (its pid), and keeps showing it after the child, still writing its unlinked
     * file, publishes its final values and exits 0. stat reads this engine's pid.
     */
    @Test
    void aSecondEngineOnTheSamePathInAnotherProcessTakesTheFileOver(@TempDir final Path dir) throws Exception
    {
        final Path f = dir.resolve("rc.counters");
        final Process p = new ProcessBuilder(child("drive", "--counters", f.toString(), "--duration", "6s", "--keys",
            "4000", "--regions", "2", "--progress", "off")).redirectOutput(dir.resolve("child.out").toFile())
            .redirectError(dir.resolve("child.err").toFile()).start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Long.valueOf(p.pid()).equals(pidIn(f)) && p.isAlive() && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertEquals(Long.valueOf(p.pid()), pidIn(f), "the child's counters file: " +
                Files.readString(dir.resolve("child.err")));
            final Run13c mine = Run13c.run("drive", "--counters", f.toString(), "--duration", "1s", "--keys", "4000",
                "--regions", "2", "--progress", "off");
            assertEquals(0, mine.code(), mine.all());
            assertTrue(p.isAlive(), "the child still runs (the test's timing assumption)");
            assertEquals(Long.valueOf(ProcessHandle.current().pid()), pidIn(f), "the second engine's file");
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child ended");
            assertEquals(0, p.exitValue(), Files.readString(dir.resolve("child.out")) +
                Files.readString(dir.resolve("child.err")));
            assertEquals(Long.valueOf(ProcessHandle.current().pid()), pidIn(f),
                "the first engine's final publish went to its unlinked old file");
            final Run13c stat = Run13c.run("stat", "--file", f.toString());
            assertEquals(0, stat.code(), stat.all());
            assertTrue(stat.out().startsWith("pid " + ProcessHandle.current().pid() + ", updated "), stat.out());
        }
        finally
        {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<double[]> rows(final String table)
    {
        final List<double[]> out = new ArrayList<>();
        final Pattern row = Pattern.compile("^\\s*(\\d+)\\s+\\[.*\\s(\\d+\\.\\d)s$");
        for (final String l : table.lines().toList())
        {
            final Matcher m = row.matcher(l);
            if (m.matches())
            {
                out.add(new double[] {Long.parseLong(m.group(1)), Double.parseDouble(m.group(2))});
            }
        }
        return out;
    }

    /** A finished drive's catalog: the same regions on every read, each row's "updated" growing. */
    @Test
    void aStaleCatalogKeepsItsListAndUpdatedGrows(@TempDir final Path dir)
    {
        final Path cat = dir.resolve("regions.cat");
        final Run13c d = Run13c.run("drive", "--catalog", cat.toString(), "--duration", "2500ms", "--keys", "8000",
            "--regions", "4", "--progress", "off");
        assertEquals(0, d.code(), d.all());
        final Run13c a = Run13c.run("regions", "--catalog", cat.toString());
        assertEquals(0, a.code(), a.all());
        final List<double[]> ra = rows(a.out());
        assertTrue(!ra.isEmpty(), "the run cached regions: " + a.out() + d.out());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<double[]> rb;
        do
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            final Run13c b = Run13c.run("regions", "--catalog", cat.toString());
            assertEquals(0, b.code(), b.all());
            rb = rows(b.out());
        }
        while (rb.size() == ra.size() && rb.get(0)[1] <= ra.get(0)[1] + 0.2 && System.nanoTime() < deadline);
        assertEquals(ra.size(), rb.size(), "the last list stays");
        for (int i = 0; i < ra.size(); i++)
        {
            assertEquals(ra.get(i)[0], rb.get(i)[0], "same region ids in the same order");
            assertTrue(rb.get(i)[1] > ra.get(i)[1], "updated grows: " + ra.get(i)[1] + " then " + rb.get(i)[1]);
        }
    }
}
