package io.regioncache.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * README.md "## Performance": every cell of the point get table, the scan100 table and the "Against the targets"
 * table equals the committed JMH JSON it comes from (the score rounded as printed, each ratio the division of the
 * two scores rounded as printed). Editing a figure, or replacing a JSON file without updating the README, fails it.
 *
 * <p>Sources: the point get and scan100 tables are the {@code read} and {@code scan} sets
 * ({@code jmh-results/read.json}, {@code scan.json}); each "run N" column of the targets table is
 * {@code jmh-results/memlimit/runN/} (its "3 forks" part {@code runN/get-3forks.json}), the "sets re-run" column
 * {@code read.json} + {@code scan.json}; the puts, split and MVCC rows the full-suite sets
 * ({@code apply.json}, {@code split.json}, {@code mvcc.json}); the load row's run-14 cell
 * {@code memlimit/run14/load*.json}. Chronicle Map "at its best" is the faster of {@code chronicle-map} and
 * {@code chronicle-map-offheap}, as the README and {@link Targets} define it.
 */
class ReadmePerformanceFiguresTest
{
    /** The repository root (surefire runs in bench/jmh). */
    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    private static final Path RESULTS = ROOT.resolve("jmh-results");
    private static final String ONE_M = "1000000";

    // ------------------------------------------------------------------ JSON

    /** One JMH result: benchmark (Class.method), mode, params, score and the secondary metrics' scores. */
    private record Result(String benchmark, String mode, Map<String, String> params, double score, double p50,
        Map<String, Double> secondary)
    {
        boolean is(final String bench, final String... kv)
        {
            if (!benchmark.equals(bench))
            {
                return false;
            }
            for (int i = 0; i < kv.length; i += 2)
            {
                if (!kv[i + 1].equals(params.get(kv[i])))
                {
                    return false;
                }
            }
            return true;
        }
    }

    private static final Map<Path, List<Result>> CACHE = new HashMap<>();

    private static List<Result> json(final Path file)
    {
        return CACHE.computeIfAbsent(file, f ->
        {
            assertTrue(Files.isRegularFile(f), "committed JSON " + ROOT.relativize(f));
            try (Reader in = Files.newBufferedReader(f, StandardCharsets.UTF_8))
            {
                final JsonArray a = JsonParser.parseReader(in).getAsJsonArray();
                final List<Result> out = new ArrayList<>();
                for (final JsonElement e : a)
                {
                    final JsonObject o = e.getAsJsonObject();
                    final String full = o.get("benchmark").getAsString();
                    final String[] parts = full.split("\\.");
                    final String bench = parts[parts.length - 2] + "." + parts[parts.length - 1];
                    final Map<String, String> params = new LinkedHashMap<>();
                    if (o.has("params"))
                    {
                        o.getAsJsonObject("params").entrySet().forEach(p -> params.put(p.getKey(),
                            p.getValue().getAsString()));
                    }
                    final JsonObject pm = o.getAsJsonObject("primaryMetric");
                    final JsonObject pct = pm.getAsJsonObject("scorePercentiles");
                    final double p50 = pct != null && pct.has("50.0") ? pct.get("50.0").getAsDouble() : Double.NaN;
                    final Map<String, Double> secondary = new HashMap<>();
                    if (o.has("secondaryMetrics"))
                    {
                        o.getAsJsonObject("secondaryMetrics").entrySet().forEach(s ->
                        {
                            final JsonElement sc = s.getValue().getAsJsonObject().get("score");
                            if (sc != null && sc.isJsonPrimitive() && sc.getAsJsonPrimitive().isNumber())
                            {
                                secondary.put(s.getKey(), sc.getAsDouble());
                            }
                        });
                    }
                    out.add(new Result(bench, o.get("mode").getAsString(), params, pm.get("score").getAsDouble(), p50,
                        secondary));
                }
                return out;
            }
            catch (final IOException ex)
            {
                throw new AssertionError(ex);
            }
        });
    }

    private static List<Result> json(final List<Path> files)
    {
        final List<Result> out = new ArrayList<>();
        files.forEach(f -> out.addAll(json(f)));
        return out;
    }

    /** The one result of {@code bench} with these params; fails when there is none or more than one. */
    private static Result one(final List<Result> rs, final String what, final String bench, final String... kv)
    {
        Result found = null;
        for (final Result r : rs)
        {
            if (r.is(bench, kv))
            {
                assertTrue(found == null, what + ": more than one " + bench + " " + List.of(kv));
                found = r;
            }
        }
        assertNotNull(found, what + ": no " + bench + " " + List.of(kv) + " in the committed JSON");
        return found;
    }

    private static double score(final List<Result> rs, final String what, final String bench, final String... kv)
    {
        return one(rs, what, bench, kv).score();
    }

    /** Chronicle Map at its best: the faster of its two ways. */
    private static double chronicleBest(final List<Result> rs, final String what, final String bench,
        final String... kv)
    {
        double best = Double.NaN;
        for (final String store : List.of("chronicle-map", "chronicle-map-offheap"))
        {
            for (final Result r : rs)
            {
                if (r.is(bench, with(kv, "store", store)) && !(r.score() >= best))
                {
                    best = r.score();
                }
            }
        }
        assertFalse(Double.isNaN(best), what + ": no Chronicle Map " + bench + " " + List.of(kv));
        return best;
    }

    private static String[] with(final String[] kv, final String k, final String v)
    {
        final String[] out = java.util.Arrays.copyOf(kv, kv.length + 2);
        out[kv.length] = k;
        out[kv.length + 1] = v;
        return out;
    }

    // ------------------------------------------------------------------ README

    private static String performanceSection() throws IOException
    {
        final String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        final int start = readme.indexOf("\n## Performance\n");
        assertTrue(start >= 0, "README has a \"## Performance\" section");
        final int end = readme.indexOf("\n## ", start + 5);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    /** The markdown table whose first row is the first table line after {@code marker}: rows of trimmed cells. */
    private static List<List<String>> tableAfter(final String text, final String marker)
    {
        final int at = text.indexOf(marker);
        assertTrue(at >= 0, "README's Performance section has " + marker);
        final List<List<String>> rows = new ArrayList<>();
        boolean in = false;
        for (final String line : text.substring(at).split("\n"))
        {
            final String t = line.trim();
            if (t.startsWith("|"))
            {
                in = true;
                if (t.matches("\\|[\\s:|-]+\\|?"))
                {
                    continue; // the separator row
                }
                final String body = t.endsWith("|") ? t.substring(1, t.length() - 1) : t.substring(1);
                final List<String> cells = new ArrayList<>();
                for (final String c : body.split("\\|", -1))
                {
                    cells.add(c.trim());
                }
                rows.add(cells);
            }
            else if (in)
            {
                break;
            }
        }
        assertTrue(rows.size() > 1, "a table after " + marker);
        return rows;
    }

    /** A printed figure: bold, thousands separators, a unit and × stripped. */
    private static String clean(final String s)
    {
        return s.replace("**", "").replace("*", "").replace(",", "").replace("×", "").replace("ns", "").trim();
    }

    /** The printed number equals {@code actual} rounded (half up) to as many decimals as it prints. */
    private static void assertPrinted(final String printed, final double actual, final String what)
    {
        final String p = clean(printed);
        assertTrue(p.matches("\\d+(\\.\\d+)?"), what + ": a number, not '" + printed + "'");
        final BigDecimal shown = new BigDecimal(p);
        final BigDecimal rounded = new BigDecimal(actual).setScale(shown.scale(), RoundingMode.HALF_UP);
        assertEquals(0, shown.compareTo(rounded), what + ": the README prints " + printed +
            ", the committed JSON gives " + actual + " (" + rounded.toPlainString() + " as printed)");
    }

    private static final Pattern VALUE_AND_RATIO = Pattern.compile("^(.+?)\\s*\\(([\\d.]+)×\\)$");

    /** "323 (1.9×)": the peer's score, and its score over RegionCache's. */
    private static void assertPeerCell(final String cell, final double peer, final double rc, final String what)
    {
        final Matcher m = VALUE_AND_RATIO.matcher(cell.replace("**", "").trim());
        assertTrue(m.matches(), what + ": 'value (ratio×)', not '" + cell + "'");
        assertPrinted(m.group(1), peer, what);
        assertPrinted(m.group(2), peer / rc, what + " (peer / RegionCache)");
    }

    private static String rowKeys(final String label)
    {
        final Matcher m = Pattern.compile("(\\d+)([KM]) (uniform|zipf)").matcher(label.replace("**", ""));
        assertTrue(m.matches(), "a row 'NK|NM uniform|zipf', not '" + label + "'");
        return Long.toString(Long.parseLong(m.group(1)) * ("K".equals(m.group(2)) ? 1_000L : 1_000_000L));
    }

    private static String rowDistribution(final String label)
    {
        return label.replace("**", "").endsWith("zipf") ? "zipf" : "uniform";
    }

    /** A table's header maps each store column to its store name. */
    private static String storeOf(final String header)
    {
        switch (header.replace("**", "").trim())
        {
            case "RegionCache":
                return "regioncache";
            case "Chronicle Map":
                return "chronicle-map";
            case "LMDB":
                return "lmdb";
            case "RocksDB":
                return "rocksdb";
            case "skip list":
                return "skiplist";
            default:
                fail("an unknown store column '" + header + "'");
                return null;
        }
    }

    private static void assertStoreTable(final List<List<String>> table, final List<Result> rs, final String bench)
    {
        final List<String> header = table.get(0);
        assertEquals("regioncache", storeOf(header.get(1)), "the second column is RegionCache");
        int cells = 0;
        for (final List<String> row : table.subList(1, table.size()))
        {
            assertEquals(header.size(), row.size(), "cells of row " + row);
            final String keys = rowKeys(row.get(0));
            final String dist = rowDistribution(row.get(0));
            final String what = bench + " " + row.get(0);
            final double rc = score(rs, what, bench, "keys", keys, "distribution", dist, "store", "regioncache");
            assertPrinted(row.get(1), rc, what + " RegionCache");
            cells++;
            for (int c = 2; c < header.size(); c++)
            {
                final String store = storeOf(header.get(c));
                final double peer = "chronicle-map".equals(store)
                    ? chronicleBest(rs, what, bench, "keys", keys, "distribution", dist)
                    : score(rs, what, bench, "keys", keys, "distribution", dist, "store", store);
                assertPeerCell(row.get(c), peer, rc, what + " " + header.get(c));
                cells++;
            }
        }
        assertTrue(cells >= 16, bench + ": " + cells + " cells checked");
    }

    // ------------------------------------------------------------------ the tables

    @Test
    void thePointGetTableIsTheCommittedReadSet() throws IOException
    {
        final List<List<String>> table = tableAfter(performanceSection(), "**Point get, ns/op**");
        assertEquals(5, table.size(), "four rows: 100K and 1M keys, uniform and zipf");
        assertStoreTable(table, json(RESULTS.resolve("read.json")), "ReadBenchmark.get");
    }

    @Test
    void theScanTableIsTheCommittedScanSet() throws IOException
    {
        final List<List<String>> table = tableAfter(performanceSection(), "**Seek + 100 next, ns/op**");
        assertEquals(5, table.size(), "four rows: 100K and 1M keys, uniform and zipf");
        assertStoreTable(table, json(RESULTS.resolve("scan.json")), "ScanBenchmark.scan100");
    }

    /** The files behind one column of the targets table, by its header. */
    private static List<Path> columnFiles(final String header)
    {
        final Matcher run = Pattern.compile("^run (\\d+)\\b").matcher(header);
        if (run.find())
        {
            final Path dir = RESULTS.resolve("memlimit/run" + run.group(1));
            final List<Path> out = new ArrayList<>();
            for (final String f : List.of("memory.json", "get-uniform.json", "multiget.json", "scan.json",
                "snapshot.json"))
            {
                out.add(dir.resolve(f));
            }
            return out;
        }
        if (header.startsWith("sets re-run"))
        {
            return List.of(RESULTS.resolve("read.json"), RESULTS.resolve("scan.json"));
        }
        fail("a targets column with no known source: '" + header + "'");
        return null;
    }

    /** The figures one targets row takes from one set of results: {ratio, numerator, denominator} or {value}. */
    private interface RowSource
    {
        double[] of(List<Result> rs, String what);
    }

    private static double chase1(final List<Result> rs, final String what)
    {
        return score(rs, what, "MemoryLatencyBenchmark.chase1", "keys", ONE_M, "pages", "default");
    }

    private static double get(final List<Result> rs, final String what)
    {
        return score(rs, what, "ReadBenchmark.get", "keys", ONE_M, "distribution", "uniform", "store", "regioncache");
    }

    private static double cmBest(final List<Result> rs, final String what)
    {
        return chronicleBest(rs, what, "ReadBenchmark.get", "keys", ONE_M, "distribution", "uniform");
    }

    private static double scan(final List<Result> rs, final String what, final String store)
    {
        return score(rs, what, "ScanBenchmark.scan100", "keys", ONE_M, "distribution", "uniform", "store", store);
    }

    private static double[] ratio(final double a, final double b)
    {
        return new double[] {a / b, a, b};
    }

    /** The highest B/op of RegionCache's read paths (get, getView, multiGet, scans) in these results. */
    private static double maxReadAlloc(final List<Result> rs, final String what)
    {
        double max = -1;
        for (final Result r : rs)
        {
            final boolean readPath = r.benchmark().startsWith("ReadBenchmark.") ||
                r.benchmark().startsWith("MultiGetBenchmark.") || r.benchmark().startsWith("ScanBenchmark.");
            final Double a = r.secondary().get("gc.alloc.rate.norm");
            if (readPath && a != null && r.params().getOrDefault("store", "").startsWith("regioncache"))
            {
                max = Math.max(max, a);
            }
        }
        assertTrue(max >= 0, what + ": no gc.alloc.rate.norm in these results");
        return max;
    }

    private static RowSource rowSource(final String label)
    {
        final String l = label.replace("*", "");
        if (l.startsWith("get / one dependent miss"))
        {
            return (rs, w) -> ratio(get(rs, w), chase1(rs, w));
        }
        if (l.startsWith("its floor: one random 2-line index entry"))
        {
            return (rs, w) -> ratio(score(rs, w, "MemoryLatencyBenchmark.chaseEntry", "keys", ONE_M, "pages",
                "default"), chase1(rs, w));
        }
        if (l.startsWith("get / Chronicle Map at its best"))
        {
            return (rs, w) -> ratio(get(rs, w), cmBest(rs, w));
        }
        if (l.startsWith("`multiGet` of 16"))
        {
            return (rs, w) -> ratio(score(rs, w, "MultiGetBenchmark.multiGet16", "keys", ONE_M, "distribution",
                "uniform", "store", "regioncache-multiget"), cmBest(rs, w));
        }
        if (l.startsWith("its floor: 16 random 2-line entries"))
        {
            return (rs, w) -> ratio(score(rs, w, "MemoryLatencyBenchmark.entries16", "keys", ONE_M, "pages",
                "default") / 16, cmBest(rs, w));
        }
        if (l.startsWith("scan100 / LMDB"))
        {
            return (rs, w) -> ratio(scan(rs, w, "regioncache"), scan(rs, w, "lmdb"));
        }
        if (l.startsWith("scan100 / RocksDB"))
        {
            return (rs, w) -> ratio(scan(rs, w, "regioncache"), scan(rs, w, "rocksdb"));
        }
        if (l.startsWith("pin + unpin, one thread"))
        {
            return (rs, w) -> new double[] {score(rs, w, "SnapshotBenchmark.pinUnpin")};
        }
        if (l.startsWith("pin + unpin, two threads"))
        {
            return (rs, w) -> ratio(score(rs, w, "SnapshotBenchmark.pinUnpinTwoThreads"),
                score(rs, w, "SnapshotBenchmark.pinUnpin"));
        }
        if (l.startsWith("B/op on every read path"))
        {
            return (rs, w) -> new double[] {maxReadAlloc(rs, w)};
        }
        return null;
    }

    private static final Pattern RATIO_CELL =
        Pattern.compile("^([\\d.]+)×(?:\\s*\\(([\\d,.]+) / ([\\d,.]+)(?: ns)?\\))?$");

    /** One figure of a targets cell ("1.67× (422 / 253 ns)", "0.069×", "15.9 ns", "&lt; 0.034") against its source. */
    private static void assertTargetFigure(final String printed, final double[] actual, final String what)
    {
        final String p = printed.replace("**", "").trim();
        if (p.startsWith("<"))
        {
            final String bound = p.substring(1).trim();
            final double b = Double.parseDouble(bound);
            assertTrue(actual[0] < b, what + ": the README says < " + bound + " B/op, the JSON's highest is " +
                actual[0]);
            final double ceil = new BigDecimal(actual[0]).setScale(new BigDecimal(bound).scale(), RoundingMode.CEILING)
                .doubleValue();
            assertEquals(ceil, b, 1e-12, what + ": the README's bound " + bound + " is the JSON's highest B/op (" +
                actual[0] + ") rounded up");
            return;
        }
        if (p.endsWith("ns") && !p.contains("×"))
        {
            assertPrinted(p, actual[0], what);
            return;
        }
        final Matcher m = RATIO_CELL.matcher(p);
        assertTrue(m.matches(), what + ": 'ratio× (a / b)', not '" + printed + "'");
        assertPrinted(m.group(1), actual[0], what + " ratio");
        if (m.group(2) != null)
        {
            assertPrinted(m.group(2), actual[1], what + " numerator");
            assertPrinted(m.group(3), actual[2], what + " denominator");
        }
    }

    @Test
    void theTargetsTableIsTheCommittedRunsOfEachColumn() throws IOException
    {
        final List<List<String>> table = tableAfter(performanceSection(), "| target | goal |");
        final List<String> header = table.get(0);
        int checked = 0;
        int readRows = 0;
        final List<String> mismatches = new ArrayList<>();
        for (final List<String> row : table.subList(1, table.size()))
        {
            assertEquals(header.size(), row.size(), "cells of targets row " + row.get(0));
            final RowSource source = rowSource(row.get(0));
            if (source == null)
            {
                continue; // the full-suite rows: theTargetsTablesFullSuiteRows
            }
            readRows++;
            for (int c = 2; c < header.size() - 1; c++)
            {
                final String cell = row.get(c);
                if (cell.isEmpty())
                {
                    continue;
                }
                final String what = "targets: " + row.get(0) + " / " + header.get(c);
                final String[] parts = cell.split(";\\s*3 forks:\\s*");
                try
                {
                    assertTrue(parts.length <= 2, what + ": one main figure and at most one '3 forks' figure");
                    assertTargetFigure(parts[0], source.of(json(columnFiles(header.get(c))), what), what);
                    checked++;
                    if (parts.length == 2)
                    {
                        final Matcher run = Pattern.compile("^run (\\d+)\\b").matcher(header.get(c));
                        assertTrue(run.find(), what + ": a 3-fork figure in a run column");
                        final Path forks = RESULTS.resolve("memlimit/run" + run.group(1) + "/get-3forks.json");
                        assertTargetFigure(parts[1], source.of(json(forks), what + " (3 forks)"),
                            what + " (3 forks)");
                        checked++;
                    }
                }
                catch (final AssertionError e)
                {
                    mismatches.add(e.getMessage());
                }
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " targets cell(s) differ from the committed JSON:\n" +
            String.join("\n", mismatches));
        assertEquals(10, readRows, "the ten read-path and snapshot rows of the targets table");
        assertTrue(checked >= 100, "targets cells checked: " + checked);
    }

    /**
     * The rounds tables under "The targets in rounds" are {@link TargetRounds}' renderings of the committed rounds of
     * {@code jmh-results/targets/run19/} (the AMD host), {@code run20/} to {@code run23/} (the Intel host), cell for
     * cell.
     */
    @Test
    void theRoundsTableIsTheCommittedRounds() throws IOException
    {
        final String section = performanceSection();
        final int at = section.indexOf("#### The targets in rounds");
        assertTrue(at >= 0, "README's Performance section has \"The targets in rounds\"");
        for (final String run : List.of("run19", "run20", "run21", "run22", "run23"))
        {
            final String rendered = TargetRounds.render(TargetRounds.readRounds(RESULTS.resolve("targets/" + run)));
            assertTrue(section.substring(at).contains(rendered),
                "the rounds table differs from TargetRounds' rendering of jmh-results/targets/" + run + ":\n" +
                rendered);
        }
    }

    /** The full-suite rows: puts at batch 64, split, MVCC scan after GC, and the load's run-14 figures. */
    @Test
    void theTargetsTablesFullSuiteRows() throws IOException
    {
        final List<List<String>> table = tableAfter(performanceSection(), "| target | goal |");
        final List<String> header = table.get(0);
        final Map<String, List<String>> byLabel = new HashMap<>();
        table.subList(1, table.size()).forEach(r -> byLabel.put(r.get(0).replace("*", ""), r));

        final List<String> puts = byLabel.get("puts at batch 64");
        assertNotNull(puts, "the puts row");
        final Matcher m = Pattern.compile("^([\\d.]+) M/s").matcher(puts.get(2).replace("**", ""));
        assertTrue(m.find(), "puts: 'N M/s', not " + puts.get(2));
        final List<Result> apply = json(RESULTS.resolve("apply.json"));
        final Result batch64 = one(apply, "puts", "ApplyBenchmark.put", "batch", "64", "idle", "backoff", "order",
            "sorted");
        assertPrinted(m.group(1), 64 * 1_000.0 / batch64.score(), "puts at batch 64, M/s");

        final List<String> split = byLabel.get("split median, 1M keys / 1K keys");
        assertNotNull(split, "the split row");
        final List<Result> sp = json(RESULTS.resolve("split.json"));
        final double big = one(sp, "split", "SplitBenchmark.split", "keys", ONE_M, "threading", "invoker").p50();
        final double small = one(sp, "split", "SplitBenchmark.split", "keys", "1000", "threading", "invoker").p50();
        assertPrinted(split.get(2).replaceAll("\\s*\\(.*", ""), big / small, "split median 1M / 1K");

        final List<String> mvcc = byLabel.get("scan100 after GC, 64 versions / 1 version");
        assertNotNull(mvcc, "the MVCC row");
        final List<Result> mv = json(RESULTS.resolve("mvcc.json"));
        final double v64 = score(mv, "mvcc", "MvccScanBenchmark.scan100", "gc", "true", "versions", "64");
        final double v1 = score(mv, "mvcc", "MvccScanBenchmark.scan100", "gc", "true", "versions", "1");
        assertPrinted(mvcc.get(2).replaceAll("\\s*\\(.*", ""), v64 / v1, "MVCC scan100 after GC, 64 / 1 version");

        List<String> load = null;
        for (final Map.Entry<String, List<String>> e : byLabel.entrySet())
        {
            if (e.getKey().startsWith("load of 1M keys"))
            {
                load = e.getValue();
            }
        }
        assertNotNull(load, "the load row");
        int run14 = -1;
        for (int c = 0; c < header.size(); c++)
        {
            if (header.get(c).startsWith("run 14"))
            {
                run14 = c;
            }
        }
        assertTrue(run14 > 0, "a run 14 column");
        final Matcher lm = Pattern.compile("([\\d.]+)× \\(([\\d,]+) / ([\\d,]+)(?: ms)?\\)").matcher(load.get(run14));
        final List<String> files = List.of("load.json", "load2.json", "load3.json");
        int i = 0;
        while (lm.find())
        {
            assertTrue(i < files.size(), "load: three runs beside run 14");
            final List<Result> l = json(RESULTS.resolve("memlimit/run14/" + files.get(i)));
            final double loadMs = score(l, "load", "LoadBenchmark.load", "index", "entries");
            final double scanMs = score(l, "load", "LoadBenchmark.rocksdbScan", "index", "entries");
            final String what = "load beside run 14, " + files.get(i);
            assertPrinted(lm.group(1), loadMs / scanMs, what + " ratio");
            assertPrinted(lm.group(2), loadMs, what + " load ms");
            assertPrinted(lm.group(3), scanMs, what + " bare scan ms");
            i++;
        }
        assertEquals(files.size(), i, "the load row's run-14 cell names one figure per load*.json");
    }

    /** The parser itself: bold, thousands separators, units, and half-up rounding to the printed decimals. */
    @Test
    void theFigureParserRoundsAsPrinted()
    {
        assertPrinted("**2,931**", 2930.9, "bold and separators");
        assertPrinted("1.9", 1.863, "one decimal");
        assertPrinted("15.9 ns", 15.88, "unit");
        assertFalse(roundsTo("1.37", 1.3649), "1.3649 is 1.36, not 1.37");
        assertPeerCell("**2,720** (0.94×)", 2720.235, 2891.898, "a bold peer");
    }

    private static boolean roundsTo(final String printed, final double actual)
    {
        try
        {
            assertPrinted(printed, actual, "");
            return true;
        }
        catch (final AssertionError e)
        {
            return false;
        }
    }
}
