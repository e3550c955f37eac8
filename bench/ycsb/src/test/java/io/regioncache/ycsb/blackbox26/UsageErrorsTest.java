package io.regioncache.ycsb.blackbox26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README: the runner exits "2, with a line saying why, then the usage line, and nothing run, on an unknown option,
 * system or workload or a bad value (the bindings' -p properties above included, a --systems or --workloads list
 * naming none, a --data or --out that is, or lies under, a regular file, and --systems cluster without
 * -p regioncache.cluster=... or --start-cluster)". Boundaries and combinations the existing tests leave out.
 */
class UsageErrorsTest
{
    /** Exit 2; stderr is exactly two lines, a reason and then the usage line; nothing ran, nothing was created. */
    private static void assertUsageError(final Path dir, final List<String> args) throws Exception
    {
        final List<String> all = new ArrayList<>(List.of("--data", dir.resolve("data").toString(), "--out",
            dir.resolve("out").toString(), "--seconds", "0"));
        all.addAll(args);
        final Runner.Run r = Runner.run(all.toArray(new String[0]));
        assertEquals(2, r.exit(), args + ": " + r.all());
        final List<String> lines = r.errLines();
        assertEquals(2, lines.size(), args + ": a line saying why, then the usage line: " + r.err());
        assertFalse(lines.get(0).isBlank(), args + ": the reason");
        assertFalse(lines.get(0).startsWith("usage:"), args + ": the reason comes first: " + r.err());
        assertTrue(lines.get(1).startsWith("usage: "), args + ": then the usage line: " + r.err());
        assertEquals("", r.out(), args + ": nothing run");
        assertFalse(Files.exists(dir.resolve("data")), args + ": nothing run (no --data)");
        assertFalse(Files.exists(dir.resolve("out")), args + ": nothing run (no --out)");
    }

    /** The usage line names every option the README documents. */
    @Test
    void theUsageLineNamesEveryDocumentedOption(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = Runner.run("--data", dir.resolve("d").toString(), "--nonsense");
        assertEquals(2, r.exit(), r.all());
        final String usage = r.errLines().get(1);
        for (final String option : List.of("--systems", "--workloads", "--records", "--operations", "--seconds",
            "--threads", "--data", "--out", "--name", "--start-cluster", "-p key=value", "regioncache,rocksdb,lmdb",
            "cluster", "a,b,c,f,d,e"))
        {
            assertTrue(usage.contains(option), option + " in " + usage);
        }
        assertTrue(r.errLines().get(0).contains("--nonsense"), "the reason names the option: " + r.err());
    }

    @Test
    void boundaryValuesOfTheNumericOptionsAreUsageErrors(@TempDir final Path dir) throws Exception
    {
        for (final List<String> bad : List.of(
            List.of("--records", "0"), List.of("--records", "-1"), List.of("--records", "1.5"),
            List.of("--records", ""), List.of("--records", "99999999999999999999"),
            List.of("--operations", "0"), List.of("--operations", "-3"), List.of("--operations", "1e3"),
            List.of("--threads", "2147483648"), List.of("--threads", "-1"),
            List.of("--seconds", "x"), List.of("--start-cluster", "-1"), List.of("--start-cluster", "three"),
            List.of("--operations"), List.of("--threads"), List.of("--systems"), List.of("--workloads"),
            List.of("--data"), List.of("--out"), List.of("--name"), List.of("--start-cluster"), List.of("-p")))
        {
            assertUsageError(dir, bad);
        }
    }

    @Test
    void unknownOptionsSystemsAndWorkloadsAreUsageErrors(@TempDir final Path dir) throws Exception
    {
        for (final List<String> bad : List.of(
            List.of("--record", "10"), List.of("-records", "10"), List.of("records"), List.of("--p", "a=b"),
            List.of("--systems", "RegionCache"), List.of("--systems", "lmdb,,rocksdb"),
            List.of("--systems", " lmdb"), List.of("--systems", "lmdb;rocksdb"),
            List.of("--workloads", "A"), List.of("--workloads", "a,,b"), List.of("--workloads", "g"),
            List.of("--workloads", "load"), List.of("--workloads", "a b")))
        {
            assertUsageError(dir, bad);
        }
    }

    @Test
    void listsNamingNoneAreUsageErrors(@TempDir final Path dir) throws Exception
    {
        for (final List<String> bad : List.of(List.of("--systems", ""), List.of("--workloads", ""),
            List.of("--workloads", ",,,"), List.of("--systems", ",,,")))
        {
            assertUsageError(dir, bad);
        }
    }

    @Test
    void badBindingPropertiesAtTheirBoundsAreUsageErrors(@TempDir final Path dir) throws Exception
    {
        for (final String bad : List.of("regioncache.splitKeys=2147483648", "regioncache.splitKeys=-1",
            "regioncache.splitKeys=1.5", "regioncache.splitKeys=", "regioncache.gcEveryWrites=1.0",
            "regioncache.gcEveryWrites=", "regioncache.cacheBytes=0", "regioncache.cacheBytes=-5",
            "regioncache.cacheBytes=lots", "lmdb.mapSize=0", "lmdb.mapSize=-1", "lmdb.mapSize=16g", "=5", "novalue"))
        {
            assertUsageError(dir, List.of("--records", "10", "-p", bad));
        }
    }

    @Test
    void theBoundsThemselvesAreAccepted(@TempDir final Path dir) throws Exception
    {
        // gcEveryWrites=0 is documented ("0 = off"), splitKeys=1 and lmdb.mapSize=1 are the smallest positive values
        final Runner.Run r = Runner.run("--systems", "regioncache", "--workloads", "c", "--records", "20",
            "--operations", "20", "--seconds", "0", "--threads", "1", "--data", dir.resolve("d").toString(),
            "-p", "regioncache.gcEveryWrites=0", "-p", "regioncache.splitKeys=1",
            "-p", "regioncache.cacheBytes=" + (64 << 20), "-p", "lmdb.mapSize=1");
        assertEquals(0, r.exit(), r.all());
        assertEquals("", r.err(), r.all());
    }

    @Test
    void dataOrOutDeepUnderARegularFileIsAUsageError(@TempDir final Path dir) throws Exception
    {
        final Path file = Files.writeString(dir.resolve("plain"), "x");
        for (final String option : List.of("--data", "--out"))
        {
            for (final Path p : List.of(file, file.resolve("a"), file.resolve("a/b/c")))
            {
                final Runner.Run r = Runner.run("--systems", "lmdb", "--workloads", "c", "--records", "10",
                    "--seconds", "0", "-p", "lmdb.mapSize=" + (16 << 20), option, p.toString());
                assertEquals(2, r.exit(), option + " " + p + ": " + r.all());
                assertEquals(2, r.errLines().size(), r.err());
                assertEquals("", r.out(), option + " " + p);
            }
        }
        assertEquals("x", Files.readString(file), "the file is left alone");
    }

    @Test
    void clusterWithoutAClusterIsAUsageErrorAlsoBesideOtherSystems(@TempDir final Path dir) throws Exception
    {
        for (final List<String> bad : List.of(List.of("--systems", "cluster", "--start-cluster", "0"),
            List.of("--systems", "lmdb,cluster"), List.of("--systems", "cluster,regioncache", "--records", "10")))
        {
            assertUsageError(dir, bad);
        }
    }

    /**
     * "--name NAME writes ycsb-NAME-* files beside the others": a NAME that cannot make such a file (it names a
     * directory that does not exist) is a bad value, and a bad value exits 2 with nothing run.
     */
    @Test
    void aNameThatCannotBeAFileNameIsAUsageError(@TempDir final Path dir) throws Exception
    {
        final List<String> args = List.of("--systems", "lmdb", "--workloads", "c", "--records", "10",
            "--operations", "10", "--threads", "1", "-p", "lmdb.mapSize=" + (16 << 20), "--name", "sub/run");
        Runner.Run r;
        try
        {
            final List<String> all = new ArrayList<>(List.of("--data", dir.resolve("data").toString(), "--out",
                dir.resolve("out").toString(), "--seconds", "0"));
            all.addAll(args);
            r = Runner.run(all.toArray(new String[0]));
        }
        catch (final Exception ex)
        {
            throw new AssertionError("README: exit 2 before anything runs; the runner threw instead: " + ex, ex);
        }
        assertEquals(2, r.exit(), r.all());
        assertEquals("", r.out(), "nothing run");
    }
    /** Runs the runner; an exception out of it is reported as what it is (README: exit 2 and nothing run). */
    private static Runner.Run runExpectingUsage(final Path dir, final List<String> args)
    {
        final List<String> all = new ArrayList<>(List.of("--data", dir.resolve("data").toString(), "--out",
            dir.resolve("out").toString(), "--seconds", "0"));
        all.addAll(args);
        try
        {
            return Runner.run(all.toArray(new String[0]));
        }
        catch (final Exception ex)
        {
            throw new AssertionError("README: exit 2 before anything runs; the runner threw instead: " + ex, ex);
        }
    }

    /**
     * lmdb.mapSize is one of "the bindings' -p properties above": a value LMDB cannot map (8 EiB) is a bad value,
     * so exit 2 and nothing run. Here a first system (rocksdb) would run all its phases before LMDB fails to open.
     */
    @Test
    void anLmdbMapSizeLmdbCannotMapIsAUsageError(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = runExpectingUsage(dir, List.of("--systems", "rocksdb,lmdb", "--workloads", "c",
            "--records", "20", "--operations", "20", "--threads", "1", "-p", "lmdb.mapSize=" + Long.MAX_VALUE));
        assertEquals(2, r.exit(), r.all());
        assertEquals("", r.out(), "nothing run");
    }

    /**
     * "-p key=value for YCSB and the bindings"; exit 2 "on ... a bad value": a YCSB property that is not a number
     * where YCSB needs one.
     */
    @Test
    void aBadYcsbPropertyIsAUsageError(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = runExpectingUsage(dir, List.of("--systems", "lmdb", "--workloads", "c", "--records",
            "20", "--operations", "20", "--threads", "1", "-p", "lmdb.mapSize=" + (16 << 20), "-p", "fieldcount=abc"));
        assertEquals(2, r.exit(), r.all());
        assertEquals(2, r.errLines().size(), r.err());
    }

    @Test
    void clusterTlsFilesThatDoNotExistAreAUsageError(@TempDir final Path dir) throws Exception
    {
        final Path none = dir.resolve("none");
        assertUsageError(dir, List.of("--systems", "cluster", "-p", "regioncache.cluster=n1=127.0.0.1:1",
            "-p", "regioncache.tls.cert=" + none.resolve("c.pem"), "-p", "regioncache.tls.key=" + none.resolve("k.pem"),
            "-p", "regioncache.tls.ca=" + none.resolve("ca.pem")));
        assertUsageError(dir, List.of("--systems", "cluster", "--start-cluster", "3",
            "-p", "regioncache.tls.key=" + none.resolve("k.pem")));
    }
}
