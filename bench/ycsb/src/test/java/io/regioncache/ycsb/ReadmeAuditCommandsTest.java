package io.regioncache.ycsb;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md "### YCSB: workloads A–F against RocksDB and LMDB": the documented command lines,
 * the binding defaults, the output file names and the order of inserts across workloads D and E. YcsbSmokeTest
 * covers the rest (exit codes, the smoke itself).
 */
class ReadmeAuditCommandsTest
{
    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    /**
     * The README's run command, and the cluster run ("the command above with --records 10000 --seconds 20 --threads
     * 2 --systems cluster --start-cluster 3 ... --name cluster -p regioncache.splitKeys=2500"), parse to what the
     * text says: load then A, B, C, F, D, E on regioncache, rocksdb and lmdb; 20 s per workload; 2 threads.
     */
    @Test
    void theReadmeCommandLinesParseToTheDescribedRuns()
    {
        final String[] main = {"--records", "1000000", "--seconds", "20", "--threads", "2", "--data", "/tmp/ycsb-run",
            "--out", "jmh-results/ycsb", "-p", "regioncache.gcEveryWrites=500000"};
        final YcsbRunner.Settings s = YcsbRunner.parse(main);
        assertEquals(1_000_000, s.records);
        assertEquals(20, s.seconds);
        assertEquals(2, s.threads);
        assertEquals(List.of("regioncache", "rocksdb", "lmdb"), s.systems);
        assertEquals(List.of("a", "b", "c", "f", "d", "e"), s.workloads);
        assertEquals("500000", s.extra.getProperty("regioncache.gcEveryWrites"));

        final List<String> cluster = new ArrayList<>(List.of(main));
        cluster.addAll(List.of("--records", "10000", "--seconds", "20", "--threads", "2", "--systems", "cluster",
            "--start-cluster", "3", "--data", "/tmp/ycsb-cluster-run", "--out", "jmh-results/ycsb", "--name", "cluster",
            "-p", "regioncache.splitKeys=2500"));
        final YcsbRunner.Settings c = YcsbRunner.parse(cluster.toArray(new String[0]));
        assertEquals(10_000, c.records);
        assertEquals(List.of("cluster"), c.systems);
        assertEquals(3, c.startCluster);
        assertEquals("2500", c.extra.getProperty("regioncache.splitKeys"));

        // the documented options
        final YcsbRunner.Settings o = YcsbRunner.parse(new String[] {"--systems", "regioncache,rocksdb,lmdb",
            "--workloads", "a,b,c,f,d,e", "--operations", "7", "-p", "regioncache.cacheBytes=" + (64 << 20), "-p",
            "regioncache.splitKeys=10", "-p", "lmdb.mapSize=" + (16 << 20)});
        assertEquals(7, o.operations);
    }

    /**
     * "--out DIR receives ycsb-results.json, ycsb-summary.md, ycsb-throughput.svg and ycsb-p99.svg"; "--name NAME
     * writes ycsb-NAME-* files beside the others"; and the files the section cites are in jmh-results/ycsb.
     */
    @Test
    void outputFileNamesAndTheCitedFilesExist()
    {
        assertEquals(List.of("ycsb-results.json", "ycsb-summary.md", "ycsb-throughput.svg", "ycsb-p99.svg"),
            List.of(YcsbReport.RESULTS, YcsbReport.TABLE, YcsbReport.CHART, YcsbReport.LATENCY_CHART));
        assertEquals("ycsb-cluster-results.json", YcsbReport.file(YcsbReport.RESULTS, "cluster"));
        assertEquals("ycsb-cluster-summary.md", YcsbReport.file(YcsbReport.TABLE, "cluster"));
        for (final String f : List.of("ycsb-summary.md", "ycsb-results.json", "ycsb-throughput.svg",
            "ycsb-cluster-results.json", "ycsb-cluster-summary.md", "ycsb-cluster-run.log.txt"))
        {
            assertTrue(Files.isRegularFile(ROOT.resolve("jmh-results/ycsb").resolve(f)), f);
        }
        for (final String w : List.of("a", "b", "c", "d", "e", "f"))
        {
            assertTrue(Files.isRegularFile(ROOT.resolve("bench/ycsb/src/main/resources/workloads/workload" + w)), w);
        }
    }

    /**
     * The hybrid binding's defaults: "regioncache.splitKeys (65,536)", "regioncache.gcEveryWrites ... 200,000 by
     * default". Opens the binding's store (RocksDB in a temporary directory, a 64 MB cache) with neither set.
     */
    @Test
    void hybridBindingDefaults(@TempDir final Path dir) throws Exception
    {
        final Properties p = new Properties();
        p.setProperty("regioncache.cacheBytes", Long.toString(64L << 20));
        final String d = dir.resolve("hybrid").toString();
        Files.createDirectories(dir.resolve("hybrid"));
        final HybridStore store = RegionCacheHybridDB.KIND.acquire(d, p);
        try
        {
            assertEquals(65_536, (int)field(store, "splitKeys"));
            assertEquals(200_000L, (long)field(store, "gcEveryWrites"));
            assertEquals(1, store.regions(), "regions start as one");
        }
        finally
        {
            RegionCacheHybridDB.KIND.release(d);
        }
    }

    private static Object field(final Object o, final String name) throws ReflectiveOperationException
    {
        final Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    /** Inserted keys per phase, by the client thread's name ("ycsb-SYSTEM-PHASE"). */
    static final Map<String, List<String>> INSERTS = new ConcurrentHashMap<>();

    /** A binding that answers OK and records every insert under its phase. */
    public static final class RecordingDB extends DB
    {
        @Override
        public Status read(final String table, final String key, final Set<String> fields,
            final Map<String, ByteIterator> result)
        {
            return Status.OK;
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
            INSERTS.computeIfAbsent(Thread.currentThread().getName(), n -> Collections.synchronizedList(
                new ArrayList<>())).add(key);
            return Status.OK;
        }

        @Override
        public Status delete(final String table, final String key)
        {
            return Status.OK;
        }
    }

    /**
     * "D and E insert; unlike YCSB's recipe there is no reload before E, and E's inserts rewrite the keys D inserted,
     * each workload's inserts starting at the record count": with one client thread, D's and E's inserted keys are
     * the same sequence from key number {@code records} on (one a prefix of the other), none of them a loaded key.
     */
    @Test
    void dAndEInsertTheSameKeysFromTheRecordCountOn(@TempDir final Path dir) throws Exception
    {
        INSERTS.clear();
        YcsbRunner.SYSTEMS.put("recording", RecordingDB.class.getName());
        try
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final int exit = YcsbRunner.execute(new String[] {"--records", "100", "--operations", "600", "--seconds",
                "0", "--threads", "1", "--systems", "recording", "--workloads", "d,e", "--data", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(YcsbRunner.EXIT_OK, exit, out.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            YcsbRunner.SYSTEMS.remove("recording");
        }
        final List<String> load = INSERTS.get("ycsb-recording-load");
        final List<String> d = INSERTS.get("ycsb-recording-d");
        final List<String> e = INSERTS.get("ycsb-recording-e");
        assertEquals(100, load.size());
        assertTrue(d != null && !d.isEmpty() && e != null && !e.isEmpty(), "D and E inserted: " + INSERTS.keySet());
        final List<String> shorter = d.size() <= e.size() ? d : e;
        final List<String> longer = d.size() <= e.size() ? e : d;
        assertEquals(shorter, longer.subList(0, shorter.size()), "E's inserts rewrite D's (same key sequence)");
        for (final String k : longer)
        {
            assertFalse(load.contains(k), "an insert of D/E hit a loaded key: " + k);
        }
    }
}
