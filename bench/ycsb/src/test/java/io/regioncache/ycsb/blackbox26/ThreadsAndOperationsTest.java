package io.regioncache.ycsb.blackbox26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.Status;

/**
 * README: "--operations N (per workload; a phase runs at most as many threads as it has operations or records, so
 * --operations 1 --threads 2 runs one)". A binding that answers OK and counts, per phase (the client threads are
 * named after it), the threads that ran and the operations they did.
 */
class ThreadsAndOperationsTest
{
    static final Map<String, Set<Long>> THREADS = new ConcurrentHashMap<>();
    static final Map<String, AtomicLong> OPS = new ConcurrentHashMap<>();

    /** Answers OK; counts. */
    public static final class CountingDB extends DB
    {
        private static void count()
        {
            final String phase = Thread.currentThread().getName();
            THREADS.computeIfAbsent(phase, p -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread().getId());
            OPS.computeIfAbsent(phase, p -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public Status read(final String table, final String key, final Set<String> fields,
            final Map<String, ByteIterator> result)
        {
            count();
            return Status.OK;
        }

        @Override
        public Status scan(final String table, final String startkey, final int recordcount,
            final Set<String> fields, final Vector<HashMap<String, ByteIterator>> result)
        {
            count();
            return Status.OK;
        }

        @Override
        public Status update(final String table, final String key, final Map<String, ByteIterator> values)
        {
            count();
            return Status.OK;
        }

        @Override
        public Status insert(final String table, final String key, final Map<String, ByteIterator> values)
        {
            count();
            return Status.OK;
        }

        @Override
        public Status delete(final String table, final String key)
        {
            count();
            return Status.OK;
        }
    }

    private static int threads(final String phase)
    {
        final Set<Long> t = THREADS.get("ycsb-counting-" + phase);
        return t == null ? 0 : t.size();
    }

    private static long ops(final String phase)
    {
        final AtomicLong n = OPS.get("ycsb-counting-" + phase);
        return n == null ? 0 : n.get();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void threadsAreCappedByRecordsForTheLoadAndByOperationsForEachWorkload(@TempDir final Path dir) throws Exception
    {
        for (final int[] c : new int[][] {{3, 2, 8}, {5, 9, 4}, {1, 1, 16}, {7, 3, 3}})
        {
            THREADS.clear();
            OPS.clear();
            final Runner.Run r = Runner.withSystem("counting", CountingDB.class, "--systems", "counting",
                "--workloads", "a,b,c,d,e", "--records", "" + c[0], "--operations", "" + c[1], "--threads", "" + c[2],
                "--seconds", "0", "--data", dir.resolve("d" + c[0] + c[1] + c[2]).toString());
            assertEquals(0, r.exit(), r.all());
            assertEquals(Math.min(c[0], c[2]), threads("load"), "load threads, records/ops/threads " +
                c[0] + "/" + c[1] + "/" + c[2]);
            assertEquals(c[0], ops("load"), "load inserts");
            assertEquals(c[0], r.ops("counting", "load"), r.out());
            for (final String w : new String[] {"a", "b", "c", "d", "e"})
            {
                assertEquals(Math.min(c[1], c[2]), threads(w), w + " threads, records/ops/threads " + c[0] + "/" +
                    c[1] + "/" + c[2]);
                assertEquals(c[1], ops(w), w + " operations");
                assertEquals(c[1], r.ops("counting", w), r.out());
            }
        }
    }

    static final Map<String, String> SHAPES = new ConcurrentHashMap<>();

    /** Records the shape (fields x bytes) of every inserted record. */
    public static final class ShapeDB extends ExitStatusTest.OkDB
    {
        @Override
        public Status insert(final String table, final String key, final Map<String, ByteIterator> values)
        {
            final StringBuilder shape = new StringBuilder().append(values.size()).append(" fields:");
            new java.util.TreeMap<>(values).forEach((k, v) -> shape.append(' ').append(v.toArray().length));
            SHAPES.put(shape.toString(), key);
            return Status.OK;
        }
    }

    /** README: "records of 10 fields x 100 bytes" (the workload files' values). */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void recordsAreTenFieldsOfAHundredBytes(@TempDir final Path dir) throws Exception
    {
        SHAPES.clear();
        // no --workloads: the default ones
        final Runner.Run r = Runner.withSystem("shape", ShapeDB.class, "--systems", "shape", "--records", "50",
            "--operations", "200", "--seconds", "0", "--data", dir.toString());
        assertEquals(0, r.exit(), r.all());
        assertEquals(Set.of("10 fields: 100 100 100 100 100 100 100 100 100 100"), SHAPES.keySet());
        // the phases in the README's order: load, then A, B, C, F, D, E (and nothing else)
        int at = -1;
        for (final String phase : new String[] {"load", "a", "b", "c", "f", "d", "e"})
        {
            final int next = r.out().indexOf("\nshape        " + phase + " ");
            final int first = r.out().startsWith("shape        " + phase + " ") ? 0 : next;
            assertTrue(first > at, phase + " after the phase before it:\n" + r.out());
            at = first;
        }
        assertEquals(7, r.out().lines().filter(l -> l.startsWith("shape ")).count(), r.out());
    }

    /** --seconds ends a workload that has more operations than time. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void secondsEndAWorkload(@TempDir final Path dir) throws Exception
    {
        THREADS.clear();
        OPS.clear();
        final long start = System.nanoTime();
        final Runner.Run r = Runner.withSystem("counting", CountingDB.class, "--systems", "counting",
            "--workloads", "c", "--records", "10", "--operations", "2000000000", "--threads", "2", "--seconds", "1",
            "--data", dir.toString());
        final long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, r.exit(), r.all());
        assertTrue(ms < 30_000, "ended by --seconds 1: " + ms + " ms");
        assertTrue(r.ops("counting", "c") > 0 && r.ops("counting", "c") < 2_000_000_000L, r.out());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readModifyWriteIsOneOperationOfTheWorkload(@TempDir final Path dir) throws Exception
    {
        THREADS.clear();
        OPS.clear();
        final Runner.Run r = Runner.withSystem("counting", CountingDB.class, "--systems", "counting",
            "--workloads", "f", "--records", "10", "--operations", "40", "--threads", "3", "--seconds", "0",
            "--data", dir.toString());
        assertEquals(0, r.exit(), r.all());
        assertEquals(40, r.ops("counting", "f"), "--operations counts YCSB operations: " + r.out());
        assertTrue(ops("f") >= 40 && ops("f") <= 80, "binding calls: " + ops("f"));
        assertEquals(3, threads("f"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void realSystemsRunExactlyTheOperationsAndRecordsGiven(@TempDir final Path dir) throws Exception
    {
        final Runner.Run r = Runner.run("--workloads", "a,b,c,f,d,e", "--records", "37", "--operations", "23",
            "--threads", "4", "--seconds", "0", "--data", dir.toString(), "-p", "regioncache.cacheBytes=" + (64 << 20),
            "-p", "regioncache.splitKeys=8", "-p", "regioncache.gcEveryWrites=10", "-p", "lmdb.mapSize=" + (64 << 20));
        assertEquals(0, r.exit(), r.all());
        for (final String system : new String[] {"regioncache", "rocksdb", "lmdb"})
        {
            assertEquals(37, r.ops(system, "load"), system + ": " + r.out());
            for (final String w : new String[] {"a", "b", "c", "f", "d", "e"})
            {
                assertEquals(23, r.ops(system, w), system + " " + w + ": " + r.out());
            }
        }
        assertTrue(r.out().indexOf("regioncache  load") < r.out().indexOf("rocksdb      load") &&
            r.out().indexOf("rocksdb      load") < r.out().indexOf("lmdb         load"), "default systems in order");
    }
}
