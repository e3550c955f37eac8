package io.regioncache.ycsb;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The YCSB smoke: every system (RegionCache hybrid, RocksDB, LMDB) loads a few hundred records and runs workloads
 * A–F once through YCSB's own CoreWorkload and measuring DB wrapper; every operation YCSB counted must have
 * returned OK (YCSB's Client would exit 0 even if none did). Regions split during the load (a split every 64
 * inserts) and the cache is small, so splits and the load-based policy are on the path.
 */
class YcsbSmokeTest
{
    @Test
    void everyWorkloadOnEverySystemReturnsOk(@TempDir final Path dir) throws Exception
    {
        final YcsbRunner.Settings s = YcsbRunner.parse(new String[] {
            "--records", "400", "--operations", "400", "--seconds", "0", "--threads", "2",
            "--data", dir.resolve("data").toString(), "--out", dir.resolve("out").toString(),
            "-p", "regioncache.splitKeys=64", "-p", "regioncache.cacheBytes=" + (64 << 20),
            "-p", "regioncache.gcEveryWrites=100", "-p", "lmdb.mapSize=" + (64 << 20)});
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final List<PhaseResult> results = YcsbRunner.run(s, new PrintStream(log, true, StandardCharsets.UTF_8));
        final String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(3 * 7, results.size(), text);
        assertEquals(List.of(), PhaseResult.problems(results), text);
        for (final PhaseResult r : results)
        {
            assertEquals(400, r.operationsDone, r.system + " " + r.workload);
            assertTrue(r.throughput > 0, r.system + " " + r.workload);
        }
        // the README's binding: regions split at a median once they hold splitKeys (64) inserted keys, counting half
        // of the parent's, so 400 inserts leave between 400/64 and 400/32 regions; GC every 100 writes at the
        // version acknowledged one round earlier: after the 400th write the safe point is about the 300th
        final PhaseResult load = find(results, "regioncache", "load");
        assertTrue(load.regions >= 7 && load.regions <= 12, "regions after the load: " + load.regions);
        assertTrue(load.gcSafePoint >= 290 && load.gcSafePoint <= 310, "GC safe point after the load: " +
            load.gcSafePoint);
        // workload E scanned, D and E inserted, F read-modify-wrote, on every system
        for (final String system : s.systems)
        {
            assertTrue(find(results, system, "e").ops.get("SCAN").ok > 0, system);
            assertTrue(find(results, system, "d").ops.get("INSERT").ok > 0, system);
            assertTrue(find(results, system, "f").ops.get("READ-MODIFY-WRITE").operations > 0, system);
        }
        YcsbReport.write(results, s, dir.resolve("out"));
        assertTrue(Files.readString(dir.resolve("out").resolve(YcsbReport.TABLE)).contains("RegionCache hybrid"));
        assertTrue(Files.readString(dir.resolve("out").resolve(YcsbReport.CHART)).startsWith("<svg"));
        assertTrue(Files.readString(dir.resolve("out").resolve(YcsbReport.RESULTS)).contains("\"regions\" : "));
    }

    private static PhaseResult find(final List<PhaseResult> results, final String system, final String workload)
    {
        return results.stream().filter(r -> r.system.equals(system) && r.workload.equals(workload)).findFirst()
            .orElseThrow();
    }

    /** A binding whose reads fail: the check must see it (YCSB itself would report success). */
    public static final class FailingReadsDB extends DB
    {
        @Override
        public Status read(final String table, final String key, final Set<String> fields,
            final Map<String, ByteIterator> result)
        {
            return Status.ERROR;
        }

        @Override
        public Status scan(final String table, final String startkey, final int recordcount,
            final Set<String> fields, final Vector<HashMap<String, ByteIterator>> result)
        {
            return Status.OK;
        }

        @Override
        public Status update(final String table, final String key, final Map<String, ByteIterator> values)
        {
            return Status.OK;
        }

        @Override
        public Status insert(final String table, final String key, final Map<String, ByteIterator> values)
        {
            return Status.OK;
        }

        @Override
        public Status delete(final String table, final String key)
        {
            return Status.OK;
        }
    }

    @Test
    void failedOperationsAreReported(@TempDir final Path dir) throws Exception
    {
        YcsbRunner.SYSTEMS.put("failing", FailingReadsDB.class.getName());
        try
        {
            final YcsbRunner.Settings s = YcsbRunner.parse(new String[] {
                "--records", "50", "--operations", "50", "--seconds", "0", "--threads", "1",
                "--systems", "failing", "--workloads", "c", "--data", dir.toString()});
            final List<PhaseResult> results = YcsbRunner.run(s, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
            final List<String> problems = PhaseResult.problems(results);
            assertFalse(problems.isEmpty());
            assertTrue(problems.toString().contains("READ-FAILED=50"), problems.toString());
        }
        finally
        {
            YcsbRunner.SYSTEMS.remove("failing");
        }
    }

    /** A binding whose reads throw (as LMDB's map-full or a RocksDB I/O error would). */
    public static final class ThrowingReadsDB extends DB
    {
        @Override
        public Status read(final String table, final String key, final Set<String> fields,
            final Map<String, ByteIterator> result)
        {
            throw new IllegalStateException("read failed");
        }

        @Override
        public Status scan(final String table, final String startkey, final int recordcount,
            final Set<String> fields, final Vector<HashMap<String, ByteIterator>> result)
        {
            return Status.OK;
        }

        @Override
        public Status update(final String table, final String key, final Map<String, ByteIterator> values)
        {
            return Status.OK;
        }

        @Override
        public Status insert(final String table, final String key, final Map<String, ByteIterator> values)
        {
            return Status.OK;
        }

        @Override
        public Status delete(final String table, final String key)
        {
            return Status.OK;
        }
    }

    /**
     * "The runner exits 1 if any operation did not return OK", also when the binding throws: YCSB's ClientThread
     * would catch the exception and call System.exit(0) (this test's JVM would then die, failing the build).
     */
    @Test
    void throwingBindingExitsOne(@TempDir final Path dir) throws Exception
    {
        YcsbRunner.SYSTEMS.put("throwing", ThrowingReadsDB.class.getName());
        try
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final int exit = YcsbRunner.execute(new String[] {
                "--records", "50", "--operations", "50", "--seconds", "0", "--threads", "2",
                "--systems", "throwing", "--workloads", "c", "--data", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8));
            final String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(YcsbRunner.EXIT_NOT_ALL_OK, exit, text);
            assertTrue(text.contains("NOT ALL OPERATIONS RETURNED OK") && text.contains("READ-FAILED=50"), text);
        }
        finally
        {
            YcsbRunner.SYSTEMS.remove("throwing");
        }
    }

    /** A clean run exits 0 and writes the README's files into --out (one system, one workload). */
    @Test
    void cleanRunExitsZeroAndWritesItsFiles(@TempDir final Path dir) throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exit = YcsbRunner.execute(new String[] {
            "--records", "50", "--operations", "50", "--seconds", "0", "--threads", "1", "--systems", "lmdb",
            "--workloads", "c", "--data", dir.resolve("data").toString(), "--out", dir.resolve("out").toString(),
            "-p", "lmdb.mapSize=" + (16 << 20)},
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(YcsbRunner.EXIT_OK, exit, out.toString(StandardCharsets.UTF_8));
        for (final String f : List.of(YcsbReport.RESULTS, YcsbReport.TABLE, YcsbReport.CHART, YcsbReport.LATENCY_CHART))
        {
            assertTrue(Files.size(dir.resolve("out").resolve(f)) > 0, f);
        }
    }

    /** A bad option or value: exit 2 with one line saying why, before anything ran. */
    @Test
    void usageErrorsExitTwoBeforeRunning(@TempDir final Path dir) throws Exception
    {
        final String data = dir.resolve("data").toString();
        for (final String[] bad : List.of(
            new String[] {"--bogus", "1"}, new String[] {"--records"}, new String[] {"--records", "abc"},
            new String[] {"--threads", "0"}, new String[] {"--seconds", "-1"}, new String[] {"-p", "novalue"},
            new String[] {"--systems", "regioncache,foo"}, new String[] {"--workloads", "a,g"},
            // the bindings' documented -p properties (was: NumberFormatException from inside the run, exit 1, or
            // accepted: regioncache.splitKeys=0 split after every insert)
            new String[] {"-p", "regioncache.gcEveryWrites=abc"}, new String[] {"-p", "regioncache.gcEveryWrites=-1"},
            new String[] {"-p", "regioncache.splitKeys=0"}, new String[] {"-p", "regioncache.cacheBytes=1"},
            new String[] {"-p", "lmdb.mapSize=x"},
            // the cluster system without a cluster, with a malformed one, or with partial TLS (was: exit 1 with a
            // stack trace)
            new String[] {"--systems", "cluster"}, new String[] {"--systems", "cluster", "-p", "regioncache.cluster=n1"},
            new String[] {"--systems", "cluster", "-p", "regioncache.cluster=n1=127.0.0.1:9101", "-p",
                "regioncache.tls.cert=c.pem"}))
        {
            final String[] args = Stream.concat(Stream.of("--data", data, "--records", "10"), Stream.of(bad))
                .toArray(String[]::new);
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final int exit = YcsbRunner.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
            final String why = err.toString(StandardCharsets.UTF_8);
            assertEquals(YcsbRunner.EXIT_USAGE, exit, List.of(args) + ": " + why);
            assertTrue(why.startsWith("YcsbRunner: ") && why.contains("usage:"), why);
            assertEquals("", out.toString(StandardCharsets.UTF_8), List.of(args).toString());
            assertFalse(Files.exists(dir.resolve("data")), List.of(args).toString());
        }
    }
}
