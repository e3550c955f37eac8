package io.regioncache.ycsb.blackbox26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.codehaus.jackson.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.Status;

/**
 * README: "--out DIR receives ycsb-results.json, ycsb-summary.md, ycsb-throughput.svg and ycsb-p99.svg; without
 * --data the stores go to a temporary directory"; "Average, p95 and p99 of every operation are in ycsb-summary.md,
 * the raw numbers in ycsb-results.json"; "--name NAME writes ycsb-NAME-* files beside the others".
 */
class OutputFilesTest
{
    private static final List<String> FILES = List.of("results.json", "summary.md", "throughput.svg", "p99.svg");

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aNamedRunWritesTheFourNamedFilesIntoANewNestedOutDirectory(@TempDir final Path dir) throws Exception
    {
        final Path out = dir.resolve("x/y/z");
        final Runner.Run r = Runner.run("--systems", "lmdb", "--workloads", "c", "--records", "30", "--operations",
            "30", "--seconds", "0", "--threads", "1", "--data", dir.resolve("data").toString(), "--out",
            out.toString(), "--name", "first", "-p", "lmdb.mapSize=" + (16 << 20));
        assertEquals(0, r.exit(), r.all());
        final Runner.Run second = Runner.run("--systems", "lmdb", "--workloads", "c", "--records", "30",
            "--operations", "30", "--seconds", "0", "--threads", "1", "--data", dir.resolve("data").toString(),
            "--out", out.toString(), "-p", "lmdb.mapSize=" + (16 << 20));
        assertEquals(0, second.exit(), second.all());
        try (Stream<Path> files = Files.list(out))
        {
            final Set<String> names = new java.util.TreeSet<>();
            files.forEach(f -> names.add(f.getFileName().toString()));
            final Set<String> expected = new java.util.TreeSet<>();
            for (final String f : FILES)
            {
                expected.add("ycsb-first-" + f);
                expected.add("ycsb-" + f);
            }
            assertEquals(expected, names, "the named files beside the others, nothing else");
        }
        for (final String f : FILES)
        {
            assertTrue(Files.size(out.resolve("ycsb-first-" + f)) > 0, f);
        }
        assertTrue(Files.readString(out.resolve("ycsb-first-throughput.svg")).startsWith("<svg"));
        assertTrue(Files.readString(out.resolve("ycsb-first-p99.svg")).startsWith("<svg"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theSummaryHasAverageP95AndP99OfEveryOperationAndTheJsonTheRawNumbers(@TempDir final Path dir)
        throws Exception
    {
        final Path out = dir.resolve("out");
        final Runner.Run r = Runner.run("--systems", "lmdb,regioncache", "--records", "60", "--operations", "60",
            "--seconds", "0", "--threads", "2", "--data", dir.resolve("data").toString(), "--out", out.toString(),
            "-p", "lmdb.mapSize=" + (16 << 20), "-p", "regioncache.cacheBytes=" + (64 << 20));
        assertEquals(0, r.exit(), r.all());
        final String summary = Files.readString(out.resolve("ycsb-summary.md"));
        final Results res = new Results(out.resolve("ycsb-results.json"));
        int rows = 0;
        for (final String system : List.of("lmdb", "regioncache"))
        {
            assertEquals(7, res.rows(system).size(), system);
            for (final JsonNode row : res.rows(system))
            {
                rows++;
                final JsonNode ops = row.get("ops");
                for (final String op : List.of("READ", "UPDATE", "INSERT", "SCAN", "READ-MODIFY-WRITE"))
                {
                    final JsonNode o = ops.get(op);
                    if (o == null)
                    {
                        continue;
                    }
                    for (final String field : List.of("count", "averageUs", "p95Us", "p99Us", "returns"))
                    {
                        assertNotNull(o.get(field), system + " " + row.get("workload") + " " + op + " " + field);
                    }
                    assertTrue(summary.contains("| " + op + " |"), "summary row for " + op + ":\n" + summary);
                }
                assertEquals("regioncache".equals(system), row.get("regions") != null, "regions only for the hybrid");
            }
        }
        assertEquals(14, rows);
        for (final String w : List.of("load", "A 50/50 read/update", "B 95/5 read/update", "C read only",
            "D read latest", "E short scans", "F read-modify-write"))
        {
            assertTrue(summary.contains("| " + w + " |"), w + ":\n" + summary);
        }
        assertTrue(summary.contains("average / p95 / p99"), summary);
        assertTrue(summary.matches("(?s).*\\| [0-9.,]+ / [0-9,]+ / [0-9,]+ \\|.*"), summary);
    }

    static final Map<String, String> DIRS = new ConcurrentHashMap<>();

    /** Records the store directory it is given, answers OK. */
    public static final class DirDB extends ExitStatusTest.OkDB
    {
        @Override
        public void setProperties(final Properties p)
        {
            super.setProperties(p);
            DIRS.put(Thread.currentThread().getName(), p.getProperty("regioncache.dir", "(none)"));
        }

        @Override
        public Status read(final String table, final String key, final Set<String> fields,
            final Map<String, ByteIterator> result)
        {
            DIRS.put("op", getProperties().getProperty("regioncache.dir", "(none)"));
            return Status.OK;
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void withoutDataTheStoresGoToATemporaryDirectory(@TempDir final Path dir) throws Exception
    {
        DIRS.clear();
        final Runner.Run r = Runner.withSystem("dirs", DirDB.class, "--systems", "dirs", "--workloads", "c",
            "--records", "5", "--operations", "5", "--seconds", "0", "--threads", "1");
        assertEquals(0, r.exit(), r.all());
        final Path store = Path.of(DIRS.get("op"));
        final Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        assertTrue(store.toAbsolutePath().startsWith(tmp), store + " under " + tmp);
        assertFalse(store.toAbsolutePath().startsWith(Path.of("").toAbsolutePath()), "not the working directory");

        DIRS.clear();
        final Runner.Run withData = Runner.withSystem("dirs", DirDB.class, "--systems", "dirs", "--workloads", "c",
            "--records", "5", "--operations", "5", "--seconds", "0", "--threads", "1", "--data", dir.toString());
        assertEquals(0, withData.exit(), withData.all());
        assertTrue(Path.of(DIRS.get("op")).startsWith(dir), DIRS.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void withoutOutNoFilesAreWritten(@TempDir final Path dir) throws Exception
    {
        final Path data = dir.resolve("data");
        final Runner.Run r = Runner.run("--systems", "lmdb", "--workloads", "c", "--records", "10", "--operations",
            "10", "--seconds", "0", "--threads", "1", "--data", data.toString(), "--name", "n",
            "-p", "lmdb.mapSize=" + (16 << 20));
        assertEquals(0, r.exit(), r.all());
        assertFalse(r.out().contains("wrote "), r.out());
        try (Stream<Path> all = Files.walk(dir))
        {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith("ycsb-")), "no report files");
        }
    }
}
