package io.regioncache.lmdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.regioncache.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes, range deletes and reads while another thread keeps the garbage collector busy. lmdbjava up to 0.9.1 handed
 * LMDB the address of a byte[] key's native copy without keeping the copy reachable (lmdbjava issue #252), so a
 * collection during {@code mdb_put} could free the key under LMDB: a verify run crashed the test JVM with SIGSEGV in
 * {@code mdb_node_search} under {@code LmdbBackingStore.deleteRange}. 0.9.2 keeps the copy alive. Time-bounded; the
 * failure it guards against is a crash of the JVM (the build then fails on the lost fork), or lost or corrupted data,
 * which the reads check.
 */
class LmdbGcPressureTest
{
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);
    private static final int KEYS = 256;
    private static final int MIN_ROUNDS = 11;
    private static final long FULL_GC_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    @TempDir
    Path dir;

    private volatile boolean running = true;
    private volatile long sink;

    @Test
    void writesAndRangeDeletesSurviveCollections() throws Exception
    {
        final Thread churn = new Thread(() ->
        {
            long s = 0;
            int i = 0;
            long nextFullGc = System.nanoTime();
            while (running)
            {
                // Young collections all the time, a full one every few milliseconds: often enough to land inside
                // an mdb_put (lmdbjava 0.9.1 crashed in each of the runs tried), rare enough to let the writer work.
                s += new byte[64 + (i++ & 1023)].length;
                if ((i & 0xFFF) == 0 && System.nanoTime() - nextFullGc > 0)
                {
                    System.gc();
                    nextFullGc = System.nanoTime() + FULL_GC_EVERY_NANOS;
                }
            }
            sink = s;
        }, "gc-churn");
        churn.setDaemon(true);
        churn.start();
        long rounds = 0;
        try (LmdbBackingStore store = LmdbBackingStore.open(Files.createDirectories(dir.resolve("db")), 64L << 20,
            false))
        {
            long version = 1;
            final long deadline = System.nanoTime() + RUN_NANOS;
            // At least the run's length, and at least MIN_ROUNDS rounds however slow a loaded machine makes them.
            while (System.nanoTime() < deadline || rounds < MIN_ROUNDS)
            {
                final long written = version++;
                final WriteBatch batch = new WriteBatch(0, 0, written);
                for (int k = 0; k < KEYS; k++)
                {
                    batch.put(key(k), value(k, written));
                }
                store.applyBatch(batch);
                for (int k = 0; k < KEYS; k += 37)
                {
                    final byte[] read = store.get(key(k), written);
                    assertTrue(read != null && java.util.Arrays.equals(value(k, written), read),
                        "key " + k + " at " + written);
                }
                assertEquals(KEYS, store.deleteRange(key(0), key(KEYS), version++));
                assertEquals(null, store.get(key(KEYS / 2), version - 1));
                rounds++;
            }
        }
        finally
        {
            running = false;
            churn.join();
        }
        assertTrue(rounds >= MIN_ROUNDS, "rounds: " + rounds);
    }

    private static byte[] key(final int k)
    {
        return new byte[] {'k', (byte)(k >>> 8), (byte)k, 'e', 'y', '-', '-', '-'};
    }

    private static byte[] value(final int k, final long version)
    {
        final byte[] v = new byte[24];
        v[0] = (byte)k;
        v[1] = (byte)(k >>> 8);
        for (int i = 2; i < v.length; i++)
        {
            v[i] = (byte)(version * 31 + i);
        }
        return v;
    }
}
