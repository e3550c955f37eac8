package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreCursor;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.lmdb.LmdbBackingStore;

/**
 * README: "InMemoryBackingStore became a full WritableStore (atomic batches, MVCC delete-range, GC)"; "LMDB snapshots
 * are read transactions, writes one write transaction per batch" (and the stores are thread-safe: the cache opens a
 * snapshot on its apply thread and scans it on a loader thread). Readers racing a writer never see part of a batch.
 */
class AtomicBatchesTest
{
    private static final int BATCHES = 1500;

    @TempDir
    Path dir;

    private static long valueOf(final byte[] v)
    {
        return Long.parseLong(new String(v));
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void readersNeverSeeHalfABatch(final Bb24.Kind kind) throws Exception
    {
        try (WritableStore store = kind.open(dir))
        {
            final String[] keys = {"a", "m", "z"};
            final AtomicReference<Throwable> failed = new AtomicReference<>();
            final Thread writer = new Thread(() ->
            {
                try
                {
                    for (int v = 1; v <= BATCHES; v++)
                    {
                        final WriteBatch batch = new WriteBatch(0, 0, v);
                        for (final String k : keys)
                        {
                            batch.put(b(k), b(Integer.toString(v)));
                        }
                        store.applyBatch(batch);
                    }
                }
                catch (final Throwable t)
                {
                    failed.set(t);
                }
            }, "bb24-writer");
            writer.start();
            int rounds = 0;
            final List<String> tornMultiGets = new ArrayList<>();
            final UnsafeBuffer packed = new UnsafeBuffer(b("amz"));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            while (writer.isAlive() || rounds < 5)
            {
                rounds++;
                try (BackingSnapshot s = store.openSnapshot())
                {
                    final long[] seen = new long[3];
                    for (int i = 0; i < 3; i++)
                    {
                        final int n = s.get(new UnsafeBuffer(b(keys[i])), 0, 1, Long.MAX_VALUE, dst, 0);
                        seen[i] = n < 0 ? -1 : valueOf(java.util.Arrays.copyOf(dst.byteArray(), n));
                    }
                    assertTrue(seen[0] == seen[1] && seen[1] == seen[2],
                        kind + ": a snapshot saw part of a batch: " + java.util.Arrays.toString(seen));
                }
                try (StoreCursor c = store.newCursor(null, null, Long.MAX_VALUE))
                {
                    final List<Long> seen = new ArrayList<>();
                    while (c.next())
                    {
                        seen.add(valueOf(c.valueBytes()));
                    }
                    assertTrue(seen.isEmpty() || seen.size() == 3 && seen.get(0).equals(seen.get(1)) &&
                        seen.get(1).equals(seen.get(2)), kind + ": a cursor saw part of a batch: " + seen);
                }
                final int[] lengths = new int[3];
                final int[] offsets = new int[3];
                store.multiGet(packed, new int[] {0, 1, 2}, new int[] {1, 1, 1}, 0, 3, Long.MAX_VALUE, dst, 0,
                    offsets, lengths);
                final long[] got = new long[3];
                for (int i = 0; i < 3; i++)
                {
                    got[i] = lengths[i] < 0 ? -1 :
                        valueOf(java.util.Arrays.copyOfRange(dst.byteArray(), offsets[i], offsets[i] + lengths[i]));
                }
                if (got[0] != got[1] || got[1] != got[2])
                {
                    tornMultiGets.add(java.util.Arrays.toString(got));
                }
            }
            writer.join(TimeUnit.SECONDS.toMillis(60));
            assertNull(failed.get(), () -> "writer failed: " + failed.get());
            if (kind != Bb24.Kind.IN_MEMORY)
            {
                // RocksDB and LMDB document multiGet as one point in time (one iterator / one read transaction)
                assertEquals(List.of(), tornMultiGets, kind + ": multiGet saw part of a batch (" + rounds + " rounds)");
            }
            assertTrue(rounds >= 5);
        }
    }

    @Test
    void anLmdbSnapshotOpenedOnOneThreadIsReadOnOthers() throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        try (LmdbBackingStore store = LmdbBackingStore.open(dir, 1L << 28, false))
        {
            Bb24.put(store, 3, "a", "1", "b", "2");
            final BackingSnapshot snap = store.openSnapshot();
            Bb24.put(store, 4, "a", "later");
            final List<String> scanned = CompletableFuture.supplyAsync(() ->
            {
                final List<String> out = new ArrayList<>();
                snap.scan(new byte[0], new byte[0], (k, ko, kl, v, val, vo, vl) ->
                {
                    final byte[] kb = new byte[kl];
                    k.getBytes(ko, kb);
                    out.add(new String(kb) + "@" + v);
                    return true;
                });
                return out;
            }, pool).get(30, TimeUnit.SECONDS);
            assertEquals(List.of("a@3", "b@3"), scanned);
            final int n = CompletableFuture.supplyAsync(
                () -> snap.get(new UnsafeBuffer(b("a")), 0, 1, 10, new UnsafeBuffer(new byte[16]), 0), pool)
                .get(30, TimeUnit.SECONDS);
            assertEquals(1, n, "the snapshot's point in time, read on another thread");
            CompletableFuture.runAsync(snap::close, pool).get(30, TimeUnit.SECONDS);
        }
        finally
        {
            pool.shutdownNow();
        }
    }
}
