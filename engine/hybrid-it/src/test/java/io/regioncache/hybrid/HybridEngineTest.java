package io.regioncache.hybrid;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.WritableStore;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.StoreException;
import io.regioncache.SnapshotStatus;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;

import static io.regioncache.hybrid.HybridTestSupport.b;
import static io.regioncache.hybrid.HybridTestSupport.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hybrid engine end to end: random writes, splits, merges, delete-ranges, loads and evictions, with every
 * hybrid read compared to a reference model and, at the end, a cross-check of every cached region.
 */
@ParameterizedClass
@EnumSource(Stores.class)
class HybridEngineTest
{
    /** The durable store under the hybrid engine in this run. */
    @Parameter
    Stores stores;

    private static final int KEYS = 200;

    @TempDir
    Path dir;

    /** The host's own view of a region (the cache may or may not hold it). */
    private static final class HostRegion
    {
        final long id;
        String start; // null = -infinity
        String end;   // null = +infinity
        long epoch;

        HostRegion(final long id, final String start, final String end, final long epoch)
        {
            this.id = id;
            this.start = start;
            this.end = end;
            this.epoch = epoch;
        }

        boolean contains(final String k)
        {
            return (start == null || k.compareTo(start) >= 0) && (end == null || k.compareTo(end) < 0);
        }

        Region region()
        {
            return new Region(id, start == null ? new byte[0] : b(start), end == null ? new byte[0] : b(end), epoch);
        }
    }

    @Test
    void randomOperationsMatchTheModelAndCrossCheckClean()
    {
        for (final long seed : new long[] {1, 2, 3})
        {
            runRandom(seed, dir.resolve("db" + seed));
        }
    }

    private void runRandom(final long seed, final Path db)
    {
        final Random rnd = new Random(seed);
        final HybridTestSupport h = new HybridTestSupport(stores, db);
        final List<HostRegion> regions = new ArrayList<>();
        regions.add(new HostRegion(1, null, null, 1));
        long nextId = 2;
        long version = 0;
        int reads = 0;
        try (HybridReader reader = h.engine.newReader())
        {
            for (int step = 0; step < 1500; step++)
            {
                final int op = rnd.nextInt(100);
                final HostRegion r = regions.get(rnd.nextInt(regions.size()));
                if (op < 40)
                {
                    // A batch of 1-4 ops on one region at one version.
                    final WriteBatch wb = new WriteBatch(r.id, r.epoch, ++version);
                    final int n = 1 + rnd.nextInt(4);
                    final List<String> touched = new ArrayList<>();
                    for (int i = 0; i < n; i++)
                    {
                        final String k = randomKeyIn(rnd, r);
                        if (k == null || touched.contains(k))
                        {
                            continue;
                        }
                        touched.add(k);
                        if (rnd.nextInt(5) == 0)
                        {
                            wb.delete(b(k));
                            h.record(k, version, null);
                        }
                        else
                        {
                            final byte[] v = new byte[rnd.nextInt(300)];
                            rnd.nextBytes(v);
                            wb.put(b(k), v);
                            h.record(k, version, v);
                        }
                    }
                    final CommandResult res = h.run(h.engine.write(wb));
                    assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.NOT_CACHED ||
                        res.code() == ResultCode.SKIPPED, res::toString);
                }
                else if (op < 48)
                {
                    final String k = randomKeyIn(rnd, r);
                    if (k != null && !k.equals(r.start))
                    {
                        final long id = nextId++;
                        final CommandResult res = h.run(h.engine.split(r.id, r.epoch, new byte[][] {b(k)},
                            new long[] {id}, r.epoch + 1));
                        // SKIPPED: the region was evicted while its load is still running (LOADING_CANCELED).
                        assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.NOT_CACHED ||
                            res.code() == ResultCode.SKIPPED, res::toString);
                        final HostRegion left = new HostRegion(id, r.start, k, r.epoch + 1);
                        r.start = k;
                        r.epoch++;
                        regions.add(left);
                    }
                }
                else if (op < 51 && regions.size() > 1)
                {
                    // Merge r with its right neighbour (TiKV evicts both; the merged region keeps r's id).
                    final HostRegion right = rightNeighbour(regions, r);
                    if (right != null)
                    {
                        h.run(h.engine.prepareMerge(right.id));
                        h.run(h.engine.commitMerge(r.id, right.id));
                        r.end = right.end;
                        r.epoch = Math.max(r.epoch, right.epoch) + 1;
                        regions.remove(right);
                        assertNull(h.engine.cache().stateOf(r.id));
                    }
                }
                else if (op < 53)
                {
                    final int a = rnd.nextInt(KEYS);
                    final int c = a + 1 + rnd.nextInt(20);
                    final String lo = key(a);
                    final String hi = key(Math.min(c, KEYS));
                    ++version;
                    for (final Map.Entry<String, byte[]> e : h.visible(lo, hi, version).entrySet())
                    {
                        h.record(e.getKey(), version, null);
                    }
                    final CommandResult res = h.run(h.engine.deleteRange(b(lo), b(hi), version));
                    assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.NOT_CACHED, res::toString);
                }
                else if (op < 63)
                {
                    if (h.engine.cache().stateOf(r.id) == null)
                    {
                        h.ok(h.engine.loadRegion(r.region()));
                    }
                }
                else if (op < 67)
                {
                    h.run(h.engine.evict(r.id, EvictReason.MANUAL));
                }
                else if (op < 75)
                {
                    // Run some of the queued loads (possibly none), then the installing cycle.
                    final int n = rnd.nextInt(h.loads.size() + 1);
                    for (int i = 0; i < n; i++)
                    {
                        h.loads.poll().run();
                    }
                    h.cycle();
                }
                else if (op < 92)
                {
                    final String k = randomKeyIn(rnd, r);
                    if (k != null)
                    {
                        final long at = version == 0 ? 1 : 1 + (long)(rnd.nextDouble() * version);
                        final byte[] got = reader.get(r.id, r.epoch, at, b(k));
                        final int s = step;
                        assertArrayEquals(h.expected(k, at), got, () -> "seed " + seed + " step " + s + ": " + k +
                            "@" + at + " via " + reader.lastStatus());
                        reads++;
                    }
                }
                else
                {
                    checkScan(h, reader, rnd, r, version, seed, step);
                    reads++;
                }
            }
            // Finish every load, then compare every cached region with the store and the model.
            while (!h.loads.isEmpty())
            {
                h.runLoads();
            }
            int active = 0;
            for (final HostRegion r : regions)
            {
                if (h.engine.cache().stateOf(r.id) == RegionState.ACTIVE)
                {
                    active++;
                    h.assertConsistent(r.id, h.visible(r.start, r.end, Long.MAX_VALUE).size());
                }
            }
            final List<CrossCheck.Report> all = CrossCheck.checkAll(h.engine);
            assertEquals(active, all.size());
            for (final CrossCheck.Report report : all)
            {
                assertTrue(report.ok(), report::toString);
            }
            assertTrue(active > 0, "seed " + seed + ": some region must end up cached");
            assertTrue(reads > 200);
            final HybridMetrics m = h.engine.metrics();
            assertTrue(m.cacheReads() > 0 && m.storeReads() > 0, m::toString);
            assertEquals(m.storeReads(), Arrays.stream(SnapshotStatus.values()).mapToLong(m::fallbacks).sum());
            assertEquals(0, m.fallbacks(SnapshotStatus.OK));
            assertEquals(0, m.reconciliations());
        }
        finally
        {
            h.close();
        }
    }

    private static void checkScan(
        final HybridTestSupport h, final HybridReader reader, final Random rnd, final HostRegion r, final long version,
        final long seed, final int step)
    {
        final String a = randomKeyIn(rnd, r);
        final String c = randomKeyIn(rnd, r);
        if (a == null || c == null)
        {
            return;
        }
        String lo = a.compareTo(c) <= 0 ? a : c;
        String hi = a.compareTo(c) <= 0 ? c : a;
        if (rnd.nextInt(4) == 0)
        {
            lo = r.start; // the region's own bounds, infinite ones included
            hi = r.end;
        }
        final long at = version == 0 ? 1 : 1 + (long)(rnd.nextDouble() * version);
        final NavigableMap<String, byte[]> expected = h.visible(lo, hi, at);
        final List<String> got = new ArrayList<>();
        try (HybridScan scan = reader.scan(r.id, r.epoch, at, lo == null ? new byte[0] : b(lo),
            hi == null ? new byte[0] : b(hi)))
        {
            while (scan.next())
            {
                final String k = new String(scan.keyBytes(), StandardCharsets.UTF_8);
                got.add(k);
                assertArrayEquals(expected.get(k), scan.valueBytes(), () -> "seed " + seed + " step " + step +
                    " scan value of " + k + "@" + at + " from " + (scan.servedByCache() ? "cache" : "store"));
            }
        }
        assertEquals(new ArrayList<>(expected.keySet()), got, () -> "seed " + seed + " step " + step + " scan");
    }

    private static HostRegion rightNeighbour(final List<HostRegion> regions, final HostRegion r)
    {
        if (r.end == null)
        {
            return null;
        }
        for (final HostRegion o : regions)
        {
            if (r.end.equals(o.start))
            {
                return o;
            }
        }
        return null;
    }

    private static String randomKeyIn(final Random rnd, final HostRegion r)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            final String k = key(rnd.nextInt(KEYS));
            if (r.contains(k))
            {
                return k;
            }
        }
        return null;
    }

    @Test
    void gcKeepsReadsAtOrAboveTheSafePointAndRefusesOlderOnes()
    {
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve("db"));
        try (HybridReader reader = h.engine.newReader())
        {
            for (int v = 1; v <= 50; v++)
            {
                h.put(1, 1, v, key(v % 5), "v" + v);
            }
            h.ok(h.engine.loadRegion(new Region(1, new byte[0], new byte[0], 1)));
            h.runLoads();
            assertTrue(h.engine.gc(30) > 0);
            for (long at = 30; at <= 50; at++)
            {
                for (int k = 0; k < 5; k++)
                {
                    // Through the store (epoch 9 never matches) and through the cache (at > 30 only).
                    assertArrayEquals(h.expected(key(k), at), reader.get(1, 9, at, b(key(k))));
                    if (at > 30)
                    {
                        assertArrayEquals(h.expected(key(k), at), reader.get(1, 1, at, b(key(k))));
                        assertEquals(SnapshotStatus.OK, reader.lastStatus());
                    }
                }
            }
            // At the safe point the cache refuses (TOO_OLD_READ) and the store still answers; below, both refuse.
            assertArrayEquals(h.expected(key(0), 30), reader.get(1, 1, 30, b(key(0))));
            assertEquals(SnapshotStatus.TOO_OLD_READ, reader.lastStatus());
            assertThrows(StoreException.class, () -> reader.get(1, 1, 29, b(key(0))));
            h.assertConsistent(1, 5);
        }
        finally
        {
            h.close();
        }
    }

    @Test
    void refusedWriteEvictsTheRangeItTouched()
    {
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve("db"));
        try
        {
            h.put(1, 1, 1, key(1), "a");
            h.ok(h.engine.loadRegion(new Region(1, new byte[0], new byte[0], 1)));
            h.runLoads();
            h.ok(h.engine.split(1, 1, new byte[][] {b(key(100))}, new long[] {2}, 2));
            // A write at the old epoch: the store takes it, the cache refuses it (STALE_EPOCH).
            final CommandResult r = h.run(h.engine.write(new WriteBatch(1, 1, 2).put(b(key(150)), b("late"))));
            assertEquals(ResultCode.STALE_EPOCH, r.code());
            h.cycle(); // the reconciling eviction
            assertEquals(1, h.engine.metrics().reconciliations());
            assertNull(h.engine.cache().stateOf(1), "the region holding the key is evicted");
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(2), "the other one is untouched");
            try (HybridReader reader = h.engine.newReader())
            {
                assertArrayEquals(b("late"), reader.get(1, 2, 2, b(key(150))));
            }
        }
        finally
        {
            h.close();
        }
    }

    @Test
    void dedicatedThreadEngineWithBackPressure()
    {
        // A tiny command queue: writes must be retried, never dropped.
        try (HybridEngine engine = HybridEngine.owning(stores.open(dir.resolve("db")),
            RegionCacheConfig.builder().segmentSize(64 * 1024).commandQueueCapacity(2)))
        {
            final Region region = new Region(1, new byte[0], new byte[0], 1);
            engine.await(engine.loadRegion(region));
            final List<java.util.concurrent.CompletableFuture<CommandResult>> futures = new ArrayList<>();
            for (int v = 1; v <= 2000; v++)
            {
                futures.add(engine.write(new WriteBatch(1, 1, v).put(b(key(v % KEYS)), b("v" + v))));
            }
            for (final java.util.concurrent.CompletableFuture<CommandResult> f : futures)
            {
                final ResultCode code = f.join().code();
                assertNotEquals(ResultCode.QUEUE_FULL, code);
                assertNotEquals(ResultCode.INVALID, code);
            }
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (engine.cache().stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(RegionState.ACTIVE, engine.cache().stateOf(1));
            final CrossCheck.Report report = CrossCheck.check(engine, 1);
            assertTrue(report.ok(), report::toString);
            assertEquals(KEYS, report.keysCompared());
            assertEquals(2000, report.readVersion());
            assertFalse(engine.cache().metrics().get("queue.full") == 0, "the queue must have pushed back");
        }
    }
}
