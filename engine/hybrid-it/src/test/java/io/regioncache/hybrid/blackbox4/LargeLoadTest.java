package io.regioncache.hybrid.blackbox4;

import static io.regioncache.hybrid.blackbox4.Bb4.b;
import static io.regioncache.hybrid.blackbox4.Bb4.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * Loads past the first 65,536 entries (so the store is scanned on scan threads), with {@code loadScanThreads(1)} and
 * {@code (2)}, of a region with neighbours' keys on both sides, hot keys whose versions straddle the hand-over and
 * the halves, tombstones, a GC round before the load and writes arriving while it is PENDING/LOADING; then a split
 * while a large load is queued. Every answer is compared with a model on the cache path, then on the store path.
 */
class LargeLoadTest
{
    @TempDir
    Path dir;

    static final int N = 60_000;

    final Bb4.Model model = new Bb4.Model();
    long version;

    static String key(final int i)
    {
        return String.format("k%06d", i);
    }

    private void write(final HybridEngine e, final long regionId, final long epoch, final List<String> keys,
        final boolean delete)
    {
        final long v = ++version;
        final WriteBatch wb = new WriteBatch(regionId, epoch, v);
        for (final String k : keys)
        {
            if (delete)
            {
                wb.delete(b(k));
                model.put(k, v, null);
            }
            else
            {
                final String val = k + "@" + v;
                wb.put(b(k), b(val));
                model.put(k, v, val);
            }
        }
        final CommandResult r = e.await(e.write(wb));
        assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.NOT_CACHED || r.code() == ResultCode.SKIPPED,
            r.toString());
    }

    private void history(final Bb4.Rig rig, final Region region, final Random rnd)
    {
        final HybridEngine e = rig.engine;
        // neighbours' keys on both sides of the region (the store is region-agnostic)
        final List<String> outside = new ArrayList<>();
        for (int i = 0; i < 2000; i++)
        {
            outside.add(String.format("a%05d", i));
            outside.add(String.format("z%05d", i));
        }
        write(e, 99, 1, outside, false);
        for (int base = 0; base < N; base += 2000)
        {
            final List<String> ks = new ArrayList<>();
            for (int i = base; i < base + 2000; i++)
            {
                ks.add(key(i));
            }
            write(e, region.id(), region.epochVersion(), ks, false);
        }
        // hot keys: near the start (versions straddle the 65,536-entry hand-over), in the middle, near the end
        for (int round = 0; round < 1500; round++)
        {
            write(e, region.id(), region.epochVersion(), List.of(key(5), key(N / 2), key(N - 3)), round % 97 == 5);
        }
        final List<String> upd = new ArrayList<>();
        final List<String> del = new ArrayList<>();
        for (int i = 0; i < N; i++)
        {
            if (rnd.nextInt(3) == 0)
            {
                upd.add(key(i));
            }
            else if (rnd.nextInt(9) == 0)
            {
                del.add(key(i));
            }
        }
        for (int i = 0; i < upd.size(); i += 3000)
        {
            write(e, region.id(), region.epochVersion(), upd.subList(i, Math.min(upd.size(), i + 3000)), false);
        }
        for (int i = 0; i < del.size(); i += 3000)
        {
            write(e, region.id(), region.epochVersion(), del.subList(i, Math.min(del.size(), i + 3000)), true);
        }
    }

    @ParameterizedTest(name = "{0} loadScanThreads({1})")
    @CsvSource({"ROCKSDB,2", "ROCKSDB,1", "LMDB,2"})
    void aLargeLoadIsTheModelOnBothPaths(final Bb4.Kind kind, final int threads) throws Exception
    {
        System.out.println("LargeLoadTest " + kind + " threads=" + threads + " seed=7");
        final Random rnd = new Random(7);
        final Bb4.Rig rig = new Bb4.Rig(kind.open(dir.resolve("s")), RegionCacheConfig.builder()
            .capacityBytes(1L << 30).loadScanThreads(threads));
        final HybridEngine e = rig.engine;
        try
        {
            final Region region = new Region(7, b("b"), b("y"), 3);
            history(rig, region, rnd);
            final long sp = version - 40; // inside the last updates: some versions below it swept
            e.gc(sp);
            if (e.store() instanceof RocksDbBackingStore rs)
            {
                rs.db().flush(new org.rocksdb.FlushOptions().setWaitForFlush(true)); // sizes for splitKey
            }
            try (io.regioncache.BackingSnapshot snap = e.store().openSnapshot())
            {
                final byte[] sk = snap.splitKey(b("b"), b("y"));
                System.out.println(kind + " splitKey(b, y) = " + (sk == null ? null : s(sk)));
            }
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            // writes while the load waits: README "Writes that arrive meanwhile are buffered and replayed"
            write(e, region.id(), region.epochVersion(), List.of(key(0), key(N / 2 + 1), key(N - 1)), false);
            write(e, region.id(), region.epochVersion(), List.of(key(N / 2 + 1)), true);
            assertEquals(1, rig.runLoads());
            write(e, region.id(), region.epochVersion(), List.of(key(1), key(N - 2)), false);
            // README: "engine.loadRegion(region); // PENDING -> LOADING -> ACTIVE"
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(region.id()));
            final CrossCheck.Report rep = CrossCheck.check(e, region.id());
            assertTrue(rep.ok(), rep.toString());
            assertEquals(model.visible("b", "y", Long.MAX_VALUE).size(), rep.keysCompared(), rep.toString());
            final long[] rvs = {sp, sp + 1, version - 3, version, Long.MAX_VALUE};
            readAll(e, region, rvs, rnd, true);
            // the store path: evicted, the same reads
            assertEquals(ResultCode.OK, e.await(e.evict(region.id(), EvictReason.MANUAL)).code());
            readAll(e, region, rvs, rnd, false);
        }
        finally
        {
            e.close();
        }
    }

    /** The in-memory store (its snapshot's splitKey is the exact middle key, so two halves are scanned). */
    @org.junit.jupiter.api.Test
    void aLargeLoadFromTheInMemoryStoreWithTwoScanThreads()
    {
        System.out.println("LargeLoadTest in-memory threads=2 seed=9");
        final Random rnd = new Random(9);
        final Bb4.Rig rig = new Bb4.Rig(new io.regioncache.store.InMemoryBackingStore(), RegionCacheConfig.builder()
            .capacityBytes(1L << 30).loadScanThreads(2));
        final HybridEngine e = rig.engine;
        try
        {
            final Region region = new Region(7, b("b"), b("y"), 3);
            history(rig, region, rnd);
            try (io.regioncache.BackingSnapshot snap = e.store().openSnapshot())
            {
                System.out.println("in-memory splitKey(b, y) = " + s(snap.splitKey(b("b"), b("y"))));
            }
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            write(e, region.id(), region.epochVersion(), List.of(key(N - 1)), false);
            rig.runLoads();
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(region.id()));
            final CrossCheck.Report rep = CrossCheck.check(e, region.id());
            assertTrue(rep.ok(), rep.toString());
            assertEquals(model.visible("b", "y", Long.MAX_VALUE).size(), rep.keysCompared(), rep.toString());
            readAll(e, region, new long[] {version - 3, Long.MAX_VALUE}, rnd, true);
        }
        finally
        {
            e.close();
        }
    }

    /** A split while a large load is queued: README "A split during loading moves the job to the children". */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"ROCKSDB", "LMDB"})
    void aSplitOfAQueuedLargeLoadLeavesBothChildrenRight(final Bb4.Kind kind) throws Exception
    {
        System.out.println("LargeLoadTest split " + kind + " seed=8");
        final Random rnd = new Random(8);
        final Bb4.Rig rig = new Bb4.Rig(kind.open(dir.resolve("s2")), RegionCacheConfig.builder()
            .capacityBytes(1L << 30).loadScanThreads(2));
        final HybridEngine e = rig.engine;
        try
        {
            final Region region = new Region(7, b("b"), b("y"), 3);
            history(rig, region, rnd);
            if (e.store() instanceof RocksDbBackingStore rs)
            {
                rs.db().flush(new org.rocksdb.FlushOptions().setWaitForFlush(true));
            }
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            final String sk = key(N / 3) + "5";
            assertEquals(ResultCode.OK, e.await(e.split(7, 3, new byte[][] {b(sk)}, new long[] {8}, 4)).code());
            final Region left = new Region(8, b("b"), b(sk), 4);
            final Region right = new Region(7, b(sk), b("y"), 4);
            write(e, 8, 4, List.of(key(2), key(N / 3)), false);
            write(e, 7, 4, List.of(key(N / 3 + 1), key(N - 1)), false);
            rig.runLoads();
            rig.runLoads();
            for (final Region r : List.of(left, right))
            {
                // README: "each child becomes ACTIVE when it finishes"
                assertEquals(RegionState.ACTIVE, e.cache().stateOf(r.id()), r.toString());
                final CrossCheck.Report rep = CrossCheck.check(e, r.id());
                assertTrue(rep.ok(), rep.toString());
                assertEquals(model.visible(s(r.start()), s(r.end()), Long.MAX_VALUE).size(), rep.keysCompared(),
                    rep.toString());
                readAll(e, r, new long[] {version - 5, Long.MAX_VALUE}, rnd, true);
            }
        }
        finally
        {
            e.close();
        }
    }

    private void readAll(final HybridEngine e, final Region r, final long[] rvs, final Random rnd,
        final boolean cache)
    {
        try (HybridReader reader = e.newReader())
        {
            for (final long rv : rvs)
            {
                final String ctx = r + " rv " + rv + (cache ? " cache" : " store");
                // whole scan against the model
                final NavigableMap<String, String> exp = model.visible(s(r.start()), s(r.end()), rv);
                final TreeMap<String, String> got = new TreeMap<>();
                String prev = null;
                try (HybridScan scan = reader.scan(r.id(), r.epochVersion(), rv, r.start(), r.end()))
                {
                    assertEquals(cache && rv > minCacheVersion(e, r), scan.servedByCache(),
                        ctx + " " + reader.lastStatus());
                    while (scan.next())
                    {
                        final String k = s(scan.keyBytes());
                        assertTrue(prev == null || prev.compareTo(k) < 0, ctx + " order " + prev + " " + k);
                        prev = k;
                        got.put(k, s(scan.valueBytes()));
                    }
                }
                assertEquals(exp.size(), got.size(), ctx + " scan size");
                assertEquals(exp, got, ctx);
                // hot keys and random gets
                final List<String> ks = new ArrayList<>(List.of(key(0), key(1), key(5), key(N / 2), key(N / 2 + 1),
                    key(N - 3), key(N - 2), key(N - 1), key(N / 3), key(N / 3 + 1)));
                for (int i = 0; i < 400; i++)
                {
                    ks.add(key(rnd.nextInt(N)));
                }
                ks.removeIf(k -> !Bb4.inside(k, r));
                for (final String k : ks)
                {
                    final byte[] v = reader.get(r.id(), r.epochVersion(), rv, b(k));
                    assertEquals(model.at(k, rv), v == null ? null : s(v), ctx + " get " + k + " " + reader.lastStatus());
                }
                Bb4.checkRegion(e, reader, smallModel(ks), r, rv, rnd, ctx, false);
            }
        }
    }

    /** The region's safe point as the cache keeps it: reads at or below it are the store's. */
    private static long minCacheVersion(final HybridEngine e, final Region r)
    {
        for (final var info : e.cache().regions())
        {
            if (info.region().id() == r.id())
            {
                return info.safePoint();
            }
        }
        return Long.MAX_VALUE;
    }

    /** The model restricted to some keys (so that checkRegion's per-key loops stay short). */
    private Bb4.Model smallModel(final List<String> keys)
    {
        final Bb4.Model m = new Bb4.Model();
        for (final String k : keys)
        {
            final TreeMap<Long, String> t = model.m.get(k);
            if (t != null)
            {
                m.m.put(k, t);
            }
        }
        return m;
    }

    static SnapshotStatus unused()
    {
        return SnapshotStatus.OK;
    }
}
