package io.regioncache.ycsb.blackbox26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.TimeUnit;

import org.codehaus.jackson.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.Status;

/**
 * README: "The runner exits 1 if any operation did not return OK, including an operation whose binding threw
 * (counted as Return=ERROR; YCSB's own client thread would have called System.exit(0))". The existing tests cover
 * reads that fail or throw; here inserts, updates and scans that throw, a status other than OK that is not an
 * error, a real binding that fails (LMDB's map full), and a single bad operation among many.
 */
class ExitStatusTest
{
    /** Everything OK except what a subclass overrides. */
    public static class OkDB extends DB
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
            return Status.OK;
        }

        @Override
        public Status delete(final String table, final String key)
        {
            return Status.OK;
        }
    }

    /** Inserts throw. */
    public static final class ThrowingInsertsDB extends OkDB
    {
        @Override
        public Status insert(final String table, final String key, final Map<String, ByteIterator> values)
        {
            throw new IllegalStateException("insert failed");
        }
    }

    /** Updates throw. */
    public static final class ThrowingUpdatesDB extends OkDB
    {
        @Override
        public Status update(final String table, final String key, final Map<String, ByteIterator> values)
        {
            throw new UnsupportedOperationException("update failed");
        }
    }

    /** Scans throw. */
    public static final class ThrowingScansDB extends OkDB
    {
        @Override
        public Status scan(final String table, final String startkey, final int recordcount,
            final Set<String> fields, final Vector<HashMap<String, ByteIterator>> result)
        {
            throw new IllegalArgumentException("scan failed");
        }
    }

    /** Reads find nothing (not an error, but not OK). */
    public static final class NotFoundDB extends OkDB
    {
        @Override
        public Status read(final String table, final String key, final Set<String> fields,
            final Map<String, ByteIterator> result)
        {
            return Status.NOT_FOUND;
        }
    }

    /** Exactly one read of the run throws. */
    public static final class OneBadReadDB extends OkDB
    {
        static final java.util.concurrent.atomic.AtomicInteger READS = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public Status read(final String table, final String key, final Set<String> fields,
            final Map<String, ByteIterator> result)
        {
            if (READS.incrementAndGet() == 17)
            {
                throw new IllegalStateException("the one bad read");
            }
            return Status.OK;
        }
    }

    private static Runner.Run run(final Path dir, final Class<?> db, final String workloads) throws Exception
    {
        return Runner.withSystem("custom", db, "--systems", "custom", "--workloads", workloads, "--records", "40",
            "--operations", "60", "--seconds", "0", "--threads", "2", "--data", dir.resolve("data").toString(),
            "--out", dir.resolve("out").toString());
    }

    private static void assertExitOne(final Runner.Run r, final String what)
    {
        assertEquals(1, r.exit(), what + ": " + r.all());
        assertTrue(r.out().contains("NOT ALL OPERATIONS RETURNED OK"), what + ": " + r.out());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void throwingInsertsInTheLoadExitOneAndCountAsErrors(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = run(dir, ThrowingInsertsDB.class, "c");
        assertExitOne(r, "inserts throw");
        // YCSB's load thread stops at its first failed insert; every thread's failure is counted as ERROR
        final JsonNode load = new Results(dir.resolve("out/ycsb-results.json")).row("custom", "load");
        assertEquals(2, load.get("ops").get("INSERT").get("returns").get("ERROR").getLongValue(), load.toString());
        assertEquals(0, Results.ok(load, "INSERT"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void throwingUpdatesExitOne(@TempDir final Path dir) throws Exception
    {
        assertExitOne(run(dir.resolve("a"), ThrowingUpdatesDB.class, "a"), "updates throw (A)");
        assertExitOne(run(dir.resolve("f"), ThrowingUpdatesDB.class, "f"), "updates throw (F, read-modify-write)");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void throwingScansExitOne(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = run(dir, ThrowingScansDB.class, "e");
        assertExitOne(r, "scans throw");
        final JsonNode e = new Results(dir.resolve("out/ycsb-results.json")).row("custom", "e");
        assertTrue(e.get("ops").get("SCAN").get("returns").get("ERROR").getLongValue() > 0, e.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStatusOtherThanOkExitsOne(@TempDir final Path dir) throws Exception
    {
        assertExitOne(run(dir, NotFoundDB.class, "c"), "reads NOT_FOUND");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void oneBadOperationAmongManyExitsOne(@TempDir final Path dir) throws Exception
    {
        OneBadReadDB.READS.set(0);
        final Runner.Run r = run(dir, OneBadReadDB.class, "c,b");
        assertExitOne(r, "one read of 120 threw");
        final JsonNode c = new Results(dir.resolve("out/ycsb-results.json")).row("custom", "c");
        assertEquals(1, c.get("ops").get("READ").get("returns").get("ERROR").getLongValue(), c.toString());
        assertEquals(59, Results.ok(c, "READ"), c.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBadPhaseDoesNotStopTheOtherSystemsAndTheFilesAreStillWritten(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = Runner.withSystem("custom", NotFoundDB.class, "--systems", "custom,lmdb",
            "--workloads", "c", "--records", "20", "--operations", "20", "--seconds", "0", "--threads", "1",
            "--data", dir.resolve("data").toString(), "--out", dir.resolve("out").toString(),
            "-p", "lmdb.mapSize=" + (16 << 20));
        assertExitOne(r, "custom reads NOT_FOUND, lmdb fine");
        assertEquals(20, r.ops("lmdb", "c"), r.out());
        assertTrue(Files.size(dir.resolve("out/ycsb-results.json")) > 0);
    }

    /** LMDB's map full: its write throws inside the binding; the run must count it and exit 1. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aRealBindingThatFailsExitsOne(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = Runner.run("--systems", "lmdb", "--workloads", "c", "--records", "300",
            "--operations", "50", "--seconds", "0", "--threads", "2", "--data", dir.resolve("data").toString(),
            "--out", dir.resolve("out").toString(), "-p", "lmdb.mapSize=65536");
        assertExitOne(r, "lmdb map full");
        final JsonNode load = new Results(dir.resolve("out/ycsb-results.json")).row("lmdb", "load");
        assertTrue(Results.ok(load, "INSERT") < 300, load.toString());
        assertTrue(load.get("ops").get("INSERT").get("returns").get("ERROR").getLongValue() > 0, load.toString());
    }
}
