package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import io.regioncache.CountersFile;
import io.regioncache.RegionCacheConfig;

/**
 * The promises of README.md's "The two commands" and "The {@code regioncache} tool: {@code drive}, {@code regions} and
 * {@code stat}" sections that {@link DriveCommandLineTest}, {@link StatCommandTest}, {@link RegionsCrossProcessTest},
 * {@link CrashRestartTest} and {@link DriveRunTest} do not already check. Every drive here is a short one (a few
 * thousand keys, one to three seconds). Tests whose javadoc says "Was:" failed when written, each a promise the code
 * then broke; the fix is named there.
 */
class ReadmeToolContractTest
{
    private static void assertRejected(final String expectedInMessage, final String... args)
    {
        final ToolRun.Result r = ToolRun.result(args);
        assertEquals(2, r.code(), () -> String.join(" ", args) + " -> exit " + r.code() + "\n" + r.err());
        assertTrue(r.err().contains(expectedInMessage),
            () -> "'" + String.join(" ", args) + "' should say '" + expectedInMessage + "': " + r.err());
        assertTrue(r.out().isEmpty(), () -> "no report for a bad option: " + r.out());
    }

    // ---------------------------------------------------------------------------------------------- help, options

    /** Every command answers {@code --help} with its usage and exit 0; {@code help CMD} works too. */
    @Test
    void everyCommandHasHelp()
    {
        for (final String cmd : new String[] {"drive", "regions", "stat"})
        {
            final ToolRun.Result r = ToolRun.result(cmd, "--help");
            assertEquals(0, r.code(), cmd + " --help: " + r.err());
            assertTrue(r.out().startsWith("Usage: regioncache " + cmd), r.out());
            final ToolRun.Result h = ToolRun.result("help", cmd);
            assertEquals(0, h.code(), "help " + cmd);
            assertTrue(h.out().startsWith("Usage: regioncache " + cmd), h.out());
        }
        final ToolRun.Result top = ToolRun.result("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("stat"), "the top help lists stat: " + top.out());
        assertEquals(2, ToolRun.result("frobnicate").code(), "an unknown command is a usage error");
    }

    /** Every option the README documents for drive is listed by {@code drive --help}. */
    @Test
    void driveHelpListsEveryDocumentedOption()
    {
        final String help = ToolRun.result("drive", "--help").out();
        for (final String o : new String[] {"--duration", "--budget", "--threads", "--json", "--ops", "--catalog",
            "--data-dir", "--keys", "--value-size", "--regions", "--batch-size", "--skew", "--read-ratio",
            "--split-keys", "--eager-routing", "--scan-ratio", "--scan-length", "--auto-load", "--min-amplification",
            "--policy-interval", "--min-residency", "--gc-interval", "--seed", "--[no-]inline-entries", "--progress",
            "--counters"})
        {
            assertTrue(help.contains(o), o + " missing from drive --help:\n" + help);
        }
        final String stat = ToolRun.result("stat", "--help").out();
        for (final String o : new String[] {"--file", "--filter", "--json", "--watch"})
        {
            assertTrue(stat.contains(o), o + " missing from stat --help");
        }
        assertTrue(ToolRun.result("regions", "--help").out().contains("--json"));
    }

    /** The defaults the README gives for drive that DriveCommandLineTest does not check, and the sample's seed 42. */
    @Test
    void documentedDefaults()
    {
        final DriveSettings s = ToolRun.parseDrive();
        assertEquals(4, s.batchSize(), "--batch-size default 4");
        assertEquals(50_000, s.splitKeys(), "--split-keys default 50000");
        assertEquals(0.9, s.readRatio(), "--read-ratio default 0.9");
        assertEquals(2, s.autoLoadTopN(), "--auto-load default 2");
        assertEquals(1.0, s.minAmplification(), "--min-amplification 1.0");
        assertEquals(Duration.ofMillis(500), s.policyInterval(), "--policy-interval 500ms");
        assertEquals(Duration.ofSeconds(3), s.minResidency(), "--min-residency 3s");
        assertEquals(Duration.ofSeconds(2), s.gcInterval(), "--gc-interval 2s");
        assertEquals(42, s.seed(), "the sample's seed 42");
        assertFalse(s.eagerRouting(), "--eager-routing is opt-in");
        assertEquals(null, s.dataDir(), "a temporary directory by default");
        // stat's host side: the counters are copied every 250 ms by default.
        assertEquals(250, RegionCacheConfig.builder().capacityBytes(8L << 20).segmentSize(1 << 16).build()
            .countersIntervalMillis());
    }

    /** The README's example command lines, and every documented flag, are accepted. */
    @Test
    void documentedCommandLinesParse(@TempDir final Path dir)
    {
        final DriveSettings a = ToolRun.parseDrive("--duration", "2m", "--budget", "64MB", "--threads", "4", "--json",
            "report.json");
        assertEquals(Duration.ofMinutes(2), a.duration());
        assertEquals(64L << 20, a.budgetBytes());
        assertEquals(4, a.threads());
        final DriveSettings b = ToolRun.parseDrive("--ops", "5000000", "--catalog", "/tmp/regions.cat");
        assertEquals(5_000_000L, b.ops());
        assertEquals(Paths.get("/tmp/regions.cat"), b.catalog());
        final DriveSettings c = ToolRun.parseDrive("--data-dir", dir.resolve("d").toString(), "--keys", "1000", "--value-size",
            "100", "--regions", "3", "--batch-size", "8", "--skew", "0", "--split-keys", "64", "--eager-routing",
            "--scan-length", "5", "--auto-load", "0", "--min-amplification", "2.5", "--gc-interval", "750ms",
            "--seed", "9", "--no-inline-entries", "--counters", dir.resolve("k").toString());
        assertEquals(100, c.valueSize());
        assertEquals(8, c.batchSize());
        assertEquals(5, c.scanLength());
        assertEquals(0, c.autoLoadTopN());
        assertEquals(2.5, c.minAmplification());
        assertEquals(Duration.ofMillis(750), c.gcInterval());
        assertTrue(c.eagerRouting());
        assertFalse(c.inlineEntries());
        for (final String mode : new String[] {"auto", "tty", "plain", "off"})
        {
            assertEquals(mode.toUpperCase(java.util.Locale.ROOT), ToolRun.parseDrive("--progress", mode).progress().name());
        }
    }

    /** Bad values of the options DriveCommandLineTest does not try: a message and exit code 2, no report. */
    @Test
    void badValuesOfEveryOtherOptionExit2()
    {
        assertRejected("--batch-size must be in [1, 10000], was 0", "drive", "--batch-size", "0");
        assertRejected("--scan-length must be in [1, 100000], was 0", "drive", "--scan-length", "0");
        assertRejected("--value-size must be in [16, 1048576] bytes, was 15", "drive", "--value-size", "15");
        assertRejected("--split-keys must be positive, was 0", "drive", "--split-keys", "0");
        assertRejected("--auto-load must be >= 0, was -1", "drive", "--auto-load", "-1");
        assertRejected("--min-amplification must be >= 0", "drive", "--min-amplification", "-1");
        assertRejected("Invalid value for option '--min-amplification': 'NaN' is not a decimal",
            "drive", "--min-amplification", "NaN");
        assertRejected("Invalid value for option '--skew': 'NaN' is not a decimal number", "drive",
            "--skew", "NaN");
        assertRejected("'0s' is not a positive duration", "drive", "--gc-interval", "0s");
        assertRejected("'5x' is not a positive duration", "drive", "--policy-interval", "5x");
        assertRejected("'0ms' is not a positive duration", "drive", "--min-residency", "0ms");
        assertRejected("Invalid value for option '--seed'", "drive", "--seed", "x");
        assertRejected("Invalid value for option '--keys'", "drive", "--keys", "3000000000");
        assertRejected("--regions must be in", "drive", "--regions", "0");
        assertRejected("--threads must be in [1, 256], was 257", "drive", "--threads", "257");
        assertRejected("'12XB' is not a positive size", "drive", "--budget", "12XB");
        assertRejected("--catalog: directory", "drive", "--catalog", "/nonexistent-regioncache/regions.cat");
        assertRejected("Missing required option: '--file=FILE'", "stat");
        assertRejected("Unknown option: '--frobnicate'", "stat", "--file", "x", "--frobnicate");
        assertRejected("Unknown option: '--frobnicate'", "regions", "--catalog", "x", "--frobnicate");
    }

    /**
     * "Options are validated. ... A bad value is rejected with a message and exit code 2." Was: {@code --json} and
     * {@code --counters} naming a file in a directory that does not exist, and {@code --catalog} naming a non-empty
     * directory, were not validated: {@code --json} ran the whole workload, printed a PASS report and then died with
     * {@code NoSuchFileException} (exit 1); {@code --counters} died after the setup; {@code --catalog DIR} died with
     * {@code DirectoryNotEmptyException}. Now {@code DriveCommand} checks every output file before the run.
     */
    @Test
    void badOutputPathsAreRejectedUpFront(@TempDir final Path dir) throws IOException
    {
        final Path catalogDir = Files.createDirectories(dir.resolve("catdir").resolve("x")).getParent();
        final List<String> failures = new ArrayList<>();
        for (final String[] opt : new String[][] {
            {"--json", "/nonexistent-regioncache/dir/report.json"},
            {"--counters", "/nonexistent-regioncache/dir/rc.counters"},
            {"--catalog", catalogDir.toString()}})
        {
            final ToolRun.Result r = ToolRun.result("drive", "--ops", "2000", "--keys", "2000", "--regions", "2", "--progress", "off",
                opt[0], opt[1]);
            if (r.code() != 2 || !r.out().isEmpty() || !r.err().contains(opt[0]))
            {
                failures.add(opt[0] + " " + opt[1] + " -> exit " + r.code() + ", report printed: " +
                    !r.out().isEmpty() + ", stderr: " + r.err().lines().findFirst().orElse(""));
            }
        }
        assertTrue(failures.isEmpty(), "not rejected up front with exit 2:\n" + String.join("\n", failures));
    }

    // ---------------------------------------------------------------------------------------------- drive: a run

    private static final String[] REPORT_LINES = {
        "RegionCache drive: ", "  reads         ", "  writes        ", "  hit ratio     ", "  read latency (us) ",
        "    cache ", "    rocksdb ", "  regions       ", "  loads         ", "  evicted       ", "  transitions   made: ",
        "                refused: ", "  conflicts     ", "  gc            ", "  memory        ", "  index         ",
        "  errors        ", "  cross-check   ", "  result        PASS"};

    private static long number(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> "no match for " + regex + " in\n" + text);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static double agoSeconds(final String statTable)
    {
        final Matcher m = Pattern.compile("^pid \\d+, updated (\\d+\\.\\d)s ago\\n").matcher(statTable);
        assertTrue(m.find(), statTable);
        return Double.parseDouble(m.group(1));
    }

    private static long[] ackVersions(final Path log) throws IOException
    {
        final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(log));
        final long[] v = new long[b.remaining() / AckLog.RECORD];
        for (int i = 0; i < v.length; i++)
        {
            b.getLong();
            v[i] = b.getLong();
        }
        return v;
    }

    /**
     * One short drive with every output option ({@code --json}, {@code --catalog}, {@code --counters},
     * {@code --data-dir}, {@code --progress plain}); then, with that engine closed, {@code regions} and {@code stat}
     * on what it left behind; then a resumed run on its data directory.
     */
    @Test
    void driveReportsAndLeavesItsFilesForRegionsAndStat(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("report.json");
        final Path catalog = dir.resolve("regions.cat");
        final Path counters = dir.resolve("rc.counters");
        final Path data = dir.resolve("data");
        final ToolRun.Result r = ToolRun.result("drive", "--duration", "3s", "--keys", "20000", "--regions", "4", "--split-keys", "5000",
            "--progress", "plain", "--json", json.toString(), "--catalog", catalog.toString(), "--counters",
            counters.toString(), "--data-dir", data.toString());
        assertEquals(0, r.code(), r.out() + r.err());

        // The report on stdout: every documented line, in order.
        final String[] lines = r.out().split("\n");
        int at = 0;
        for (final String prefix : REPORT_LINES)
        {
            while (at < lines.length && !lines[at].startsWith(prefix))
            {
                at++;
            }
            assertTrue(at < lines.length, "report line '" + prefix + "' missing or out of order:\n" + r.out());
        }
        assertTrue(r.out().contains("fallbacks: "), "hit ratio and fallback reasons");
        assertTrue(Pattern.compile("read latency \\(us\\)\\s+count\\s+p50\\s+p90\\s+p99\\s+p99\\.9\\s+max")
            .matcher(r.out()).find(), "latency percentiles by source");
        assertTrue(Pattern.compile("memory        peak .*, at end .* of 256\\.0 MB \\(evict at .*, stop loads at " +
            ".*\\); after close 0 B\\n").matcher(r.out()).find(), "memory peak, at end, after close 0: " + r.out());
        assertTrue(Pattern.compile("index         \\d+ generation\\(s\\) built slots-only for memory").matcher(r.out())
            .find(), "the index line");
        assertTrue(r.out().contains(" 0 divergence(s)"), r.out());

        // stderr: one progress line per second with ops/s, hit ratio, regions per state, memory against capacity.
        final List<String> progress = r.err().lines().filter(l -> l.contains("ops/s")).toList();
        assertTrue(progress.size() >= 2, "a progress line per second: " + r.err());
        for (final String p : progress)
        {
            assertTrue(p.matches(".*ops/s.*hit\\s+\\d+\\.\\d%.*pending \\d+ loading \\d+ active \\d+.*mem .* / " +
                "256\\.0 MB.*"), p);
        }
        assertFalse(r.err().contains("\r"), "plain mode: no carriage returns");

        // --json FILE: the same report as JSON.
        final JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(j.get("passed").getAsBoolean());
        assertEquals(0, j.get("exit_code").getAsInt());
        assertEquals(0, j.getAsJsonObject("memory").get("after_close_bytes").getAsLong());
        assertEquals(0, j.getAsJsonObject("cross_check").get("divergences").getAsLong());
        assertEquals(number(r.out(), "reads         ([\\d,]+) "), j.getAsJsonObject("reads").get("total").getAsLong());
        assertTrue(j.getAsJsonObject("latency").has("cache") && j.getAsJsonObject("latency").has("rocksdb"),
            j.toString());

        // --data-dir keeps the directory, with the key space and the acknowledged-writes log.
        assertTrue(Files.isRegularFile(data.resolve("drive.properties")), "D/drive.properties");
        assertTrue(Files.size(data.resolve("drive-acks.log")) > 0, "D/drive-acks.log");

        // regions, the engine gone: the last list, with an updated column that grows.
        final ToolRun.Result table = ToolRun.result("regions", "--catalog", catalog.toString());
        assertEquals(0, table.code(), table.err());
        final String[] rows = table.out().split("\n");
        assertTrue(rows[0].matches("\\s+id\\s+range\\s+epoch\\s+state\\s+pins\\s+applied\\s+gets\\s+scanned\\s+" +
            "updated"), rows[0]);
        final long listed = number(rows[rows.length - 1], "^(\\d+) region\\(s\\)$");
        assertEquals(rows.length - 2, listed, table.out());
        assertEquals(number(r.out(), "cached now: PENDING \\d+, LOADING \\d+, ACTIVE (\\d+)"), listed,
            "the catalog's last list is the cached regions at the end:\n" + table.out() + r.out());
        // "updated" is the age at the time of reading (no sleep needed to see it grow): it lies between the clock
        // before and after the call, minus the entry's publication time.
        final long readBefore = System.currentTimeMillis();
        final JsonArray a1 = JsonParser.parseString(ToolRun.result("regions", "--catalog", catalog.toString(), "--json").out())
            .getAsJsonArray();
        final long readAfter = System.currentTimeMillis();
        assertEquals(listed, a1.size());
        final JsonObject e1 = a1.get(0).getAsJsonObject();
        for (final String f : new String[] {"id", "start", "end", "epoch", "state", "pins", "applied_version", "gets",
            "scanned", "updated_ago_ms"})
        {
            assertTrue(e1.has(f), f + " in " + e1);
        }
        final long published = e1.get("updated_at_ms").getAsLong();
        final long ago = e1.get("updated_ago_ms").getAsLong();
        assertTrue(ago >= readBefore - published && ago <= readAfter - published,
            "updated grows after the run ended: age " + ago + " ms, read between " + (readBefore - published) + " and " +
            (readAfter - published) + " ms after publication");

        // stat, the host closed: the final values stay and 'updated ... ago' grows.
        // As for regions: the age printed is the clock at the call minus the file's last update (one decimal).
        final long updated = CountersFile.read(counters).get("file.updated_ms");
        final long statBefore = System.currentTimeMillis();
        final ToolRun.Result s1 = ToolRun.result("stat", "--file", counters.toString());
        final long statAfter = System.currentTimeMillis();
        assertEquals(0, s1.code(), s1.err());
        final double statAgo = agoSeconds(s1.out());
        assertTrue(statAgo >= (statBefore - updated) / 1000.0 - 0.1 && statAgo <= (statAfter - updated) / 1000.0 + 0.1,
            s1.out().lines().findFirst() + ": read between " + (statBefore - updated) + " and " +
            (statAfter - updated) + " ms after the last update");
        final ToolRun.Result loads = ToolRun.result("stat", "--file", counters.toString(), "--filter", "loads.");
        assertEquals(0, loads.code());
        final List<String> loadLines = loads.out().lines().skip(1).toList();
        assertFalse(loadLines.isEmpty(), loads.out());
        assertTrue(loadLines.stream().allMatch(l -> l.startsWith("loads.")), loads.out());
        assertEquals(number(r.out(), "loads         finished ([\\d,]+)"),
            number(loads.out(), "(?m)^loads\\.finished\\s+([\\d,]+)$"), "final value of loads.finished");
        // The names are those of RegionCache.metrics() (the report's JSON carries that snapshot), the durations'
        // fractional _ms means and maxima held in whole microseconds as _us.
        final Set<String> statNames = new HashSet<>(JsonParser.parseString(
            ToolRun.result("stat", "--file", counters.toString(), "--json").out()).getAsJsonObject().keySet());
        statNames.removeAll(Set.of("file.pid", "file.updated_ms"));
        final Set<String> metricNames = new HashSet<>();
        for (final String name : j.getAsJsonObject("metrics").keySet())
        {
            metricNames.add(name.matches(".*\\.duration\\.(mean|max)_ms") ?
                name.substring(0, name.length() - 3) + "_us" : name);
        }
        assertEquals(metricNames, statNames);

        // Resume on D: the acknowledged writes verified, none missing, versions 4096 above the log's last one; with
        // --progress off nothing on stderr.
        final long[] before = ackVersions(data.resolve("drive-acks.log"));
        final long lastLogged = Arrays.stream(before).max().orElseThrow();
        final ToolRun.Result resumed = ToolRun.result("drive", "--data-dir", data.toString(), "--ops", "3000", "--progress", "off");
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertEquals(before.length, number(resumed.out(), "resumed       acknowledged writes verified (\\d+), " +
            "missing 0 "), resumed.out());
        assertTrue(resumed.err().isEmpty(), "--progress off: " + resumed.err());
        final long[] after = ackVersions(data.resolve("drive-acks.log"));
        final long recovered = number(resumed.out(), "; (\\d+) recovered beyond the log");
        assertTrue(after.length > before.length + recovered, "the resumed run logged writes");
        for (int i = before.length + (int)recovered; i < after.length; i++)
        {
            assertTrue(after[i] >= lastLogged + 4096, "record " + i + " at version " + after[i] + ", log's last " +
                lastLogged);
        }
        assertRejected("was written with --keys 20000", "drive", "--data-dir", data.toString(), "--keys", "999");
    }

    /**
     * {@code --ops N}: "Stop after N operations (reads + write batches)", and the report's reads are its gets and
     * scans. Was: the monitor compared a count every 5 ms and then stopped the threads, so every operation in flight
     * ran on ({@code --ops 10} issued 15 to 47, {@code --ops 2000} 2,012); and the report's reads were counted at
     * that moment while its gets and scans were counted after the threads ended ("reads 45: 46 gets, 1 scans"; the
     * README's sample was 2 short). Now each operation claims one of the N first, and reads = gets + scans.
     */
    @Test
    void opsIssuesExactlyThatManyOperationsAndReadsAreGetsPlusScans()
    {
        for (final String ops : new String[] {"10", "3000"})
        {
            final ToolRun.Result r = ToolRun.result("drive", "--ops", ops, "--keys", "2000", "--regions", "2",
                "--threads", "4", "--progress", "off");
            assertEquals(0, r.code(), r.out() + r.err());
            final long reads = number(r.out(), "reads         ([\\d,]+) ");
            final long gets = number(r.out(), "\\): ([\\d,]+) gets");
            final long scans = number(r.out(), " gets, ([\\d,]+) scans");
            final long batches = number(r.out(), "writes        ([\\d,]+) batches");
            assertEquals(gets + scans, reads, r.out());
            assertEquals(Long.parseLong(ops), reads + batches, "--ops " + ops + ":\n" + r.out());
        }
    }

    /** {@code --progress tty}: one line rewritten with {@code \r} (case-insensitive mode names). */
    @Test
    void ttyProgressRewritesOneLine()
    {
        // 3 s: progress is due at 1 s and 2 s, so a monitor thread woken late on a loaded machine still prints once
        // (with 2 s, a wake-up a second late met the run's end first and printed no progress at all).
        final ToolRun.Result r = ToolRun.result("drive", "--duration", "3s", "--keys", "4000", "--regions", "2", "--progress", "TTY");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("\r") && r.err().contains("ops/s"), r.err());
        assertEquals(1, r.err().chars().filter(ch -> ch == '\n').count(), "a single rewritten line: " + r.err());
    }

    /**
     * {@code --read-ratio 1} = no writes; {@code 0} = writes only; a region never splits below 64 keys
     * ({@code --split-keys 1}: at most keys / 64 regions).
     */
    @Test
    void readRatioExtremesAndTheSplitFloor()
    {
        final ToolRun.Result readsOnly = ToolRun.result("drive", "--duration", "1s", "--keys", "4000", "--regions", "2", "--read-ratio",
            "1", "--progress", "off");
        assertEquals(0, readsOnly.code(), readsOnly.out());
        assertEquals(0, number(readsOnly.out(), "writes        ([\\d,]+) batches"), readsOnly.out());
        assertTrue(number(readsOnly.out(), "reads         ([\\d,]+) ") > 0, readsOnly.out());

        final ToolRun.Result writesOnly = ToolRun.result("drive", "--duration", "1s", "--keys", "2000", "--regions", "2", "--read-ratio",
            "0", "--split-keys", "1", "--progress", "off");
        assertEquals(0, writesOnly.code(), writesOnly.out());
        assertEquals(0, number(writesOnly.out(), "reads         ([\\d,]+) "), writesOnly.out());
        assertTrue(number(writesOnly.out(), "writes        ([\\d,]+) batches") > 0, writesOnly.out());
        assertTrue(number(writesOnly.out(), "; split ([\\d,]+) ") > 0, writesOnly.out());
        assertTrue(number(writesOnly.out(), "\\d+ at start, (\\d+) at end") <= 2000 / 64, writesOnly.out());
    }

    /**
     * The top section: {@code java -jar bench/target/regioncache.jar drive} runs with no JVM flags (the manifest's
     * Add-Exports/Add-Opens), and its temporary data directory is deleted at the end; {@code regions} and
     * {@code stat} from the jar read what it left, with no flags either. Needs the packaged jar.
     */
    @Test
    void theJarRunsWithNoJvmFlagsAndDeletesItsTemporaryDirectory(@TempDir final Path dir) throws Exception
    {
        final Path jar = Paths.get("").toAbsolutePath().resolve("../target/regioncache.jar").normalize();
        assumeTrue(Files.isRegularFile(jar), "no " + jar + " (run 'mvn -DskipTests package' first)");
        final Path tmp = Files.createDirectories(dir.resolve("tmp"));
        final Path catalog = dir.resolve("regions.cat");
        final Path counters = dir.resolve("rc.counters");
        final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        final String[] drive = jarRun(dir, java, "-Djava.io.tmpdir=" + tmp, "-jar", jar.toString(), "drive",
            "--duration", "2s", "--keys", "4000", "--regions", "2", "--progress", "plain", "--catalog",
            catalog.toString(), "--counters", counters.toString());
        assertEquals("0", drive[0], drive[1] + drive[2]);
        assertTrue(drive[1].contains("result        PASS"), drive[1]);
        assertFalse(drive[2].contains("Exception") || drive[2].contains("WARNING"), drive[2]);
        try (Stream<Path> left = Files.list(tmp))
        {
            final List<Path> drives = left.filter(p -> p.getFileName().toString().startsWith("regioncache-drive-"))
                .toList();
            assertTrue(drives.isEmpty(), "temporary data directory deleted at the end: " + drives);
        }
        final String[] regions = jarRun(dir, java, "-jar", jar.toString(), "regions", "--catalog", catalog.toString());
        assertEquals("0", regions[0], regions[2]);
        assertTrue(regions[1].matches("(?s).*\\n\\d+ region\\(s\\)\\n"), regions[1]);
        final String[] stat = jarRun(dir, java, "-jar", jar.toString(), "stat", "--file", counters.toString());
        assertEquals("0", stat[0], stat[2]);
        assertTrue(stat[1].startsWith("pid "), stat[1]);
    }

    private static String[] jarRun(final Path dir, final String... cmd) throws Exception
    {
        final Path out = Files.createTempFile(dir, "out", ".txt");
        final Path err = Files.createTempFile(dir, "err", ".txt");
        final Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        return new String[] {Integer.toString(p.exitValue()), Files.readString(out), Files.readString(err)};
    }

    // ---------------------------------------------------------------------------------------------- regions

    /**
     * A file that is not a catalog is answered like a missing one (a message, exit 2: "Options are validated ... A
     * bad value is rejected with a message and exit code 2", and {@code regions --catalog MISSING} exits 2). Was:
     * {@code RegionsCommand.call} let Chronicle Map's {@code UncheckedIOException} escape: exit 1 with a stack
     * trace.
     */
    @Test
    void regionsOnAFileThatIsNotACatalogIsAUsageError(@TempDir final Path dir) throws IOException
    {
        final Path notACatalog = dir.resolve("notes.txt");
        Files.writeString(notACatalog, "not a catalog\n".repeat(2000), StandardCharsets.UTF_8);
        assertRejected("--catalog", "regions", "--catalog", notACatalog.toString());
    }

    /**
     * "This reads the Chronicle Map catalog". Was: {@code regions} pointed at an empty file wrote into it (a new
     * 280 KB Chronicle Map), printed "0 region(s)" and exited 0, as if a host had published an empty catalog. Now a
     * file too short to be a Chronicle Map is refused (exit 2) before it is opened.
     */
    @Test
    void regionsDoesNotWriteTheFileItReads(@TempDir final Path dir) throws IOException
    {
        final Path empty = Files.createFile(dir.resolve("empty.cat"));
        final ToolRun.Result r = ToolRun.result("regions", "--catalog", empty.toString());
        assertEquals(0, Files.size(empty), "regions wrote into the file it was asked to read");
        assertEquals(2, r.code(), "an empty file is no catalog: " + r.out() + r.err());
    }

    // ---------------------------------------------------------------------------------------------- stat

    /** A directory or a file of another kind: a message and exit 2 (StatCommandTest checks a missing file). */
    @Test
    void statOnAFileOfAnotherKindIsAUsageError(@TempDir final Path dir) throws IOException
    {
        final Path other = dir.resolve("notes.txt");
        Files.writeString(other, "not counters\n".repeat(2000), StandardCharsets.UTF_8);
        assertRejected("is not a RegionCache counters file", "stat", "--file", other.toString());
        assertRejected("no counters file at", "stat", "--file", dir.toString());
    }

    /**
     * A file shorter than the 64-byte header (empty, or a few bytes) gets the same answer as any other non-counters
     * file (exit 2). Was: {@code CountersFile.read} wrapped the header before its length check, so Agrona threw
     * {@code IndexOutOfBoundsException}: exit 1 with a stack trace.
     */
    @Test
    void statOnATooShortFileIsAUsageError(@TempDir final Path dir) throws IOException
    {
        final Path empty = Files.createFile(dir.resolve("empty.counters"));
        final Path tiny = Files.writeString(dir.resolve("tiny.counters"), "hello");
        final ToolRun.Result e = ToolRun.result("stat", "--file", empty.toString());
        final ToolRun.Result t = ToolRun.result("stat", "--file", tiny.toString());
        assertEquals(2, e.code(), "empty file: " + e.err().lines().findFirst().orElse(""));
        assertEquals(2, t.code(), "5-byte file: " + t.err().lines().findFirst().orElse(""));
    }

    /**
     * "{@code stat} maps the file read-only". Was: {@code CountersFile.read} mapped it READ_WRITE (Agrona's
     * {@code IoUtil.mapExistingFile(file, label)}), so on a file the reader may not write (mode 0444 for a non-root
     * user; {@code chattr +i} for root) stat failed with {@code FileNotFoundException}, exit 1.
     */
    @Test
    void statReadsAFileItMayNotWrite(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final ToolRun.Result drive = ToolRun.result("drive", "--ops", "2000", "--keys", "2000", "--regions", "2", "--progress", "off",
            "--counters", file.toString());
        assertEquals(0, drive.code(), drive.out());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        boolean immutable = false;
        if (Files.isWritable(file)) // root: permissions do not stop it; an immutable file does
        {
            try
            {
                immutable = new ProcessBuilder("chattr", "+i", file.toString()).redirectErrorStream(true).start()
                    .waitFor() == 0;
            }
            catch (final IOException noChattr)
            {
                immutable = false; // no chattr on this machine: the assumption below skips the test
            }
        }
        try
        {
            assumeTrue(!Files.isWritable(file), "cannot make the counters file unwritable for this user");
            final ToolRun.Result r = ToolRun.result("stat", "--file", file.toString());
            assertEquals(0, r.code(), "stat on a read-only counters file: " + r.err().lines().findFirst().orElse(""));
            assertTrue(r.out().startsWith("pid "), r.out());
        }
        finally
        {
            if (immutable)
            {
                new ProcessBuilder("chattr", "-i", file.toString()).start().waitFor();
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** {@code --watch} prints the table again every second until interrupted. */
    @Test
    void statWatchRepeats(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final ToolRun.Result drive = ToolRun.result("drive", "--ops", "2000", "--keys", "2000", "--regions", "2", "--progress", "off",
            "--counters", file.toString());
        assertEquals(0, drive.code(), drive.out());
        // stat flushes its output after each table: that flush is the signal waited on, with its time.
        final BlockingQueue<Long> flushedAt = new LinkedBlockingQueue<>();
        final StringBuffer printed = new StringBuffer();
        final Writer out = new Writer()
        {
            @Override
            public void write(final char[] chars, final int offset, final int length)
            {
                printed.append(chars, offset, length);
            }

            @Override
            public void flush()
            {
                flushedAt.add(System.nanoTime());
            }

            @Override
            public void close()
            {
            }
        };
        final CommandLine cl = RegionCacheTool.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        final Thread t = new Thread(() -> cl.execute("stat", "--file", file.toString(), "--filter", "loads.",
            "--watch"), "stat-watch");
        t.start();
        final Long first = flushedAt.poll(30, TimeUnit.SECONDS);
        final Long second = flushedAt.poll(30, TimeUnit.SECONDS);
        assertNotNull(first, "a first table");
        assertNotNull(second, "a second table");
        assertTrue(t.isAlive(), "--watch keeps printing until interrupted");
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive());
        final long tables = printed.toString().lines().filter(l -> l.startsWith("pid ")).count();
        assertTrue(tables >= 2, "one table per print: " + tables + "\n" + printed);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(second - first) >= 900,
            "one table a second: the second came " + TimeUnit.NANOSECONDS.toMillis(second - first) +
            " ms after the first");
    }
}
