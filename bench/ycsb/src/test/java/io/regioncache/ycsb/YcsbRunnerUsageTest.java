package io.regioncache.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "YCSB": the runner exits "2, with a line saying why, then the usage line, and nothing run, on an unknown
 * option, system or workload or a bad value", and runs `--operations N` per workload and loads `--records N`. Found by
 * the third and fourth audits: a `--systems` or `--workloads` list naming nothing ran nothing and exited 0; a `--out`
 * or `--data` naming a regular file failed only after the whole run (exit 1, a stack trace); and with fewer operations
 * or records than `--threads`, a thread given 0 of them ran without limit (YCSB reads 0 as "no limit"): workload c
 * ran 1.4 million operations for `--operations 1`, and a load of 1 record inserted until the store was full.
 */
class YcsbRunnerUsageTest
{
    private record Run(int exit, String out, String err)
    {
    }

    private static Run run(final String... args) throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = YcsbRunner.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] lmdb(final Path dir, final String... more)
    {
        final List<String> args = new ArrayList<>(List.of("--systems", "lmdb", "--workloads", "c", "--seconds", "0",
            "--data", dir.resolve("data").toString(), "-p", "lmdb.mapSize=67108864"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    private static long opsOf(final Run r, final String phase)
    {
        final Matcher m = Pattern.compile("(?m)^lmdb\\s+" + phase + "\\s+([0-9,]+) ops").matcher(r.out());
        assertTrue(m.find(), phase + " line missing: " + r.out() + r.err());
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static void assertUsage(final Run r, final String what)
    {
        assertEquals(YcsbRunner.EXIT_USAGE, r.exit(), what + ": out=" + r.out() + " err=" + r.err());
        assertTrue(r.err().contains("usage:"), what + ": " + r.err());
        assertFalse(r.out().contains(" ops"), what + ": nothing runs: " + r.out());
    }

    @Test
    void aSystemsListNamingNoSystemIsAUsageError(@TempDir final Path dir) throws Exception
    {
        for (final String systems : List.of(",", ",,"))
        {
            assertUsage(run("--data", dir.resolve("d").toString(), "--records", "10", "--systems", systems),
                "--systems '" + systems + "'");
        }
    }

    @Test
    void aWorkloadsListNamingNoWorkloadIsAUsageError(@TempDir final Path dir) throws Exception
    {
        assertUsage(run(lmdb(dir, "--records", "10", "--workloads", ",")), "--workloads ','");
    }

    @Test
    void aDataOrOutDirectoryThatIsOrLiesUnderAFileIsAUsageError(@TempDir final Path dir) throws Exception
    {
        final Path file = Files.writeString(dir.resolve("afile"), "x");
        assertUsage(run(lmdb(dir, "--records", "10", "--out", file.toString())), "--out a file");
        assertUsage(run(lmdb(dir, "--records", "10", "--out", file.resolve("sub").toString())), "--out under a file");
        assertUsage(run("--systems", "lmdb", "--workloads", "c", "--records", "10", "--data", file.toString()),
            "--data a file");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // the old code's load never ended
    void fewerOperationsOrRecordsThanThreadsAreStillTheirCounts(@TempDir final Path dir) throws Exception
    {
        final Run ops = run(lmdb(dir, "--records", "10", "--operations", "1", "--threads", "2"));
        assertEquals(0, ops.exit(), ops.out() + ops.err());
        assertEquals(1, opsOf(ops, "c"), ops.out());
        final Run records = run(lmdb(dir.resolve("second"), "--records", "1", "--operations", "3", "--threads", "2"));
        assertEquals(0, records.exit(), records.out() + records.err());
        assertEquals(1, opsOf(records, "load"), records.out());
        assertEquals(3, opsOf(records, "c"), records.out());
    }
}
