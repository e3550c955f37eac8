package io.regioncache.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Issue #10's ratio targets over the rounds of {@code bench/run-targets.sh}: one row per target, one column per round
 * (each ratio from that round's forks only, with the two figures it divides), then the median of the rounds' ratios
 * and in how many rounds the goal was met. A target reads as met when the median meets it: on this shared host a fork
 * lands in a fast or a slow phase of the host's memory, and one run's ratio says which phase its forks drew, while
 * the median of rounds run in alternating order says where the ratio sits.
 * <pre>
 * java -cp bench/target/benchmarks.jar io.regioncache.bench.report.TargetRounds jmh-results/targets/run18 \
 *     --out jmh-results/targets/run18/targets.md
 * </pre>
 * The directory holds {@code round1/}, {@code round2/}, ...; each round's JSON files are read together. A round that
 * lacks a figure leaves its cell empty, and the median is over the rounds that have it.
 */
public final class TargetRounds
{
    private TargetRounds()
    {
    }

    /**
     * One target: its name as the README prints it, its goal, and how a round's figures give its two operands. A
     * floor row (goal NaN) is no target but a figure beside the target above it: the least it can be (the loads
     * alone, measured), or its earlier reference; {@code note} says which. A floor row no round has a figure for is
     * left out (a row added after a run was made).
     */
    private record Target(String name, double goal, String unit,
        Function<List<ResultsRenderer.Result>, double[]> operands, String note)
    {
        Target(final String name, final double goal, final String unit,
            final Function<List<ResultsRenderer.Result>, double[]> operands)
        {
            this(name, goal, unit, operands, "(the loads alone)");
        }

        boolean floor()
        {
            return Double.isNaN(goal);
        }
    }

    private static final Map<String, String> DEFAULT_PAGES_1M = Map.of("keys", "1000000", "pages", "default");

    private static final Map<String, String> UNIFORM_1M = Map.of("keys", "1000000", "distribution", "uniform");

    private static final List<Target> TARGETS = List.of(
        new Target("get / one dependent miss (`chase1`)", 1.5, "ns",
            rs -> pair(score(rs, "ReadBenchmark.get", "regioncache"),
                scoreOf(MissUnits.chase1(rs, "1000000", "regioncache")))),
        new Target("*its floor:* one random 2-line index entry (`chaseEntry`) / `chase1`", Double.NaN, "ns",
            rs -> pair(scoreOf(Targets.find(rs, "MemoryLatencyBenchmark.chaseEntry", DEFAULT_PAGES_1M)),
                scoreOf(MissUnits.chase1(rs, "1000000", "regioncache")))),
        new Target("get / Chronicle Map at its best", 0.5, "ns",
            rs -> pair(score(rs, "ReadBenchmark.get", "regioncache"),
                Targets.best(rs, "ReadBenchmark.get", "1000000", "uniform"))),
        new Target("`multiGet` of 16, per key / Chronicle Map's best single get", 0.1, "ns",
            rs -> pair(score(rs, "MultiGetBenchmark.multiGet16", "regioncache-multiget"),
                Targets.best(rs, "ReadBenchmark.get", "1000000", "uniform"))),
        new Target("*its floor:* 16 random 2-line entries (`entries16`), per entry / Chronicle Map's best single get",
            Double.NaN, "ns",
            rs -> pair(scoreOf(Targets.find(rs, "MemoryLatencyBenchmark.entries16", DEFAULT_PAGES_1M)) / 16,
                Targets.best(rs, "ReadBenchmark.get", "1000000", "uniform"))),
        new Target("scan100 / LMDB", 0.5, "ns",
            rs -> pair(scanScore(rs, "regioncache", "present"), scanScore(rs, "lmdb", "present"))),
        new Target("scan100 / RocksDB", 0.15, "ns",
            rs -> pair(scanScore(rs, "regioncache", "present"), scanScore(rs, "rocksdb", "present"))),
        new Target("scan100 seeking absent keys / LMDB seeking absent keys", 0.5, "ns",
            rs -> pair(scanScore(rs, "regioncache", "absent"), scanScore(rs, "lmdb", "absent"))),
        new Target("load of 1M keys until ACTIVE / bare RocksDB scan", 1.3, "ms",
            rs -> pair(scoreOf(Targets.find(rs, "LoadBenchmark.load", Map.of("keys", "1000000"))),
                scoreOf(Targets.find(rs, "LoadBenchmark.rocksdbScan", Map.of("keys", "1000000"))))),
        new Target("*its reference until run 21:* load / bare scan through direct buffers (`rocksdbScanDirect`)",
            Double.NaN, "ms",
            rs -> pair(scoreOf(Targets.find(rs, "LoadBenchmark.load", Map.of("keys", "1000000"))),
                scoreOf(Targets.find(rs, "LoadBenchmark.rocksdbScanDirect", Map.of("keys", "1000000")))),
            "(the earlier reference)"));

    /**
     * @param args the run's directory, then {@code --out FILE} (default: {@code targets.md} in it).
     * @throws IOException on I/O failure.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length < 1)
        {
            throw new IllegalArgumentException("usage: TargetRounds DIR [--out FILE]");
        }
        final Path dir = Paths.get(args[0]);
        Path out = dir.resolve("targets.md");
        for (int i = 1; i < args.length; i++)
        {
            if ("--out".equals(args[i]) && i + 1 < args.length)
            {
                out = Paths.get(args[++i]);
            }
            else
            {
                throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        final String table = render(readRounds(dir));
        Files.write(out, ("# Issue #10's targets in rounds (`bench/run-targets.sh`, " + dir.getFileName() + ")\n\n" +
            table).getBytes(StandardCharsets.UTF_8));
        System.out.print(table);
    }

    /**
     * @return the results of each {@code roundN} directory under {@code dir}, in round order.
     * @throws IOException if a file cannot be read.
     */
    static List<List<ResultsRenderer.Result>> readRounds(final Path dir) throws IOException
    {
        final List<Path> rounds = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir))
        {
            s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().matches("round\\d+")).forEach(rounds::add);
        }
        rounds.sort(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(5))));
        final List<List<ResultsRenderer.Result>> out = new ArrayList<>();
        for (final Path round : rounds)
        {
            final List<Path> files = new ArrayList<>();
            try (Stream<Path> s = Files.list(round))
            {
                s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
            }
            final List<ResultsRenderer.Result> results = new ArrayList<>();
            for (final Path f : files)
            {
                results.addAll(ResultsRenderer.read(f));
            }
            out.add(results);
        }
        if (out.isEmpty())
        {
            throw new IllegalArgumentException(dir + " holds no round1/, round2/, ... directories");
        }
        return out;
    }

    /**
     * @param rounds each round's results, in round order.
     * @return the table in Markdown: a row per target, a column per round, the median and the rounds that met it.
     */
    static String render(final List<List<ResultsRenderer.Result>> rounds)
    {
        final StringBuilder md = new StringBuilder();
        md.append("| target | goal |");
        for (int r = 1; r <= rounds.size(); r++)
        {
            md.append(" round ").append(r).append(r % 2 == 1 ? " (forward)" : " (reverse)").append(" |");
        }
        md.append(" median | met |\n|---|---|");
        md.append("---:|".repeat(rounds.size())).append("---:|---|\n");
        for (final Target t : TARGETS)
        {
            if (t.floor() && rounds.stream().allMatch(round -> null == t.operands.apply(round)))
            {
                continue;
            }
            md.append("| ").append(t.name).append(" |");
            if (!t.floor())
            {
                md.append(" ≤ ").append(java.math.BigDecimal.valueOf(t.goal).stripTrailingZeros().toPlainString())
                    .append('×');
            }
            md.append(" |");
            // a floor is printed like the target above it: three decimals under a goal below 0.2
            final double digitsGoal = t.floor() ? (t.name.contains("entries16") ? 0.1 : 1) : t.goal;
            final double[] ratios = new double[rounds.size()];
            int have = 0;
            int met = 0;
            for (final List<ResultsRenderer.Result> round : rounds)
            {
                final double[] ab = t.operands.apply(round);
                if (null == ab)
                {
                    md.append(" |");
                    continue;
                }
                final double r = ab[0] / ab[1];
                ratios[have++] = r;
                met += r <= t.goal ? 1 : 0;
                md.append(' ').append(ratio(r, digitsGoal)).append("× (").append(figure(ab[0])).append(" / ")
                    .append(figure(ab[1])).append(' ').append(t.unit).append(") |");
            }
            if (0 == have)
            {
                md.append(" | not measured |\n");
                continue;
            }
            final double median = median(Arrays.copyOf(ratios, have));
            md.append(' ').append(ratio(median, digitsGoal)).append("× | ");
            if (t.floor())
            {
                md.append(t.note).append(" |\n");
                continue;
            }
            md.append(median <= t.goal ? "**yes**" : "no").append(" (").append(met).append(" of ").append(have)
                .append(" rounds) |\n");
        }
        return md.toString();
    }

    /** @return the median (the mean of the two middle values for an even count). */
    static double median(final double[] values)
    {
        final double[] v = values.clone();
        Arrays.sort(v);
        final int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** A ratio with two decimals, or three when the goal is below 0.2 (0.1×, 0.15×), as the README prints them. */
    static String ratio(final double value, final double goal)
    {
        return String.format(Locale.ROOT, goal < 0.2 ? "%.3f" : "%.2f", value);
    }

    /**
     * A figure as the README prints them: one decimal below 100 (22.6), else a whole number with thousands separators
     * (3,283).
     */
    static String figure(final double value)
    {
        return String.format(Locale.ROOT, value < 100 ? "%.1f" : "%,.0f", value);
    }

    private static double[] pair(final double a, final double b)
    {
        return Double.isNaN(a) || Double.isNaN(b) ? null : new double[] {a, b};
    }

    private static double score(final List<ResultsRenderer.Result> rs, final String bench, final String store)
    {
        final Map<String, String> params = new java.util.HashMap<>(UNIFORM_1M);
        params.put("store", store);
        return scoreOf(Targets.find(rs, bench, params));
    }

    /**
     * @return a scan100's score for a store and a seek ({@code present} also matches results from before the
     * {@code seek} parameter, which all sought present keys).
     */
    private static double scanScore(final List<ResultsRenderer.Result> rs, final String store, final String seek)
    {
        for (final ResultsRenderer.Result r : rs)
        {
            if (r.shortName().equals("ScanBenchmark.scan100") && store.equals(r.params.get("store")) &&
                "1000000".equals(r.params.get("keys")) && "uniform".equals(r.params.get("distribution")) &&
                seek.equals(r.params.getOrDefault("seek", "present")))
            {
                return r.primary.score;
            }
        }
        return Double.NaN;
    }

    private static double scoreOf(final ResultsRenderer.Result r)
    {
        return null == r ? Double.NaN : r.primary.score;
    }
}
