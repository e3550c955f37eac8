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
}
