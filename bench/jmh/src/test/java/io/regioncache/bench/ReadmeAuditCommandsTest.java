package io.regioncache.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

import io.regioncache.bench.report.ResultsRenderer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md "## Performance" / "### Reproduce": the JMH command lines name benchmarks and {@code -p} parameters that
 * exist, the scripts' subsets, the renderer command, and where the fork flags live. Reads the benchmark list JMH's
 * annotation processor generated into this module's classes; runs no benchmark.
 */
class ReadmeAuditCommandsTest
{
    /** The repository root (surefire runs in bench/jmh). */
    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    private static SortedSet<BenchmarkListEntry> find(final String regex)
    {
        final OutputFormat quiet = OutputFormatFactory.createFormatInstance(
            new PrintStream(PrintStream.nullOutputStream(), true, StandardCharsets.UTF_8), VerboseMode.SILENT);
        return BenchmarkList.defaultList().find(quiet, List.of(regex), List.of());
    }

    private static List<String> names(final Collection<BenchmarkListEntry> entries)
    {
        final List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.getUsername()));
        return out;
    }

    /**
     * Every {@code -p name=v1,v2} of a README command: some matched benchmark declares the parameter, and every
     * benchmark that declares it lists each value (values a benchmark accepts without declaring them are passed in
     * {@code undeclaredOk}).
     */
    private static void assertParams(final String regex, final Map<String, List<String>> params,
        final List<String> undeclaredOk)
    {
        final SortedSet<BenchmarkListEntry> matched = find(regex);
        assertFalse(matched.isEmpty(), regex + " matches no benchmark");
        params.forEach((name, values) ->
        {
            boolean declared = false;
            for (final BenchmarkListEntry e : matched)
            {
                final Map<String, String[]> p = e.getParams().orElse(Map.of());
                if (p.containsKey(name))
                {
                    declared = true;
                    for (final String v : values)
                    {
                        assertTrue(Arrays.asList(p.get(name)).contains(v) || undeclaredOk.contains(name + "=" + v),
                            e.getUsername() + ": -p " + name + "=" + v + " not among " + Arrays.toString(p.get(name)));
                    }
                }
            }
            assertTrue(declared, regex + ": no matched benchmark has a parameter '" + name + "'");
        });
    }

    /** The README's JMH command lines: the regexes match the benchmarks the comments name, the -p names exist. */
    @Test
    void reproduceCommandsNameExistingBenchmarksAndParameters()
    {
        assertEquals(List.of("io.regioncache.bench.ReadBenchmark.get"), names(find("ReadBenchmark")));
        assertParams("ReadBenchmark", Map.of("keys", List.of("1000000"),
            "store", List.of("regioncache", "chronicle-map")), List.of());

        // MemoryLatencyBenchmark has no "distribution" (JMH ignores a -p a benchmark does not declare)
        assertEquals(List.of("io.regioncache.bench.MemoryLatencyBenchmark.chase1",
            "io.regioncache.bench.MemoryLatencyBenchmark.chase2",
            "io.regioncache.bench.MemoryLatencyBenchmark.chaseEntry",
            "io.regioncache.bench.MemoryLatencyBenchmark.entries16",
            "io.regioncache.bench.MemoryLatencyBenchmark.independent16",
            "io.regioncache.bench.MemoryLatencyBenchmark.stream100",
            "io.regioncache.bench.MemoryLatencyBenchmark.touch16",
            "io.regioncache.bench.MemoryLatencyBenchmark.walk100",
            "io.regioncache.bench.MemoryLatencyBenchmark.walkHeights100",
            "io.regioncache.bench.MultiGetBenchmark.multiGet16"), names(find("(MemoryLatency|MultiGet)Benchmark")));
        assertParams("(MemoryLatency|MultiGet)Benchmark", Map.of("keys", List.of("1000000"),
            "distribution", List.of("uniform")), List.of());

        // "a scan beside the walk over its bytes"
        final String scanWalk = "bench\\.(ScanBenchmark\\.scan100|MemoryLatencyBenchmark\\.(walk|stream)100)$";
        assertEquals(List.of("io.regioncache.bench.MemoryLatencyBenchmark.stream100",
            "io.regioncache.bench.MemoryLatencyBenchmark.walk100", "io.regioncache.bench.ScanBenchmark.scan100"),
            names(find(scanWalk)));
        assertParams(scanWalk, Map.of("keys", List.of("1000000"), "distribution", List.of("uniform"),
            "store", List.of("regioncache", "lmdb")), List.of());

        // "a 1M-key load against a bare RocksDB scan and its parts (storeScan, storeScanWritingNodes)"
        final List<String> load = names(find("LoadBenchmark"));
        assertTrue(load.containsAll(List.of("io.regioncache.bench.LoadBenchmark.load",
            "io.regioncache.bench.LoadBenchmark.rocksdbScan", "io.regioncache.bench.LoadBenchmark.storeScan",
            "io.regioncache.bench.LoadBenchmark.storeScanWritingNodes")), load.toString());
        for (final BenchmarkListEntry e : find("LoadBenchmark"))
        {
            assertEquals(List.of("1000000"), Arrays.asList(e.getParams().get().get("keys")), "1M keys");
        }
        // waitFor=poll is not a declared value: LoadBenchmark.load polls for any value but "listener" (read in code)
        assertParams("LoadBenchmark", Map.of("index", List.of("entries"), "waitFor", List.of("listener", "poll")),
            List.of("waitFor=poll"));
    }

    /**
     * "ONLY='read scan' bench/run-full.sh  # a subset: read scan latency snapshot apply split mixed load mvcc thp
     * hybrid".
     */
    @Test
    void runFullKnowsEverySetTheReadmeLists() throws IOException
    {
        final String script = Files.readString(ROOT.resolve("bench/run-full.sh"));
        for (final String set : List.of("read", "scan", "latency", "snapshot", "apply", "split", "mixed", "load",
            "mvcc", "thp", "hybrid"))
        {
            assertTrue(Pattern.compile("(?m)^\\s+" + set + "\\)").matcher(script).find(), "set " + set);
        }
        // and the scripts and classes the block runs exist
        for (final String f : List.of("bench/run-full.sh", "bench/smoke.sh", "bench/run-memlimit.sh", "bench/soak.sh"))
        {
            assertTrue(Files.isExecutable(ROOT.resolve(f)), f);
        }
        final String memlimit = Files.readString(ROOT.resolve("bench/run-memlimit.sh"));
        for (final String env : List.of("OUT=${OUT:-", "$CACHED", "$JAVA22"))
        {
            assertTrue(memlimit.contains(env), "run-memlimit.sh reads " + env);
        }
        assertDoesNotThrow(() -> Class.forName("io.regioncache.internal.table.IndexFillProbe")
            .getMethod("main", String[].class));
    }

    /**
     * The renderer over the files run-full.sh renders reproduces the committed summary.md (all but its timestamp
     * line): the README's "JSON + summary.md + SVG charts in jmh-results/".
     */
    @Test
    void theNineRunFullResultsReproduceTheCommittedSummary(@TempDir final Path out) throws IOException
    {
        final List<String> args = new ArrayList<>();
        for (final String set : List.of("read", "scan", "latency", "snapshot", "apply", "split", "mixed", "load",
            "mvcc"))
        {
            args.add(ROOT.resolve("jmh-results/" + set + ".json").toString());
        }
        args.add("--out");
        args.add(out.toString());
        ResultsRenderer.main(args.toArray(new String[0]));
        final List<String> mine = Files.readAllLines(out.resolve("summary.md"));
        final List<String> committed = Files.readAllLines(ROOT.resolve("jmh-results/summary.md"));
        assertEquals(committed.size(), mine.size());
        for (int i = 0; i < mine.size(); i++)
        {
            if (!committed.get(i).startsWith("Generated "))
            {
                assertEquals(committed.get(i), mine.get(i), "summary.md line " + (i + 1));
            }
        }
    }

    /**
     * README "### Reproduce": the renderer command names the nine result files {@code run-full.sh} writes (a glob of
     * jmh-results/*.json would take in ratis-replicated.json, no JMH result, and read-thp.json, rendered apart), each
     * exists and they render.
     */
    @Test
    void theReadmeRendererCommandRenders(@TempDir final Path out) throws IOException
    {
        final String readme = Files.readString(ROOT.resolve("README.md"));
        final Matcher m = Pattern.compile("ResultsRenderer \\\\\\n\\s+jmh-results/\\{([a-z,]+)\\}\\.json --out jmh-results")
            .matcher(readme);
        assertTrue(m.find(), "the renderer command in README's Reproduce block");
        final List<String> args = new ArrayList<>();
        for (final String name : m.group(1).split(","))
        {
            final Path file = ROOT.resolve("jmh-results/" + name + ".json");
            assertTrue(Files.isRegularFile(file), file + " exists");
            args.add(file.toString());
        }
        assertEquals(9, args.size(), "the nine sets");
        args.add("--out");
        args.add(out.toString());
        assertDoesNotThrow(() -> ResultsRenderer.main(args.toArray(new String[0])), "README's renderer command");
    }

    /**
     * README "### Reproduce": JvmFlags' flags apply to every fork of the benchmarks that extend ForkedBenchmark;
     * LoadBenchmark and MvccScanBenchmark set their own, GetPathBenchmark a subset of JvmFlags.
     */
    @Test
    void jvmFlagsApplyToEveryForkedBenchmark() throws ClassNotFoundException
    {
        final List<String> all = List.of(JvmFlags.XMS, JvmFlags.XMX, JvmFlags.PRE_TOUCH, JvmFlags.AGRONA_MISC,
            JvmFlags.CHRONICLE_REF, JvmFlags.CHRONICLE_NIO_CH, JvmFlags.CHRONICLE_MISC, JvmFlags.CHRONICLE_JAVAC_FILE,
            JvmFlags.CHRONICLE_JAVAC, JvmFlags.CHRONICLE_LANG, JvmFlags.CHRONICLE_REFLECT, JvmFlags.CHRONICLE_IO,
            JvmFlags.CHRONICLE_UTIL, JvmFlags.CHRONICLE_NO_ANALYTICS, JvmFlags.LMDB_NIO, JvmFlags.LMDB_NIO_CH);
        final SortedSet<String> own = new TreeSet<>();
        for (final BenchmarkListEntry e : find(".*"))
        {
            final List<String> flags = new ArrayList<>(e.getJvmArgsAppend().orElse(List.of()));
            final Class<?> type = Class.forName(e.getUserClassQName());
            if (ForkedBenchmark.class.isAssignableFrom(type))
            {
                assertEquals(all, flags, e.getUsername() + " extends ForkedBenchmark");
            }
            else
            {
                own.add(type.getSimpleName());
                assertTrue(flags.stream().anyMatch(f -> f.contains("jdk.internal.misc")), e.getUsername() + ": Agrona's export");
            }
        }
        assertEquals(new TreeSet<>(List.of("GetPathBenchmark", "LoadBenchmark", "MvccScanBenchmark")), own,
            "the benchmarks the README names as setting their own flags");
    }

    /**
     * README "### Reproduce": the smoke forks run with JvmFlags' flags less the pre-touched heap, in both of
     * smoke.sh's JMH runs (JMH's -jvmArgsAppend replaces the annotation's list, so a missing flag would fail there).
     */
    @Test
    void smokeForksUseTheForkFlagsWithoutThePreTouchedHeap() throws IOException
    {
        final List<String> expected = new ArrayList<>(List.of(
            ForkedBenchmark.class.getAnnotation(org.openjdk.jmh.annotations.Fork.class).jvmArgsAppend()));
        assertTrue(expected.remove(JvmFlags.XMS) && expected.remove(JvmFlags.PRE_TOUCH), "the annotation's heap flags");
        assertEquals(expected, JvmFlags.smokeFlags());
        assertTrue(JvmFlags.smokeFlags().contains(JvmFlags.XMX), "the heap's ceiling stays");
        final String script = Files.readString(ROOT.resolve("bench/smoke.sh"));
        assertTrue(script.contains("FLAGS=$(java -cp \"$JAR\" io.regioncache.bench.JvmFlags)"), "smoke.sh's flags");
        final String[] runs = script.split("java -jar \"\\$JAR\"", -1);
        int benchmarkRuns = 0;
        int found = 0;
        for (int r = 1; r < runs.length; r++)
        {
            // each run's options, up to its result file (the listing at the end, -lp, writes none)
            final int resultFile = runs[r].indexOf("-rff");
            if (resultFile >= 0)
            {
                benchmarkRuns++;
                found += runs[r].substring(0, resultFile).contains("-jvmArgsAppend \"$FLAGS\"") ? 1 : 0;
            }
        }
        assertEquals(3, benchmarkRuns, "smoke.sh's three JMH runs (every benchmark, the allocation check, the hybrid's)");
        assertEquals(3, found, "every one of smoke.sh's JMH runs passes the smoke flags");
    }

    /**
     * README: "bench/smoke.sh  # every benchmark once" (and "smoke-runs every JMH benchmark once" under "The two
     * commands"): the script's include regex matches every benchmark in the jar, GetPathBenchmark's included.
     */
    @Test
    void smokeShRunsEveryBenchmark() throws IOException
    {
        final String script = Files.readString(ROOT.resolve("bench/smoke.sh"));
        final Matcher m = Pattern.compile("java -jar \"\\$JAR\" '([^']+)'").matcher(script);
        assertTrue(m.find(), "smoke.sh's first JMH run");
        final Pattern include = Pattern.compile(m.group(1));
        final List<String> missed = new ArrayList<>();
        for (final BenchmarkListEntry e : find(".*"))
        {
            if (!include.matcher(e.getUsername()).find())
            {
                missed.add(e.getUsername());
            }
        }
        assertEquals(List.of(), missed, "benchmarks smoke.sh (" + m.group(1) + ") does not run");
    }
}
