package io.regioncache.bench.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CountersFile;
import io.regioncache.bench.drive.RegionCacheTool;
import picocli.CommandLine;

/** README "The regioncache tool": drive, regions and stat as documented, through the tool's public entry point. */
class ToolBlackBoxTest
{
    private record Run(int code, String out, String err)
    {
    }

    private static Run run(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Make {@code dir} refuse new files: {@code chattr +i} (root ignores modes), else mode r-x. */
    private static boolean lock(final Path dir, final boolean locked) throws Exception
    {
        try
        {
            if (new ProcessBuilder("chattr", locked ? "+i" : "-i", dir.toString()).redirectErrorStream(true).start()
                .waitFor() == 0)
            {
                return true;
            }
        }
        catch (final IOException ex)
        {
            // no chattr here: fall back on the mode
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(locked ? "r-xr-xr-x" : "rwxr-xr-x"));
        return !locked || !Files.isWritable(dir);
    }

    /**
     * "output files ... whose directory must exist and be writable by the user (for --json, or the file itself when
     * it exists; --counters and --catalog are created anew ...)": found by the fourth audit, an existing writable
     * catalog or counters file in a directory that takes no new file passed the check, then failed the run after
     * setup (exit 1, a stack trace, no report). Now exit 2 before the workload; --json is written in place.
     */
    @Test
    void anExistingCatalogOrCountersFileInALockedDirectoryIsRefusedBeforeTheWorkload(@TempDir final Path dir)
        throws Exception
    {
        final Path locked = Files.createDirectories(dir.resolve("locked"));
        final Path json = Files.writeString(locked.resolve("report.json"), "old");
        final Path catalog = Files.writeString(locked.resolve("regions.cat"), "");
        final Path counters = Files.writeString(locked.resolve("counters.bin"), "");
        final boolean isLocked = lock(locked, true);
        try
        {
            assumeTrue(isLocked && Files.isWritable(json), "cannot lock a directory here");
            for (final String[] opt : new String[][] {{"--catalog", catalog.toString()},
                {"--counters", counters.toString()}})
            {
                final Run r = run("drive", "--ops", "300", "--keys", "2000", "--regions", "2", "--progress", "off",
                    opt[0], opt[1]);
                assertEquals(2, r.code(), opt[0] + ": " + r.out() + r.err());
                assertTrue(r.err().contains(opt[0] + ": cannot replace"), r.err());
                assertTrue(r.out().isEmpty(), "nothing ran: " + r.out());
            }
            final Run r = run("drive", "--ops", "300", "--keys", "2000", "--regions", "2", "--progress", "off",
                "--json", json.toString());
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(Files.readString(json).startsWith("{"), "report.json replaced in place");
        }
        finally
        {
            lock(locked, false);
        }
    }

    /**
     * "--counters and --catalog are created anew, so their directory must take a new file even when they exist": a
     * read-only old counters or catalog file in a writable directory is replaced, not refused (found by the fifth
     * audit: the check asked the old file to be writable, exit 2).
     */
    @Test
    void aReadOnlyOldCatalogOrCountersFileIsReplaced(@TempDir final Path dir) throws Exception
    {
        final Path catalog = Files.writeString(dir.resolve("regions.cat"), "old");
        final Path counters = Files.writeString(dir.resolve("counters.bin"), "old");
        Files.setPosixFilePermissions(catalog, PosixFilePermissions.fromString("r--r--r--"));
        Files.setPosixFilePermissions(counters, PosixFilePermissions.fromString("r--r--r--"));
        // root writes a read-only file anyway (access(2) says yes), so the old check passed it there: only a user
        // the mode binds can see the difference
        assumeTrue(!Files.isWritable(catalog) && !Files.isWritable(counters), "file modes do not bind this user");
        final Run r = run("drive", "--ops", "300", "--keys", "2000", "--regions", "2", "--progress", "off",
            "--catalog", catalog.toString(), "--counters", counters.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(Files.size(catalog) >= 4096 && Files.size(counters) > 3, "both files written anew");
    }

    private static long[] versions(final String report)
    {
        final Matcher m = Pattern.compile("writes +([0-9,]+) batches.*versions ([0-9,]+)\\.\\.([0-9,]+)")
            .matcher(report);
        assertTrue(m.find(), report);
        return new long[] {Long.parseLong(m.group(1).replace(",", "")), Long.parseLong(m.group(3).replace(",", ""))};
    }

    /**
     * "the run then resumes on it ... the report's resumed line gives acknowledged writes verified N, missing M";
     * "The resumed run's versions start 4096 above the log's last one".
     */
    @Test
    void aResumedRunVerifiesEveryAcknowledgedWriteAndStartsItsVersions4096Above(@TempDir final Path dir)
    {
        final Path data = dir.resolve("d");
        final Run first = run("drive", "--ops", "2000", "--keys", "2000", "--data-dir", data.toString(),
            "--progress", "off");
        assertEquals(0, first.code(), first.out() + first.err());
        final long[] v1 = versions(first.out());
        final Run second = run("drive", "--ops", "2000", "--data-dir", data.toString(), "--progress", "off");
        assertEquals(0, second.code(), second.out() + second.err());
        assertTrue(second.out().contains("missing 0"), second.out());
        final Matcher m = Pattern.compile("acknowledged writes verified ([0-9]+)").matcher(second.out());
        assertTrue(m.find(), second.out());
        assertTrue(Long.parseLong(m.group(1)) >= 2000, "every initial key is acknowledged: " + m.group(1));
        final long[] v2 = versions(second.out());
        assertTrue(v2[1] - v2[0] >= v1[1] + 4096, "first run ended at " + v1[1] + ", second ran " + v2[0] +
            " batches up to " + v2[1]);
        // Different --keys on a resumed directory: a usage error.
        final Run bad = run("drive", "--ops", "10", "--keys", "3000", "--data-dir", data.toString());
        assertEquals(2, bad.code(), bad.err());
    }

    /** "stat ... prints each counter"; "regions ... prints each cached region"; both from a finished drive's files. */
    @Test
    void statAndRegionsReadAFinishedDrivesFiles(@TempDir final Path dir) throws Exception
    {
        final Path counters = dir.resolve("rc.counters");
        final Path catalog = dir.resolve("regions.cat");
        final Run d = run("drive", "--duration", "2s", "--keys", "5000", "--counters", counters.toString(),
            "--catalog", catalog.toString(), "--progress", "off");
        assertEquals(0, d.code(), d.out() + d.err());
        final Map<String, Long> values = CountersFile.read(counters);
        final Run stat = run("stat", "--file", counters.toString());
        assertEquals(0, stat.code(), stat.err());
        for (final String name : values.keySet())
        {
            if (!name.startsWith("file."))
            {
                assertTrue(stat.out().contains(name + " "), "stat lists " + name);
            }
        }
        assertEquals(0, values.get("memory.used"), "the final values after close");
        final Run filtered = run("stat", "--file", counters.toString(), "--filter", "loads.");
        for (final String line : filtered.out().split("\n"))
        {
            assertTrue(line.startsWith("pid ") || line.startsWith("loads."), line);
        }
        final Run regions = run("regions", "--catalog", catalog.toString());
        assertEquals(0, regions.code(), regions.err());
        final Matcher m = Pattern.compile("(\\d+) region\\(s\\)").matcher(regions.out());
        assertTrue(m.find(), regions.out());
        assertEquals(Integer.parseInt(m.group(1)), regions.out().split("\n").length - 2, regions.out());
    }

    /** "A missing file, a directory, or a file that is not a counters file ... is refused with a message, exit 2". */
    @Test
    void statAndRegionsRefuseOddFiles(@TempDir final Path dir) throws Exception
    {
        final Path sparse = dir.resolve("sparse");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw"))
        {
            f.setLength(3L << 30);
        }
        assertEquals(2, run("stat", "--file", sparse.toString()).code());
        assertEquals(2, run("stat", "--file", dir.toString()).code());
        assertEquals(2, run("regions", "--catalog", dir.toString()).code());
        final Path empty = Files.createFile(dir.resolve("empty"));
        assertEquals(2, run("regions", "--catalog", empty.toString()).code());
        assertEquals(0, Files.size(empty), "regions leaves an empty file empty");
    }
}
