package io.regioncache.ycsb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
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

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.ReplicaCheck;

import site.ycsb.ClientThread;
import site.ycsb.DB;
import site.ycsb.DBWrapper;
import site.ycsb.measurements.Measurements;
import site.ycsb.measurements.exporter.JSONArrayMeasurementsExporter;
import site.ycsb.workloads.CoreWorkload;

/**
 * Runs YCSB's own {@link CoreWorkload} in-process (as {@code site.ycsb.Client} does, minus its
 * {@code System.exit}): per system, one load phase, then workloads A, B, C, F, D, E (YCSB's recommended order: D
 * and E insert) on the same data, each with YCSB's {@link ClientThread}s over its measuring {@link DBWrapper}
 * (as {@code DBFactory} builds it, plus {@link ExceptionsAsErrors}). After each phase YCSB's {@link Measurements} are exported with its JSON exporter and parsed into a
 * {@link PhaseResult}; the measurements singleton is reset between phases.
 * <pre>
 * java -cp bench/ycsb/target/regioncache-ycsb.jar io.regioncache.ycsb.YcsbRunner \
 *   --records 1000000 --seconds 20 --threads 2 --systems regioncache,rocksdb,lmdb --out jmh-results/ycsb
 * </pre>
 * Options: {@code --records N} (default 1,000,000), {@code --operations N} per workload (default 100,000,000,
 * bounded by {@code --seconds}), {@code --seconds S} per workload (default 20; 0 = no limit), {@code --threads T}
 * (2), {@code --systems} (regioncache,rocksdb,lmdb; {@code cluster} drives a running replicated cluster named by
 * {@code -p regioncache.cluster=ID=HOST:PORT,...}, see {@link RegionCacheClusterDB}, or by
 * {@code --start-cluster N}: N nodes started in this JVM on 127.0.0.1, checked for convergence and equal replicas
 * after the workloads), {@code --workloads} (a,b,c,f,d,e), {@code --data DIR} (a temporary directory),
 * {@code --out DIR} (results JSON, chart and table; none if absent), {@code --name NAME} (output files
 * {@code ycsb-NAME-*}), {@code -p key=value} (passed to YCSB and the bindings).
 * <p>
 * Exit status: 0 if every operation returned OK; 1 if any did not (a binding's exception included, see
 * {@link ExceptionsAsErrors}) or a started cluster failed its check; 2 on a usage error, before anything runs.
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
        SYSTEMS.put("cluster", RegionCacheClusterDB.class.getName());
    }

    /** What runs without {@code --systems}: the embedded ones ({@code cluster} needs a running cluster). */
    static final List<String> DEFAULT_SYSTEMS = List.of("regioncache", "rocksdb", "lmdb");

    /** Settings of a run. */
    static final class Settings
    {
        long records = 1_000_000;
        long operations = 100_000_000;
        long seconds = 20;
        int threads = 2;
        List<String> systems = new ArrayList<>(DEFAULT_SYSTEMS);
        List<String> workloads = List.of("a", "b", "c", "f", "d", "e");
        Path data;
        Path out;
        /** Output files {@code ycsb-NAME-results.json}, ... instead of {@code ycsb-results.json}, ...; or null. */
        String name;
        /** Nodes of an in-process cluster the {@code cluster} system runs against (0: a running one, named by -p). */
        int startCluster;
        final Properties extra = new Properties();
        /** The system load average when the run began (-1 if the OS gives none). */
        double loadAverageAtStart = -1;
        /** What the cross-replica check of a started cluster found wrong (empty: converged, equal everywhere). */
        final List<String> clusterProblems = new ArrayList<>();
        /** The started cluster's check, for the report (null if no cluster was started). */
        String clusterCheck;
    }

    private YcsbRunner()
    {
    }

    /** Exit status: every operation of every phase returned OK (and a started cluster passed its check). */
    static final int EXIT_OK = 0;
    /** Exit status: some operation did not return OK, or a started cluster failed its check. */
    static final int EXIT_NOT_ALL_OK = 1;
    /** Exit status: an unknown option or a bad value; nothing ran. */
    static final int EXIT_USAGE = 2;

    static final String USAGE = "usage: java -jar regioncache-ycsb.jar [--systems regioncache,rocksdb,lmdb|cluster] " +
        "[--workloads a,b,c,f,d,e] [--records N] [--operations N] [--seconds S] [--threads T] [--data DIR] " +
        "[--out DIR] [--name NAME] [--start-cluster N] [-p key=value ...]";

    /**
     * @param args see the class comment.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        // System.exit, not a return: a started cluster's or YCSB's threads must not keep the JVM up.
        System.exit(execute(args, System.out, System.err));
    }

    /**
     * The runner without its {@code System.exit}.
     *
     * @param args see the class comment.
     * @param out  progress and the verdict.
     * @param err  a usage error.
     * @return {@link #EXIT_OK}, {@link #EXIT_NOT_ALL_OK} or {@link #EXIT_USAGE}.
     * @throws Exception on failure.
     */
    static int execute(final String[] args, final java.io.PrintStream out, final java.io.PrintStream err)
        throws Exception
    {
        final Settings s;
        try
        {
            s = parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            // A usage error is not a failed run: one line saying why, the usage, exit 2, and nothing ran.
            err.println("YcsbRunner: " + ex.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        final List<PhaseResult> results = run(s, out);
        if (s.out != null)
        {
            YcsbReport.write(results, s, s.out);
            out.println("wrote " + s.out.resolve(YcsbReport.file(YcsbReport.RESULTS, s.name)) + ", " +
                YcsbReport.file(YcsbReport.CHART, s.name) + ", " + YcsbReport.file(YcsbReport.LATENCY_CHART, s.name) +
                ", " + YcsbReport.file(YcsbReport.TABLE, s.name));
        }
        final List<String> problems = new ArrayList<>(PhaseResult.problems(results));
        problems.addAll(s.clusterProblems);
        if (!problems.isEmpty())
        {
            out.println("NOT ALL OPERATIONS RETURNED OK:");
            problems.forEach(p -> out.println("  " + p));
            return EXIT_NOT_ALL_OK;
        }
        return EXIT_OK;
    }

    private static String value(final String[] args, final int i)
    {
        if (i + 1 >= args.length)
        {
            throw new IllegalArgumentException(args[i] + " needs a value");
        }
        return args[i + 1];
    }

    private static long number(final String option, final String v, final long min)
    {
        return number(option, v, min, Long.MAX_VALUE);
    }

    private static long number(final String option, final String v, final long min, final long max)
    {
        final long n;
        try
        {
            n = Long.parseLong(v);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + ": not a number: " + v, ex);
        }
        if (n < min || n > max)
        {
            throw new IllegalArgumentException(option + " must be " + (max == Long.MAX_VALUE ? "at least " + min
                : "from " + min + " to " + max) + ", got " + n);
        }
        return n;
    }

    static Settings parse(final String[] args)
    {
        final Settings s = new Settings();
        for (int i = 0; i < args.length; i++)
        {
            final String a = args[i];
            switch (a)
            {
                case "--records": s.records = number(a, value(args, i), 1); i++; break;
                case "--operations": s.operations = number(a, value(args, i), 1); i++; break;
                case "--seconds": s.seconds = number(a, value(args, i), 0); i++; break;
                case "--threads": s.threads = (int)number(a, value(args, i), 1, Integer.MAX_VALUE); i++; break;
                case "--systems": s.systems = List.of(value(args, i).split(",")); i++; break;
                case "--workloads": s.workloads = List.of(value(args, i).split(",")); i++; break;
                case "--data": s.data = Path.of(value(args, i)); i++; break;
                case "--out": s.out = Path.of(value(args, i)); i++; break;
                case "--name": s.name = value(args, i); i++; break;
                case "--start-cluster": s.startCluster = (int)number(a, value(args, i), 0, Integer.MAX_VALUE); i++; break;
                case "-p":
                    final String v = value(args, i);
                    final int eq = v.indexOf('=');
                    if (eq <= 0)
                    {
                        throw new IllegalArgumentException("-p takes key=value, got " + v);
                    }
                    s.extra.setProperty(v.substring(0, eq), v.substring(eq + 1));
                    i++;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (s.systems.isEmpty())
        {
            throw new IllegalArgumentException("--systems names no system; known: " + SYSTEMS.keySet());
        }
        for (final String system : s.systems)
        {
            if (!SYSTEMS.containsKey(system))
            {
                throw new IllegalArgumentException("unknown system " + system + "; known: " + SYSTEMS.keySet());
            }
        }
        if (s.workloads.isEmpty())
        {
            throw new IllegalArgumentException("--workloads names no workload; known: a, b, c, d, e, f");
        }
        // checked here, not when the workload's turn comes after the load and the workloads before it
        for (final String w : s.workloads)
        {
            if (YcsbRunner.class.getResource("/workloads/workload" + w) == null)
            {
                throw new IllegalArgumentException("unknown workload " + w + "; known: a, b, c, d, e, f");
            }
        }
        checkDirectory("--data", s.data);
        checkDirectory("--out", s.out);
        // --name goes into file names under --out: a separator or an empty name ran every phase and then failed
        // writing the results (audit 26), or wrote "ycsb--results.json"
        if (s.name != null && !s.name.matches("[A-Za-z0-9._-]+"))
        {
            throw new IllegalArgumentException("--name " + s.name + ": letters, digits, '.', '_' and '-' only");
        }
        checkBindingProperties(s);
        checkYcsbProperties(s.extra);
        return s;
    }

    /** YCSB properties the runner sets from its own options, or whose change YCSB answers with System.exit. */
    private static final List<String> RUNNER_OWNED_PROPERTIES =
        List.of("recordcount", "operationcount", "threadcount", "insertstart", "insertcount");
    /** YCSB's CoreWorkload properties that must be whole numbers (at least 1). */
    private static final List<String> YCSB_COUNTS =
        List.of("fieldcount", "fieldlength", "minfieldlength", "maxscanlength", "minscanlength", "zeropadding");
    /** YCSB's CoreWorkload properties that are fractions in [0, 1]. */
    private static final List<String> YCSB_FRACTIONS = List.of("readproportion", "updateproportion",
        "insertproportion", "scanproportion", "readmodifywriteproportion", "hotspotdatafraction", "hotspotopnfraction");

    /**
     * YCSB's own {@code -p} properties, checked before anything runs (audit 26): a number YCSB cannot read was a
     * {@code NumberFormatException} out of the first phase, exit 1 after the systems before it ran, and an
     * {@code insertcount} past the records made YCSB's {@code CoreWorkload.init} call {@code System.exit(-1)}.
     */
    private static void checkYcsbProperties(final Properties extra)
    {
        for (final String key : RUNNER_OWNED_PROPERTIES)
        {
            if (extra.getProperty(key) != null)
            {
                throw new IllegalArgumentException("-p " + key + ": set by the runner (--records, --operations, "
                    + "--threads; every load inserts all records)");
            }
        }
        for (final String key : YCSB_COUNTS)
        {
            property(extra, key, 1, Integer.MAX_VALUE);
        }
        for (final String key : YCSB_FRACTIONS)
        {
            final String v = extra.getProperty(key);
            if (v == null)
            {
                continue;
            }
            final double d;
            try
            {
                d = Double.parseDouble(v);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("-p " + key + ": not a number: " + v, ex);
            }
            if (!(d >= 0 && d <= 1))
            {
                throw new IllegalArgumentException("-p " + key + " must be from 0 to 1, got " + v);
            }
        }
    }

    /**
     * A directory option must name a directory or a path that can become one: a regular file there, or above it,
     * used to surface only after the load and every workload had run (an uncaught {@code FileAlreadyExistsException}
     * or "Not a directory", exit 1), instead of as a usage error before anything ran.
     */
    private static void checkDirectory(final String option, final Path dir)
    {
        if (null == dir)
        {
            return;
        }
        Path at = dir.toAbsolutePath();
        while (null != at && !Files.exists(at))
        {
            at = at.getParent();
        }
        if (null != at && !Files.isDirectory(at))
        {
            throw new IllegalArgumentException(option + " " + dir + ": " + at + " is not a directory");
        }
    }

    /**
     * The bindings' documented {@code -p} properties, checked before anything runs (a bad one used to surface as a
     * {@code NumberFormatException} from inside a phase, exit 1, or not at all).
     */
    private static void checkBindingProperties(final Settings s)
    {
        final long cacheBytes = property(s.extra, "regioncache.cacheBytes", 1, Long.MAX_VALUE);
        if (cacheBytes > 0)
        {
            try
            {
                HybridStore.cacheConfig(cacheBytes).build();
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("-p regioncache.cacheBytes=" + cacheBytes + ": " + ex.getMessage(),
                    ex);
            }
        }
        property(s.extra, "regioncache.splitKeys", 1, Integer.MAX_VALUE);
        property(s.extra, "regioncache.gcEveryWrites", 0, Long.MAX_VALUE);
        // At most 1 TiB: a size the OS cannot map (2^63 - 1, 1 PB here) failed only when LMDB opened, after the
        // systems before it ran (audit 26). A size under the cap that the OS still refuses fails the same way.
        property(s.extra, "lmdb.mapSize", 1, 1L << 40);
        if (s.systems.contains("cluster"))
        {
            final String cluster = s.extra.getProperty("regioncache.cluster");
            if (cluster == null && s.startCluster == 0)
            {
                throw new IllegalArgumentException("--systems cluster needs -p regioncache.cluster=ID=HOST:PORT,... " +
                    "or --start-cluster N");
            }
            try
            {
                if (cluster != null)
                {
                    io.regioncache.ratis.ServedNode.parsePeers(cluster);
                }
                io.regioncache.ratis.TlsFiles.ofOptions(path(s.extra, "regioncache.tls.cert"),
                    path(s.extra, "regioncache.tls.key"), path(s.extra, "regioncache.tls.ca"));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("-p regioncache.cluster / regioncache.tls.*: " + ex.getMessage(), ex);
            }
        }
    }

    /** @return the property as a number in [min, max], or -1 if it is not set. */
    private static long property(final Properties p, final String key, final long min, final long max)
    {
        final String v = p.getProperty(key);
        return v == null ? -1 : number("-p " + key, v, min, max);
    }

    private static Path path(final Properties p, final String key)
    {
        final String v = p.getProperty(key);
        return v == null ? null : Path.of(v);
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
        s.loadAverageAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try
        {
            for (final String system : s.systems)
            {
                if ("cluster".equals(system) && s.startCluster > 0)
                {
                    results.addAll(onStartedCluster(s, root, log));
                    continue;
                }
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
                    results.add(layout(system, dir.toString(), base,
                        phase(system, "load", workload("a", base, s), false, s, log), log));
                    for (final String w : s.workloads)
                    {
                        results.add(layout(system, dir.toString(), base,
                            phase(system, w, workload(w, base, s), true, s, log), log));
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

    /**
     * The {@code cluster} system against {@code startCluster} nodes started in this JVM (data under
     * {@code root/cluster-nodes}): load and workloads, then the cross-replica check (converged; every region's
     * digests equal on every replica; every cached region equal to its node's RocksDB; no memory left after close).
     */
    private static List<PhaseResult> onStartedCluster(final Settings s, final Path root, final java.io.PrintStream log)
        throws Exception
    {
        final Path dir = root.resolve("cluster-nodes");
        deleteTree(dir);
        final List<PhaseResult> results = new ArrayList<>();
        try (LocalNodes cluster = LocalNodes.start(s.startCluster, dir))
        {
            s.extra.setProperty("regioncache.cluster", cluster.peerList());
            log.println("started " + s.startCluster + " nodes in this JVM: " + cluster.peerList());
            final Properties base = new Properties();
            base.putAll(s.extra);
            base.setProperty("recordcount", Long.toString(s.records));
            final Runnable release = hold("cluster", dir.toString(), base);
            try
            {
                results.add(phase("cluster", "load", workload("a", base, s), false, s, log));
                for (final String w : s.workloads)
                {
                    results.add(phase("cluster", w, workload(w, base, s), true, s, log));
                }
            }
            finally
            {
                release.run();
            }
            final String why = ReplicaCheck.awaitConverged(cluster.nodes(), 60_000);
            final List<String> divergences = why == null ? ReplicaCheck.divergences(cluster.nodes()) : List.of();
            final int regions = ReplicaCheck.regions(cluster.nodes()).size();
            final List<String> leaks = cluster.closeAll();
            if (why != null)
            {
                s.clusterProblems.add("not converged: " + why);
            }
            s.clusterProblems.addAll(divergences);
            if (!leaks.isEmpty())
            {
                s.clusterProblems.add("memory in use after close: " + leaks);
            }
            s.clusterCheck = s.clusterProblems.isEmpty() ? "converged, " + regions + " regions equal on every " +
                "replica, every cached region equal to its node's RocksDB, 0 bytes in use after close"
                : s.clusterProblems.toString();
            log.println("cross-replica check: " + s.clusterCheck);
        }
        finally
        {
            deleteTree(dir);
        }
        return results;
    }

    /**
     * For the hybrid: the host's region count and the store's GC safe point after the phase, into the log and the
     * result (what the README says about splits and GC, visible in a run).
     */
    private static PhaseResult layout(final String system, final String dir, final Properties p, final PhaseResult r,
        final java.io.PrintStream log) throws Exception
    {
        if (!"regioncache".equals(system))
        {
            return r;
        }
        final HybridStore store = RegionCacheHybridDB.KIND.acquire(dir, p); // open: the runner holds it
        try
        {
            r.regions = store.regions();
            r.gcSafePoint = store.engine.store().gcSafePoint();
        }
        finally
        {
            RegionCacheHybridDB.KIND.release(dir);
        }
        log.printf(Locale.ROOT, "%-12s %-5s %d regions, GC safe point %d%n", system, r.workload, r.regions,
            r.gcSafePoint);
        return r;
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
            case "cluster":
            {
                RegionCacheClusterDB.open(p);
                final String key = RegionCacheClusterDB.keyOf(p);
                return () ->
                {
                    try
                    {
                        SharedStores.release(key);
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                };
            }
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
        final long total = transactions ? s.operations : s.records;
        // Never more threads than operations: YCSB's ClientThread reads an operation count of 0 as "no limit", so a
        // thread given none ran until --seconds ended the phase (a load has no such end: it inserted until the store
        // failed). Every thread started here has at least one operation.
        final int threads = (int)Math.min(s.threads, total);
        final CountDownLatch done = new CountDownLatch(threads);
        final List<ClientThread> clients = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            // DBFactory.newDB, with ExceptionsAsErrors between YCSB's measuring wrapper and the binding: a binding's
            // exception would otherwise reach ClientThread, which calls System.exit(0) (see ExceptionsAsErrors)
            final DB binding = (DB)Class.forName(SYSTEMS.get(system)).getDeclaredConstructor().newInstance();
            binding.setProperties(props);
            final DB db = new DBWrapper(new ExceptionsAsErrors(binding), tracer);
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
