package io.regioncache.ycsb;

import io.regioncache.bench.support.BarChart;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.codehaus.jackson.map.ObjectMapper;
import org.codehaus.jackson.map.SerializationConfig;

/**
 * Writes a run's results: {@value #RESULTS} (settings, machine, and per system and phase YCSB's throughput and
 * per-operation count, average, p95, p99 and return codes), {@value #CHART} and {@value #LATENCY_CHART} (SVG bar
 * charts in the style of the JMH renderer) and {@value #TABLE} (markdown tables).
 */
final class YcsbReport
{
    static final String RESULTS = "ycsb-results.json";
    static final String CHART = "ycsb-throughput.svg";
    static final String LATENCY_CHART = "ycsb-p99.svg";
    static final String TABLE = "ycsb-summary.md";

    private static final Map<String, String> LABELS = Map.of(
        "regioncache", "RegionCache hybrid", "rocksdb", "RocksDB (no cache)", "lmdb", "LMDB",
        "cluster", "RegionCache 3-node Raft cluster");
    private static final Map<String, String> WORKLOADS = new LinkedHashMap<>();
    /** The operation whose latency a workload is about. */
    private static final Map<String, String> MAIN_OP = Map.of(
        "load", "INSERT", "a", "UPDATE", "b", "READ", "c", "READ", "d", "READ", "e", "SCAN", "f",
        "READ-MODIFY-WRITE");
    static
    {
        WORKLOADS.put("load", "load");
        WORKLOADS.put("a", "A 50/50 read/update");
        WORKLOADS.put("b", "B 95/5 read/update");
        WORKLOADS.put("c", "C read only");
        WORKLOADS.put("d", "D read latest");
        WORKLOADS.put("e", "E short scans");
        WORKLOADS.put("f", "F read-modify-write");
    }

    private YcsbReport()
    {
    }

    /**
     * @param base one of the file names above.
     * @param name a run's name, or null.
     * @return {@code base} with the name after {@code ycsb-} ({@code ycsb-NAME-results.json}), or {@code base}.
     */
    static String file(final String base, final String name)
    {
        return name == null ? base : "ycsb-" + name + "-" + base.substring("ycsb-".length());
    }

    static void write(final List<PhaseResult> results, final YcsbRunner.Settings s, final Path out)
        throws IOException
    {
        Files.createDirectories(out);
        final Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tool", "YCSB 0.17.0 CoreWorkload, in-process (io.regioncache.ycsb.YcsbRunner)");
        doc.put("date", Instant.now().toString());
        final Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("records", s.records);
        settings.put("operationsPerWorkload", s.operations);
        settings.put("secondsPerWorkload", s.seconds);
        settings.put("threads", s.threads);
        settings.put("extraProperties", new LinkedHashMap<>(toMap(s.extra)));
        doc.put("settings", settings);
        final Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("loadAverageAtStart", s.loadAverageAtStart);
        machine.put("loadAverageAtEnd", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (s.startCluster > 0)
        {
            doc.put("cluster", s.startCluster + " nodes in the runner's JVM (Apache Ratis over gRPC on 127.0.0.1), " +
                "sharing the machine's cores with the YCSB client threads; after the run: " + s.clusterCheck);
        }
        doc.put("machine", machine);
        final List<Object> rows = new ArrayList<>();
        for (final PhaseResult r : results)
        {
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("system", r.system);
            row.put("workload", r.workload);
            row.put("operations", r.operationsDone);
            row.put("runtimeMs", r.runtimeMs);
            row.put("throughputOpsPerSec", r.throughput);
            final Map<String, Object> ops = new LinkedHashMap<>();
            for (final Map.Entry<String, PhaseResult.OpStats> e : r.ops.entrySet())
            {
                final Map<String, Object> o = new LinkedHashMap<>();
                o.put("count", e.getValue().operations);
                o.put("averageUs", e.getValue().averageUs);
                o.put("p95Us", e.getValue().p95Us);
                o.put("p99Us", e.getValue().p99Us);
                o.put("returns", e.getValue().returns);
                ops.put(e.getKey(), o);
            }
            row.put("ops", ops);
            if (r.regions >= 0)
            {
                row.put("regions", r.regions);
                row.put("gcSafePoint", r.gcSafePoint);
            }
            row.put("failed", r.failed);
            rows.add(row);
        }
        doc.put("results", rows);
        final ObjectMapper mapper = new ObjectMapper();
        mapper.configure(SerializationConfig.Feature.INDENT_OUTPUT, true);
        mapper.writeValue(out.resolve(file(RESULTS, s.name)).toFile(), doc);

        final List<String> systems = new ArrayList<>();
        final List<String> workloads = new ArrayList<>();
        final Map<String, Map<String, Double>> throughput = new LinkedHashMap<>();
        final Map<String, Map<String, Double>> p99 = new LinkedHashMap<>();
        for (final PhaseResult r : results)
        {
            if (!systems.contains(r.system))
            {
                systems.add(r.system);
            }
            final String w = WORKLOADS.getOrDefault(r.workload, r.workload);
            if (!workloads.contains(w))
            {
                workloads.add(w);
            }
            throughput.computeIfAbsent(w, k -> new LinkedHashMap<>()).put(label(r.system), r.throughput);
            final PhaseResult.OpStats main = r.ops.get(MAIN_OP.getOrDefault(r.workload, "READ"));
            if (main != null)
            {
                p99.computeIfAbsent(w, k -> new LinkedHashMap<>()).put(label(r.system), main.p99Us);
            }
        }
        final List<String> series = new ArrayList<>();
        systems.forEach(x -> series.add(label(x)));
        final String subtitle = String.format(Locale.ROOT, "%,d records, %d threads, %d s per workload",
            s.records, s.threads, s.seconds);
        Files.write(out.resolve(file(CHART, s.name)), svg("YCSB throughput (" + subtitle + ")",
            "ops/s, higher is better",
            workloads, series, throughput).getBytes(StandardCharsets.UTF_8));
        Files.write(out.resolve(file(LATENCY_CHART, s.name)),
            svg("YCSB p99 of each workload's main operation (" + subtitle + ")",
            "us, lower is better", workloads, series, p99).getBytes(StandardCharsets.UTF_8));
        Files.write(out.resolve(file(TABLE, s.name)),
            table(results, systems, subtitle).getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> toMap(final java.util.Properties p)
    {
        final Map<String, String> m = new LinkedHashMap<>();
        for (final String k : p.stringPropertyNames())
        {
            m.put(k, p.getProperty(k));
        }
        return m;
    }

    private static String label(final String system)
    {
        return LABELS.getOrDefault(system, system);
    }

    /** Markdown: throughput per workload and system, then every operation's avg / p95 / p99. */
    static String table(final List<PhaseResult> results, final List<String> systems, final String subtitle)
    {
        final StringBuilder b = new StringBuilder();
        b.append("YCSB 0.17.0 CoreWorkload, ").append(subtitle).append(".\n\n");
        b.append("**Throughput, ops/s** (in brackets: p99 of the workload's main operation, µs)\n\n| workload |");
        for (final String s : systems)
        {
            b.append(' ').append(label(s)).append(" |");
        }
        b.append("\n|---|");
        systems.forEach(s -> b.append("---:|"));
        b.append('\n');
        for (final String w : WORKLOADS.keySet())
        {
            final StringBuilder row = new StringBuilder("| ").append(WORKLOADS.get(w)).append(" |");
            boolean any = false;
            for (final String s : systems)
            {
                final PhaseResult r = find(results, s, w);
                if (r == null)
                {
                    row.append(" – |");
                    continue;
                }
                any = true;
                final PhaseResult.OpStats main = r.ops.get(MAIN_OP.get(w));
                row.append(String.format(Locale.ROOT, " %,.0f (%s) |", r.throughput,
                    main == null ? "–" : String.format(Locale.ROOT, "%,.0f", main.p99Us)));
            }
            if (any)
            {
                b.append(row).append('\n');
            }
        }
        b.append("\n**Latency per operation, µs: average / p95 / p99**\n\n| workload | operation |");
        for (final String s : systems)
        {
            b.append(' ').append(label(s)).append(" |");
        }
        b.append("\n|---|---|");
        systems.forEach(s -> b.append("---:|"));
        b.append('\n');
        for (final String w : WORKLOADS.keySet())
        {
            final List<String> opNames = new ArrayList<>();
            for (final String s : systems)
            {
                final PhaseResult r = find(results, s, w);
                if (r != null)
                {
                    r.ops.keySet().stream().filter(o -> !opNames.contains(o)).forEach(opNames::add);
                }
            }
            for (final String op : opNames)
            {
                b.append("| ").append(WORKLOADS.get(w)).append(" | ").append(op).append(" |");
                for (final String s : systems)
                {
                    final PhaseResult r = find(results, s, w);
                    final PhaseResult.OpStats o = r == null ? null : r.ops.get(op);
                    b.append(o == null ? " – |" : String.format(Locale.ROOT, " %,.1f / %,.0f / %,.0f |",
                        o.averageUs, o.p95Us, o.p99Us));
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    private static PhaseResult find(final List<PhaseResult> results, final String system, final String workload)
    {
        for (final PhaseResult r : results)
        {
            if (r.system.equals(system) && r.workload.equals(workload))
            {
                return r;
            }
        }
        return null;
    }

    static String svg(
        final String title, final String unit, final List<String> groups, final List<String> series,
        final Map<String, Map<String, Double>> values)
    {
        return BarChart.svg(title, unit, "", groups, series, values, YcsbReport::fmt);
    }

    private static String fmt(final double v)
    {
        if (v >= 1_000_000)
        {
            return String.format(Locale.ROOT, "%.2fM", v / 1_000_000);
        }
        if (v >= 10_000)
        {
            return String.format(Locale.ROOT, "%.0fk", v / 1_000);
        }
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(final String s)
    {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
