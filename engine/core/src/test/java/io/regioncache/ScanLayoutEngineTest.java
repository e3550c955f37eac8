package io.regioncache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.internal.table.MvccTable;
import io.regioncache.store.InMemoryBackingStore;

import static io.regioncache.GcSupport.b;
import static io.regioncache.GcSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A region's nodes are in key order in memory after a load and after a compaction (what lets a scan stream, see
 * {@code TableCursor}), and scans racing a compaction that relays a scattered region out read exactly the data of
 * their version throughout, through the old table and then the new one. Seeds are printed in failure messages.
 */
class ScanLayoutEngineTest
{
    private static final int KEYS = 3_000;

    private static byte[] key(final int i)
    {
        return b(String.format("k%07d", i)); // ASCII: the model compares Strings
    }

    private static String value(final int i, final long v)
    {
        return "v" + v + "-" + i + "-" + "x".repeat(i % 150);
    }

    @ParameterizedTest(name = "pipelined {0}")
    @ValueSource(booleans = {true, false})
    void aLoadLaysTheRegionOutInKeyOrder(final boolean pipelined)
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final GcSupport.Model model = new GcSupport.Model();
        final Random random = new Random(5);
        for (int i = 0; i < KEYS; i++)
        {
            for (int v = 1 + random.nextInt(3); v > 0; v--)
            {
                final long version = 1 + random.nextInt(100);
                store.put(key(i), version, b(value(i, version)));
                model.put(GcSupport.s(key(i)), version, value(i, version));
            }
        }
        final List<Runnable> deferred = new ArrayList<>();
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(1 << 16).backingStore(store)
            .loaderExecutor(deferred::add).gcExecutor(deferred::add).pipelinedLoads(pipelined).build()))
        {
            final CompletableFuture<CommandResult> loaded = cache.loadRegion(new Region(1, b(""), b(""), 1));
            for (int i = 0; i < 100 && deferred.isEmpty(); i++)
            {
                cache.applyCycle();
            }
            assertEquals(1, deferred.size(), "load job handed to the loader");
            deferred.remove(0).run();
            assertEquals(ResultCode.OK, run(cache, loaded).code());
            for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
            {
                cache.applyCycle();
            }
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
            assertEquals(0, s.table().layoutBreaks(), "nodes out of key order after a load");
            assertEquals(model.view(Long.MAX_VALUE), GcSupport.scan(s));
            s.close();
        }
    }

    /**
     * Live writes through batches whose keys ascend (or descend) are laid out in key order: the apply thread inserts
     * an ascending batch first to last and any other batch last first, so both end up ascending in memory. Before,
     * every batch went in last first and an ascending batch of n keys left n - 1 backward links. A batch touching a
     * key twice still goes in last first, so its later operation wins.
     */
    @ParameterizedTest(name = "descending batches {0}")
    @ValueSource(booleans = {false, true})
    void keyOrderedLiveBatchesAreLaidOutInKeyOrder(final boolean descending)
    {
        final GcSupport.Model model = new GcSupport.Model();
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(1 << 16).capacityBytes(64L << 20).build()))
        {
            assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b(""), b(""), 1))).code());
            long version = 0;
            for (int start = 0; start < KEYS; start += 64)
            {
                version++;
                final WriteBatch wb = new WriteBatch(1, 1, version);
                for (int j = 0; j < 64 && start + j < KEYS; j++)
                {
                    final int k = descending ? Math.min(KEYS, start + 64) - 1 - j : start + j;
                    wb.put(key(k), b(value(k, version)));
                    model.put(GcSupport.s(key(k)), version, value(k, version));
                }
                assertEquals(!descending, wb.keysAscending());
                assertEquals(ResultCode.OK, run(cache, cache.write(wb)).code());
            }
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
            assertEquals(0, s.table().layoutBreaks(), "nodes out of key order after key-ordered batches");
            assertEquals(model.view(Long.MAX_VALUE), GcSupport.scan(s));
            s.close();

            // Ascending but for one key written twice (then a delete of another written twice): not ascending, so
            // applied last first, and the later operation on each key wins.
            version++;
            final WriteBatch dup = new WriteBatch(1, 1, version)
                .put(key(10), b("a")).put(key(11), b("first")).put(key(11), b("second")).put(key(12), b("c"))
                .put(key(13), b("put")).delete(key(13)).put(key(14), b("e"));
            assertFalse(dup.keysAscending());
            assertEquals(ResultCode.OK, run(cache, cache.write(dup)).code());
            model.put(GcSupport.s(key(10)), version, "a");
            model.put(GcSupport.s(key(11)), version, "second");
            model.put(GcSupport.s(key(12)), version, "c");
            model.delete(GcSupport.s(key(13)), version);
            model.put(GcSupport.s(key(14)), version, "e");
            assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
            assertEquals(model.view(Long.MAX_VALUE), GcSupport.scan(s));
            s.close();
            s.dispose();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 23})
    void aCompactionRelaysAScatteredRegionOutWhileReadersScan(final long seed) throws Exception
    {
        final String tag = "seed " + seed + ": ";
        final List<Runnable> deferred = new ArrayList<>();
        final GcSupport.Model model = new GcSupport.Model();
        final Random random = new Random(seed);
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(1 << 16).capacityBytes(256L << 20)
            .policyIntervalMillis(10_000_000).loaderExecutor(deferred::add).gcExecutor(deferred::add).build()))
        {
            assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b(""), b(""), 1))).code());
            // Keys written in random order, some several times: the nodes end up scattered.
            final List<Integer> order = new ArrayList<>();
            for (int i = 0; i < KEYS; i++)
            {
                order.add(i);
                if (random.nextInt(4) == 0)
                {
                    order.add(i);
                }
            }
            Collections.shuffle(order, random);
            long version = 0;
            for (int start = 0; start < order.size(); start += 16)
            {
                version++;
                final WriteBatch wb = new WriteBatch(1, 1, version);
                final java.util.Set<Integer> inBatch = new java.util.HashSet<>();
                for (int i = start; i < Math.min(order.size(), start + 16); i++)
                {
                    final int k = order.get(i);
                    if (inBatch.add(k))
                    {
                        wb.put(key(k), b(value(k, version)));
                        model.put(GcSupport.s(key(k)), version, value(k, version));
                    }
                }
                assertEquals(ResultCode.OK, run(cache, cache.write(wb)).code(), tag);
            }
            final long readVersion = version;
            final List<Map.Entry<String, String>> expected = new ArrayList<>(model.view(readVersion).entrySet());
            final Snapshot before = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, before.open(1, 1, readVersion), tag);
            final MvccTable scattered = before.table();
            assertTrue(scattered.layoutBreaks() > KEYS / 4, tag + "random-order writes must scatter the nodes");

            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch sawCompacted = new CountDownLatch(2);
            final CountDownLatch scanning = new CountDownLatch(2);
            final List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++)
            {
                final Thread t = new Thread(() -> scanUntilStopped(
                    cache, readVersion, expected, scattered, stop, failure, scanning, sawCompacted, tag));
                readers.add(t);
                t.start();
            }
            assertTrue(scanning.await(30, TimeUnit.SECONDS), tag);
            // Reads must stay above the safe point: the readers keep reading at readVersion through the compaction.
            assertEquals(ResultCode.OK, run(cache, cache.advanceSafePoint(readVersion - 1)).code(), tag);
            final long finished = cache.counters().compactionsFinished();
            final CompletableFuture<CommandResult> compacted = cache.compact(1);
            for (int i = 0; i < 100 && deferred.isEmpty(); i++)
            {
                cache.applyCycle();
            }
            assertEquals(1, deferred.size(), tag + "compaction job handed to the GC executor");
            deferred.remove(0).run(); // copies the scattered table while the readers scan it
            assertEquals(ResultCode.OK, run(cache, compacted).code(), tag);
            for (int i = 0; i < 100 && cache.counters().compactionsFinished() == finished; i++)
            {
                cache.applyCycle();
            }
            assertEquals(finished + 1, cache.counters().compactionsFinished(), tag + "compaction not swapped in");
            assertTrue(sawCompacted.await(60, TimeUnit.SECONDS) || failure.get() != null,
                tag + "readers never scanned the compacted table");
            stop.set(true);
            for (final Thread t : readers)
            {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(t.isAlive(), tag);
            }
            assertNull(failure.get(), () -> tag + failure.get());

            // The snapshot opened before still reads the old table; a new one reads the compacted table.
            assertEquals(model.view(readVersion), GcSupport.scan(before), tag);
            final Snapshot after = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, after.open(1, 1, readVersion), tag);
            assertNotSame(scattered, after.table(), tag);
            assertEquals(0, after.table().layoutBreaks(), tag + "nodes out of key order after a compaction");
            assertEquals(model.view(readVersion), GcSupport.scan(after), tag);
            after.close();
            before.close();
        }
    }

    /** One reader: scan the whole region at {@code readVersion} again and again, each scan compared in full. */
    private static void scanUntilStopped(
        final RegionCache cache, final long readVersion, final List<Map.Entry<String, String>> expected,
        final MvccTable scattered, final AtomicBoolean stop, final AtomicReference<Throwable> failure,
        final CountDownLatch scanning, final CountDownLatch sawCompacted, final String tag)
    {
        final Snapshot s = cache.newSnapshot();
        boolean counted = false;
        try
        {
            scanning.countDown();
            while (!stop.get() && failure.get() == null)
            {
                if (SnapshotStatus.OK != s.open(1, 1, readVersion))
                {
                    continue; // a transition in flight; try again
                }
                final boolean compacted = s.table() != scattered;
                final SnapshotIterator it = s.iterator();
                int i = 0;
                for (boolean ok = it.seekToFirst(); ok; ok = it.next(), i++)
                {
                    final Map.Entry<String, String> e = i < expected.size() ? expected.get(i) : null;
                    if (e == null || !e.getKey().equals(GcSupport.s(it.key())) ||
                        !e.getValue().equals(GcSupport.s(it.value())))
                    {
                        throw new AssertionError(tag + "entry " + i + " (compacted " + compacted + ") expected " + e);
                    }
                }
                if (i != expected.size())
                {
                    throw new AssertionError(tag + i + " entries, expected " + expected.size());
                }
                s.close();
                if (compacted && !counted)
                {
                    counted = true;
                    sawCompacted.countDown();
                }
            }
        }
        catch (final Throwable ex)
        {
            failure.compareAndSet(null, ex);
            sawCompacted.countDown();
        }
        finally
        {
            s.dispose();
        }
    }
}
