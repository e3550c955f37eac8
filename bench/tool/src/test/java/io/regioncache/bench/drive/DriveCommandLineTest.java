package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriveCommandLineTest
{
    @Test
    void defaultsAreValid()
    {
        final DriveSettings s = ToolRun.parseDrive();
        assertEquals(Duration.ofSeconds(45), s.duration());
        assertEquals(0, s.ops());
        assertEquals(200_000, s.keys());
        assertEquals(16, s.regions());
        assertEquals(2, s.threads());
        assertEquals(0.99, s.skew());
        assertEquals(0.1, s.scanRatio());
        assertEquals(256L << 20, s.budgetBytes());
        assertEquals(DriveSettings.Progress.AUTO, s.progress());
        assertTrue(s.inlineEntries());
        assertTrue(Driver.cacheConfig(s).build().inlineNewestVersions());
    }

    @Test
    void inlineEntriesCanBeTurnedOff()
    {
        final DriveSettings off = ToolRun.parseDrive("--no-inline-entries");
        assertEquals(false, off.inlineEntries());
        assertEquals(false, Driver.cacheConfig(off).build().inlineNewestVersions());
        assertTrue(ToolRun.parseDrive("--inline-entries").inlineEntries());
    }

    @Test
    void goodOptionsAreAccepted(@TempDir final Path dir)
    {
        final DriveSettings s = ToolRun.parseDrive("--duration", "2m", "--keys", "50000", "--regions", "4", "--threads", "3",
            "--skew", "0.5", "--scan-ratio", "0.25", "--read-ratio", "0.8", "--budget", "1GB", "--seed", "7",
            "--split-keys", "1000", "--catalog", dir.resolve("cat").toString(), "--json", dir.resolve("r.json")
                .toString(), "--policy-interval", "250ms", "--min-residency", "1s", "--progress", "plain");
        assertEquals(Duration.ofMinutes(2), s.duration());
        assertEquals(50_000, s.keys());
        assertEquals(4, s.regions());
        assertEquals(3, s.threads());
        assertEquals(0.5, s.skew());
        assertEquals(0.25, s.scanRatio());
        assertEquals(0.8, s.readRatio());
        assertEquals(1L << 30, s.budgetBytes());
        assertEquals(7, s.seed());
        assertEquals(1000, s.splitKeys());
        assertEquals(Duration.ofMillis(250), s.policyInterval());
        assertEquals(Duration.ofSeconds(1), s.minResidency());
        assertEquals(dir.resolve("cat"), s.catalog());
        assertEquals(DriveSettings.Progress.PLAIN, s.progress());

        final DriveSettings ops = ToolRun.parseDrive("--ops", "100000", "--budget", "64MB");
        assertEquals(100_000, ops.ops());
        assertEquals(64L << 20, ops.budgetBytes());
        assertEquals(Duration.ofSeconds(30), ToolRun.parseDrive("--duration", "30").duration());
        assertEquals(Duration.ofSeconds(30), ToolRun.parseDrive("--duration", "30s").duration());
    }

    @Test
    void unitsParseAndReject()
    {
        assertEquals(64L << 20, Units.parseSize("64MB"));
        assertEquals(64L << 20, Units.parseSize("64mib"));
        assertEquals(1L << 30, Units.parseSize("1GB"));
        assertEquals(512L << 10, Units.parseSize("512K"));
        assertEquals(1_048_576L, Units.parseSize("1048576"));
        assertEquals(3L << 29, Units.parseSize("1.5G"));
        assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
        assertEquals(Duration.ofMinutes(2), Units.parseDuration("2m"));
        assertEquals(Duration.ofHours(1), Units.parseDuration("1h"));
        for (final String bad : new String[] {"-1", "0", "0MB", "12XB", "MB", "", "1e3"})
        {
            assertThrows(IllegalArgumentException.class, () -> Units.parseSize(bad), bad);
        }
        for (final String bad : new String[] {"5x", "-3s", "0s", "s", "", "1d"})
        {
            assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(bad), bad);
        }
    }

    /**
     * Every plain number of {@code drive} is spelled in ASCII (README, "drive"): what Java's parsers would also take
     * ({@code +300}, another script's digits, hex floats, a {@code f}/{@code d} suffix, blanks, {@code Infinity}) is
     * a bad value naming the option, exit 2; a leading {@code -}, a fraction and an exponent stay numbers. Before
     * 2026-12-08 {@code --ops +300} and {@code --keys \u0664\u0660} ran, and {@code --read-ratio 0.5f} too.
     */
    @Test
    void numbersAreAsciiDecimal()
    {
        assertEquals(300L, Units.parseLong("300"));
        assertEquals(-7L, Units.parseLong("-7"));
        assertEquals(0L, Units.parseLong("-0"));
        assertEquals(40, Units.parseInt("0040"));
        assertEquals(Long.MIN_VALUE, Units.parseLong("-9223372036854775808"));
        assertEquals(0.5, Units.parseDecimal(".5"));
        assertEquals(0.99, Units.parseDecimal("0.99"));
        assertEquals(1000.0, Units.parseDecimal("1e3"));
        assertEquals(1.0, Units.parseDecimal("1."));
        for (final String bad : new String[] {"+300", "\u0663\u0660\u0660", "\uff13", "0x10", "1_000", " 3", "3 ", "",
            "3.0", "1e3", "--3", "-", "9223372036854775808"})
        {
            assertThrows(NumberFormatException.class, () -> Units.parseLong(bad), bad);
        }
        assertThrows(NumberFormatException.class, () -> Units.parseInt("2147483648"));
        assertThrows(NumberFormatException.class, () -> Units.parseInt("-2147483649"));
        for (final String bad : new String[] {"+0.5", "0.5f", "0.5d", "0x1p-1", " 0.5", "0.5 ", "Infinity", "NaN",
            "1e999", ".", "e3", "\u0660.5", "0,5", ""})
        {
            assertThrows(NumberFormatException.class, () -> Units.parseDecimal(bad), bad);
        }
        assertEquals(300L, ToolRun.parseDrive("--ops", "300").ops());
        assertEquals(0.5, ToolRun.parseDrive("--read-ratio", ".5").readRatio());
        assertEquals(-3L, ToolRun.parseDrive("--seed", "-3").seed());
        for (final String[] bad : new String[][] {{"--ops", "+300"}, {"--keys", "\u0664\u0660"}, {"--threads", "+2"},
            {"--seed", "+1"}, {"--split-keys", "\u0661\u0660\u0660"}, {"--read-ratio", "0.5f"}, {"--skew", "0x1p-1"},
            {"--scan-ratio", "+0.1"}, {"--min-amplification", "1d"}, {"--replicas", "+3"}, {"--auto-load", "\u0662"},
            {"--batch-size", "+4"}, {"--value-size", "+100"}, {"--scan-length", "+10"}, {"--regions", "+4"}})
        {
            assertRejected("Invalid value for option '" + bad[0] + "'", "drive", bad[0], bad[1]);
        }
    }

    /** A hand-edited {@code drive.properties} is read by the same ASCII rule: {@code keys=+40} is refused, exit 2. */
    @Test
    void aRecordedKeySpaceIsReadByTheSameRule(@TempDir final Path dir) throws Exception
    {
        java.nio.file.Files.writeString(dir.resolve("drive.properties"), "keys=+40\nvalueSize=100\n");
        assertRejected("cannot read drive.properties", "drive", "--data-dir", dir.toString(), "--ops", "10");
        java.nio.file.Files.writeString(dir.resolve("drive.properties"), "keys=40\nvalueSize=\u0661\u0660\u0660\n");
        assertRejected("cannot read drive.properties", "drive", "--data-dir", dir.toString(), "--ops", "10");
    }

    private static void assertRejected(final String expectedInMessage, final String... args)
    {
        final ToolRun.Result r = ToolRun.result(args);
        assertEquals(2, r.code(), () -> String.join(" ", args) + " -> " + r.err());
        assertTrue(r.err().contains(expectedInMessage),
            () -> "message of '" + String.join(" ", args) + "' should mention '" + expectedInMessage + "': " + r.err());
        assertTrue(r.out().isEmpty(), "no report for bad options: " + r.out());
    }

    @Test
    void nonEmptyDataDirIsRejected(@TempDir final Path dir) throws Exception
    {
        java.nio.file.Files.writeString(dir.resolve("CURRENT"), "x");
        assertRejected("must be a new or empty directory", "drive", "--data-dir", dir.toString());
        assertEquals(dir.resolve("new"), ToolRun.parseDrive("--data-dir", dir.resolve("new").toString()).dataDir());
    }

    @Test
    void badOptionsAreRejectedWithExitCode2()
    {
        assertRejected("--threads must be in [1, 256], was -1", "drive", "--threads", "-1");
        assertRejected("--threads must be in [1, 256], was 0", "drive", "--threads", "0");
        assertRejected("'5x' is not a positive duration", "drive", "--duration", "5x");
        assertRejected("--duration", "drive", "--duration", "5x");
        assertRejected("'-1' is not a positive size", "drive", "--budget", "-1");
        assertRejected("--budget", "drive", "--budget", "-1");
        assertRejected("Unknown option: '--frobnicate'", "drive", "--frobnicate");
        assertRejected("--keys must be in", "drive", "--keys", "-5");
        assertRejected("--regions must be in", "drive", "--keys", "100", "--regions", "51");
        assertRejected("--skew must be in [0, 1)", "drive", "--skew", "1.5");
        assertRejected("--read-ratio must be in [0, 1]", "drive", "--read-ratio", "-0.1");
        assertRejected("--scan-ratio must be in [0, 1]", "drive", "--scan-ratio", "2");
        assertRejected("mutually exclusive", "drive", "--duration", "10s", "--ops", "100");
        assertRejected("--ops must be positive", "drive", "--ops", "0");
        assertRejected("Invalid value for option '--threads'", "drive", "--threads", "two");
        assertRejected("--budget 4.0 KB gives no valid cache configuration", "drive", "--budget", "4KB");
        assertRejected("Missing required option: '--catalog=FILE'", "regions");
        assertRejected("no catalog file at", "regions", "--catalog", "/nonexistent/regioncache-catalog");
        assertRejected("'loud' is not a progress mode", "drive", "--progress", "loud");
        assertRejected("missing command", new String[0]);
    }

    @Test
    void helpListsBothCommands()
    {
        final ToolRun.Result r = ToolRun.result("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("drive") && r.out().contains("regions"), r.out());
        final ToolRun.Result d = ToolRun.result("drive", "--help");
        assertEquals(0, d.code());
        assertNotNull(d.out());
        assertTrue(d.out().contains("--budget=SIZE"), d.out());
    }
}
