package io.regioncache.blackbox10;

import static io.regioncache.blackbox10.B10.b;
import static io.regioncache.blackbox10.B10.ok;
import static io.regioncache.blackbox10.B10.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * A region of n deleted keys (put, then deleted in later batches) before one live key: gets and {@code multiGet}s of
 * deleted keys cost the same at n and 4n; a seek into the run, a backward seek over it and the map view's first key
 * land on the live key (a walk over the run, which the GC then removes); a compaction at the safe point gives back
 * the memory of the run.
 */
class TombstonesTest
{
    static byte[] k(final int i)
    {
        return b(String.format("k%08d", i));
    }

    /** n keys put at versions 1.., deleted at later versions, then "z" put: returns the last version. */
    private static int deletedRun(final RegionCache cache, final int n) throws Exception
    {
        ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)), "create");
        int v = 1;
        for (int from = 0; from < n; from += 1_000)
        {
            final WriteBatch w = new WriteBatch(1, 1, v++);
            for (int i = from; i < from + 1_000; i++)
            {
                w.put(k(i), b("value" + i));
            }
            ok(cache, cache.write(w), "put");
        }
        for (int from = 0; from < n; from += 1_000)
        {
            final WriteBatch w = new WriteBatch(1, 1, v++);
            for (int i = from; i < from + 1_000; i++)
            {
                w.delete(k(i));
            }
            ok(cache, cache.write(w), "delete");
        }
        ok(cache, cache.write(new WriteBatch(1, 1, v).put(b("z"), b("live"))), "z");
        return v;
    }

    /** Median time of 4,000 gets and 250 multiGets of 16 deleted keys. */
    private static long pointReads(final int n) throws Exception
    {
        try (RegionCache cache = RegionCache.create(B10.invoker().build()))
        {
            final int v = deletedRun(cache, n);
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, v));
            final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 9]);
            final int[] offs = new int[16];
            final int[] lens = new int[16];
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            final int[] vOffs = new int[16];
            final int[] vLens = new int[16];
            // the keys made before the timing (formatting them inside it timed the allocator)
            final UnsafeBuffer probes = new UnsafeBuffer(new byte[4_000 * 9]);
            for (int i = 0; i < 4_000; i++)
            {
                probes.putBytes(i * 9, k((int)((i * 7919L) % n)));
            }
            for (int j = 0; j < 16; j++)
            {
                offs[j] = j * 9;
                lens[j] = 9;
            }
            System.gc();
            final long t = B10.medianNanos(5, () -> {
                for (int i = 0; i < 4_000; i++)
                {
                    assertEquals(-1, snap.get(probes, i * 9, 9, dst, 0));
                }
                for (int i = 0; i < 250; i++)
                {
                    keys.putBytes(0, probes, (i * 16) % 3_984 * 9, 16 * 9);
                    assertEquals(0, snap.multiGet(keys, offs, lens, 16, dst, 0, vOffs, vLens));
                    assertEquals(-1, vLens[15]);
                }
            });
            snap.close();
            return t;
        }
    }

    @Test
    void pointReadsOfDeletedKeysDoNotDependOnTheRun()
    {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            // a hash lookup each: flat, though a larger table misses the CPU cache more; a walk over the run would
            // cost 4x at 4x the keys and far more than a lookup (each walk step is a node)
            B10.assertScalesInSomeRound("gets of deleted keys", "20000 keys", () -> pointReads(20_000), "80000 keys",
                () -> pointReads(80_000), 4.0);
        });
    }

    @Test
    void scansOverTheRunLandRightAndTheGcTakesItBack()
    {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (RegionCache cache = RegionCache.create(B10.invoker().build()))
            {
                final int n = 40_000;
                final int v = deletedRun(cache, n);
                final Snapshot snap = cache.newSnapshot();
                assertEquals(SnapshotStatus.OK, snap.open(1, 1, v));
                final SnapshotIterator it = snap.iterator();
                assertTrue(it.seek(k(0)));
                assertArrayEquals(b("z"), it.key());
                assertTrue(!it.seekForPrev(b("y")), "every key below y is deleted");
                assertTrue(it.seekToLast());
                assertArrayEquals(b("z"), it.key());
                assertTrue(!it.prev());
                assertArrayEquals(b("z"), snap.asNavigableMap().firstKey());
                assertEquals(1, snap.asNavigableMap().size());
                // an old snapshot still sees the run
                final Snapshot old = cache.newSnapshot();
                assertEquals(SnapshotStatus.OK, old.open(1, 1, n / 1_000));
                assertEquals("value" + (n - 1), s(old.get(k(n - 1))));
                old.close();
                snap.close();
                final long before = cache.memoryInUse();
                ok(cache, cache.advanceSafePoint(v), "safe point");
                ok(cache, cache.compact(1), "compact");
                for (int i = 0; i < 1_000; i++)
                {
                    cache.applyCycle();
                }
                final long after = cache.memoryInUse();
                System.out.printf("deleted run of %d keys: %d bytes before the compaction, %d after%n", n, before, after);
                assertTrue(after * 4 < before, () -> before + " -> " + after);
                assertEquals(SnapshotStatus.OK, snap.open(1, 1, v + 1)); // above the safe point
                assertNull(snap.get(k(5)));
                assertEquals("live", s(snap.get(b("z"))));
                assertTrue(snap.iterator().seekToFirst());
                snap.close();
            }
        });
    }
}
