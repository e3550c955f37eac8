package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * {@code regions} reads the catalog a {@code drive} in ANOTHER JVM publishes while it runs.
 */
class RegionsCrossProcessTest
{
    private static String[] regions(final String... args)
    {
        return ToolRun.run("regions", args);
    }

    @Test
    void regionsListsActiveRegionsOfARunningDriveInAnotherJvm(@TempDir final Path dir) throws Exception
    {
        final Path catalog = dir.resolve("regions.catalog");
        final Path childOut = dir.resolve("child.out");
        final Path childErr = dir.resolve("child.err");
        final List<String> cmd = ToolRun.childCommand(
            "drive", "--catalog", catalog.toString(), "--duration", "10m", "--keys", "20000", "--regions", "8",
            "--split-keys", "5000", "--progress", "plain");
        final Process child = new ProcessBuilder(cmd).redirectOutput(childOut.toFile())
            .redirectError(childErr.toFile()).start();
        try
        {
            // Wait until the child has published ACTIVE regions. The child runs far longer than the test needs and is
            // stopped once read: no race with its end on a loaded machine (its own PASS is DriveRunTest's business).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            String json = "";
            String[] table = null;
            while (true)
            {
                if (!child.isAlive())
                {
                    fail("drive exited (" + child.exitValue() + ") before its catalog listed ACTIVE regions:\n" +
                        Files.readString(childOut) + Files.readString(childErr));
                }
                if (Files.isRegularFile(catalog) && Files.size(catalog) > 0)
                {
                    try
                    {
                        final String[] r = regions("--catalog", catalog.toString(), "--json");
                        if ("0".equals(r[0]))
                        {
                            json = r[1];
                        }
                    }
                    catch (final RuntimeException ex)
                    {
                        json = ""; // the child may still be initialising the file
                    }
                    // ACTIVE regions listed, and the child's first progress line out (asserted below): a catalog read
                    // in the workload's first second may come before that line.
                    // The table asserted below is read here too, and the wait ends only once it lists an ACTIVE
                    // region as well: the running drive's policy may evict or reload regions between two reads.
                    if (json.contains("\"state\": \"ACTIVE\"") && Files.readString(childErr).contains("ops/s"))
                    {
                        table = regions("--catalog", catalog.toString());
                        if ("0".equals(table[0]) && table[1].contains(" ACTIVE "))
                        {
                            break;
                        }
                    }
                }
                if (System.nanoTime() > deadline)
                {
                    fail("no ACTIVE region in the catalog in time; last: " + json + "\ntable: " +
                        (table == null ? "none" : String.join("\n", table)) + "\nchild:\n" +
                        Files.readString(childOut) + Files.readString(childErr));
                }
                Thread.sleep(200);
            }
            assertTrue(child.isAlive(), "read while the other JVM was running");

            assertEquals("0", table[0], table[2]);
            final String[] lines = table[1].split("\n");
            assertTrue(lines[0].contains("id") && lines[0].contains("range") && lines[0].contains("epoch") &&
                lines[0].contains("state") && lines[0].contains("pins") && lines[0].contains("applied") &&
                lines[0].contains("gets") && lines[0].contains("scanned") && lines[0].contains("updated"), lines[0]);
            long active = 0;
            for (int i = 1; i < lines.length - 1; i++)
            {
                assertTrue(lines[i].matches("\\s*\\d+\\s+\\[\\S+, \\S+\\)\\s+\\d+\\s+\\S+\\s+\\d+\\s+.*s"), lines[i]);
                active += lines[i].contains(" ACTIVE ") ? 1 : 0;
            }
            assertTrue(active > 0, "ACTIVE regions listed:\n" + table[1]);
            assertTrue(lines[lines.length - 1].matches("\\d+ region\\(s\\)"), lines[lines.length - 1]);

            assertTrue(child.isAlive(), "the table was read while the other JVM was still running");
            assertTrue(Files.readString(childErr).contains("ops/s"), "progress lines on stderr");
        }
        finally
        {
            if (child.isAlive())
            {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertTrue(new File(catalog.toString()).exists());
    }
}
