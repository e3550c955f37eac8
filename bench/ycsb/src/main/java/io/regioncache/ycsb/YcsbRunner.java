package io.regioncache.ycsb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.htrace.core.HTraceConfiguration;
import org.apache.htrace.core.Tracer;

import site.ycsb.ClientThread;
import site.ycsb.DB;
import site.ycsb.DBFactory;
import site.ycsb.measurements.Measurements;
import site.ycsb.measurements.exporter.JSONArrayMeasurementsExporter;
import site.ycsb.workloads.CoreWorkload;

/**
 * Runs YCSB's own {@link CoreWorkload} in-process (as {@code site.ycsb.Client} does, minus its
 * {@code System.exit}): per system, one load phase, then workloads A, B, C, F, D, E (YCSB's recommended order: D
 * and E insert) on the same data, each with YCSB's {@link ClientThread}s over {@link DBFactory}'s measuring
 * wrapper. After each phase YCSB's {@link Measurements} are exported with its JSON exporter and parsed into a
 * {@link PhaseResult}; the measurements singleton is reset between phases.
 * <pre>
 * java -cp bench/ycsb/target/regioncache-ycsb.jar io.regioncache.ycsb.YcsbRunner \
 *   --records 1000000 --seconds 20 --threads 2 --systems regioncache,rocksdb,lmdb --out jmh-results/ycsb
 * </pre>
 * Options: {@code --records N} (default 1,000,000), {@code --operations N} per workload (default 100,000,000,
 * bounded by {@code --seconds}), {@code --seconds S} per workload (default 20; 0 = no limit), {@code --threads T}
 * (2), {@code --systems}, {@code --workloads} (a,b,c,f,d,e), {@code --data DIR} (a temporary directory),
 * {@code --out DIR} (results JSON, chart and table; none if absent), {@code -p key=value} (passed to YCSB and the
 * bindings).
 */
public final class YcsbRunner
{
    /** The systems compared: YCSB binding class per name. */
    static final Map<String, String> SYSTEMS = new LinkedHashMap<>();

    static
    {
        SYSTEMS.put("regioncache", RegionCacheHybridDB.class.getName());
        SYSTEMS.put("rocksdb", RocksDbPlainDB.class.getName());
        SYSTEMS.put("lmdb", LmdbDB.class.getName());
    }

    /** Settings of a run. */
    static final class Settings
    {
        long records = 1_000_000;
        long operations = 100_000_000;
        long seconds = 20;
        int threads = 2;
        List<String> systems = new ArrayList<>(SYSTEMS.keySet());
        List<String> workloads = List.of("a", "b", "c", "f", "d", "e");
        Path data;
        Path out;
        final Properties extra = new Properties();
    }

    private YcsbRunner()
    {
    }

    /**
     * @param args see the class comment.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final Settings s = parse(args);
        final List<PhaseResult> results = run(s, System.out);
        if (s.out != null)
        {
            YcsbReport.write(results, s, s.out);
            System.out.println("wrote " + s.out.resolve(YcsbReport.RESULTS) + ", " + YcsbReport.CHART + ", " +
                YcsbReport.TABLE);
        }
        final List<String> problems = PhaseResult.problems(results);
        if (!problems.isEmpty())
        {
            System.out.println("NOT ALL OPERATIONS RETURNED OK:");
            problems.forEach(p -> System.out.println("  " + p));
            System.exit(1);
        }
        System.exit(0);
    }

    static Settings parse(final String[] args)
    {
        final Settings s = new Settings();
        for (int i = 0; i < args.length; i++)
        {
            final String a = args[i];
            final String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a)
            {
                case "--records": s.records = Long.parseLong(v); i++; break;
                case "--operations": s.operations = Long.parseLong(v); i++; break;
                case "--seconds": s.seconds = Long.parseLong(v); i++; break;
                case "--threads": s.threads = Integer.parseInt(v); i++; break;
                case "--systems": s.systems = List.of(v.split(",")); i++; break;
                case "--workloads": s.workloads = List.of(v.split(",")); i++; break;
                case "--data": s.data = Path.of(v); i++; break;
                case "--out": s.out = Path.of(v); i++; break;
                case "-p":
                    final int eq = v.indexOf('=');
                    s.extra.setProperty(v.substring(0, eq), v.substring(eq + 1));
                    i++;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        for (final String system : s.systems)
        {
            if (!SYSTEMS.containsKey(system))
            {
                throw new IllegalArgumentException("unknown system " + system + "; known: " + SYSTEMS.keySet());
            }
        }
        return s;
    }

    /**
     * Every system: load, then every workload.
     *
     * @param s   settings.
     * @param log progress lines.
     * @return one result per (system, phase).
     * @throws Exception on failure.
     */
    static List<PhaseResult> run(final Settings s, final java.io.PrintStream log) throws Exception
    {
        final Path root = s.data != null ? s.data : Files.createTempDirectory("rc-ycsb");
        final List<PhaseResult> results = new ArrayList<>();
        try
        {
            for (final String system : s.systems)
            {
                final Path dir = root.resolve(system);
                deleteTree(dir);
                Files.createDirectories(dir);
                final Properties base = new Properties();
                base.putAll(s.extra);
                base.setProperty("regioncache.dir", dir.toString());
                base.setProperty("recordcount", Long.toString(s.records));
                // the runner holds the store open across phases (each phase's threads release their references)
                final Runnable release = hold(system, dir.toString(), base);
                try
                {
                    results.add(phase(system, "load", workload("a", base, s), false, s, log));
                    for (final String w : s.workloads)
                    {
                        results.add(phase(system, w, workload(w, base, s), true, s, log));
                    }
                }
                finally
                {
                    release.run();
                    deleteTree(dir);
                }
            }
        }
        finally
        {
            if (s.data == null)
            {
                deleteTree(root);
            }
        }
        return results;
    }

    private static Runnable hold(final String system, final String dir, final Properties p)
    {
        switch (system)
        {
            case "regioncache":
                return hold(RegionCacheHybridDB.KIND, dir, p);
            case "rocksdb":
                return hold(RocksDbPlainDB.KIND, dir, p);
            case "lmdb":
                return hold(LmdbDB.KIND, dir, p);
            default:
                return () -> { };
        }
    }

    private static Runnable hold(final SharedStoreDB.Kind<?> kind, final String dir, final Properties p)
    {
        kind.acquire(dir, p);
        return () ->
        {
            try
            {
                kind.release(dir);
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        };
    }

    /** @return workload file {@code w} (a resource), with the run's record and operation counts. */
    static Properties workload(final String w, final Properties base, final Settings s) throws IOException
    {
        final Properties p = new Properties();
        try (InputStream in = YcsbRunner.class.getResourceAsStream("/workloads/workload" + w))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no workload file workload" + w);
            }
            p.load(in);
        }
        p.putAll(base);
        p.setProperty("operationcount", Long.toString(s.operations));
        p.setProperty("threadcount", Integer.toString(s.threads));
        return p;
    }

    private static PhaseResult phase(
        final String system, final String name, final Properties props, final boolean transactions,
        final Settings s, final java.io.PrintStream log) throws Exception
    {
        resetMeasurements(props);
        final CoreWorkload workload = new CoreWorkload();
        workload.init(props);
        final Tracer tracer = new Tracer.Builder("YCSB " + system).conf(HTraceConfiguration.EMPTY).build();
        final int threads = s.threads;
        final long total = transactions ? s.operations : s.records;
        final CountDownLatch done = new CountDownLatch(threads);
        final List<ClientThread> clients = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final DB db = DBFactory.newDB(SYSTEMS.get(system), props, tracer);
            final long ops = total / threads + (t < total % threads ? 1 : 0);
            final ClientThread c = new ClientThread(db, transactions, workload, props, (int)Math.min(ops,
                Integer.MAX_VALUE), 0, done);
            c.setThreadId(t);
            c.setThreadCount(threads);
            clients.add(c);
        }
        final List<Thread> running = new ArrayList<>();
        final long start = System.nanoTime();
        for (final ClientThread c : clients)
        {
            final Thread th = new Thread(c, "ycsb-" + system + "-" + name);
            th.start();
            running.add(th);
        }
        final long limit = transactions && s.seconds > 0 ? s.seconds : Long.MAX_VALUE / 2_000_000_000L;
        if (!done.await(limit, TimeUnit.SECONDS))
        {
            workload.requestStop(); // what YCSB's maxexecutiontime does
        }
        for (final Thread th : running)
        {
            th.join();
        }
        final long runtimeMs = Math.max(1, (System.nanoTime() - start) / 1_000_000);
        long ops = 0;
        for (final ClientThread c : clients)
        {
            ops += c.getOpsDone();
        }
        workload.cleanup();

        final ByteArrayOutputStream json = new ByteArrayOutputStream();
        try (JSONArrayMeasurementsExporter exporter = new JSONArrayMeasurementsExporter(json))
        {
            exporter.write("OVERALL", "RunTime(ms)", runtimeMs);
            exporter.write("OVERALL", "Throughput(ops/sec)", 1000.0 * ops / runtimeMs);
            Measurements.getMeasurements().exportMeasurements(exporter);
        }
        final PhaseResult r = PhaseResult.parse(system, name, ops, json.toByteArray());
        log.printf(Locale.ROOT, "%-12s %-5s %,10d ops in %,7d ms: %,10.0f ops/s %s%n", system, name, ops, runtimeMs,
            r.throughput, r.latencySummary());
        return r;
    }

    private static void resetMeasurements(final Properties props) throws ReflectiveOperationException
    {
        // Measurements is a JVM-wide singleton built once from the properties set before its first use.
        final Field singleton = Measurements.class.getDeclaredField("singleton");
        singleton.setAccessible(true);
        singleton.set(null, null);
        Measurements.setProperties(props);
    }

    static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
