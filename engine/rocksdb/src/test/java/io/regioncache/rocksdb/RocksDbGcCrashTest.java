package io.regioncache.rocksdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GC's deletes skip the write-ahead log (see {@code RocksDbBackingStore#gcWriteOptions}): a crash may lose some of
 * them, and that must only ever leave garbage. A child JVM runs a seeded history of puts, deletes (so rounds keep
 * and then drop tombstones), GC rounds and memtable flushes at random points, then halts without closing anything:
 * RocksDB keeps its logged writes and the flushed memtables, and loses the rest of the GC's deletes. The parent
 * replays the same history into a reference store whose writes and deletes are all kept, reopens the child's
 * directory and checks that every key reads the same at every version from the last safe point up, then that the
 * first round of the reopened store (a full sweep) drops what the crash lost: both stores then hold the same
 * entries, byte for byte.
 */
class RocksDbGcCrashTest
{
    private static final int KEYS = 40;
    private static final int OPS = 3000;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13})
    void aCrashLosesOnlyGarbage(final long seed) throws Exception
    {
        final Path crashed = tmp.resolve("crashed");
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-exports");
        cmd.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.add(crashed.toString());
        cmd.add(Long.toString(seed));
        final Path out = tmp.resolve("child.out");
        final Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        assertEquals(Child.HALTED, child.exitValue(), "the child failed:\n" + Files.readString(out));

        RocksDB.loadLibrary();
        try (Options options = new Options().setCreateIfMissing(true);
             RocksDB refDb = RocksDB.open(options, tmp.resolve("reference").toString());
             RocksDbBackingStore reference = RocksDbBackingStore.wrap(refDb))
        {
            final long[] last = history(reference, seed, null);
            final long version = last[0];
            final long safePoint = last[1];
            try (RocksDbBackingStore reopened = RocksDbBackingStore.open(crashed))
            {
                for (int k = 0; k < KEYS; k++)
                {
                    for (long v = safePoint; v <= version; v++)
                    {
                        assertArrayEquals(reference.get(key(k), v), reopened.get(key(k), v),
                            "seed " + seed + ": key " + k + " at version " + v);
                    }
                }
                final long redropped = reopened.gcBelow(safePoint);
                assertEquals(0, reference.gcBelow(safePoint), "the reference swept at this safe point already");
                assertTrue(redropped > 0, "seed " + seed + ": the crash lost none of the GC's deletes (the test "
                    + "did not exercise what it is for)");
                RocksDbGcTest.assertSameEntries(refDb, reopened.db(), "seed " + seed + " after the first round");
                System.out.println("seed " + seed + ": the reopened store's first round dropped again " + redropped
                    + " entries the crash lost");
            }
        }
    }

    /**
     * The seeded history: puts and deletes on {@link #KEYS} keys (a few hot), a GC round every so often at a safe
     * point a little behind, and, in the child, a memtable flush now and then (so some rounds' deletes persist).
     *
     * @return {last version written, last safe point}.
     */
    static long[] history(final RocksDbBackingStore store, final long seed, final FlushOptions flush)
        throws Exception
    {
        final Random rnd = new Random(seed);
        long version = 0;
        long safePoint = 0;
        for (int i = 0; i < OPS; i++)
        {
            final int p = rnd.nextInt(100);
            final byte[] k = key(rnd.nextBoolean() ? rnd.nextInt(3) : rnd.nextInt(KEYS));
            if (p < 85)
            {
                store.put(k, ++version, ("v" + version).getBytes());
            }
            else if (p < 95)
            {
                store.delete(k, ++version);
            }
            else
            {
                safePoint = Math.max(safePoint, version - rnd.nextInt(10));
                store.gcBelow(safePoint);
            }
            final boolean flushNow = rnd.nextInt(400) == 0;
            if (flush != null && flushNow)
            {
                store.db().flush(flush);
            }
        }
        return new long[] {version, safePoint};
    }

    static byte[] key(final int i)
    {
        return String.format("k%03d", i).getBytes();
    }

    /** The crashing process: the history, then a halt with nothing closed or flushed. */
    public static final class Child
    {
        static final int HALTED = 42;

        private Child()
        {
        }

        /**
         * @param args the database directory, the seed.
         * @throws Exception on any failure (the exit code is then not {@link #HALTED}).
         */
        public static void main(final String[] args) throws Exception
        {
            final RocksDbBackingStore store = RocksDbBackingStore.open(Path.of(args[0]));
            history(store, Long.parseLong(args[1]), new FlushOptions().setWaitForFlush(true));
            System.out.flush();
            Runtime.getRuntime().halt(HALTED);
        }
    }
}
