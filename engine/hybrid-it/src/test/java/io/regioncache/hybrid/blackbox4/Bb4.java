package io.regioncache.hybrid.blackbox4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionInfo;
import io.regioncache.RegionState;
import io.regioncache.SnapshotStatus;
import io.regioncache.WritableStore;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridMetrics;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/** Public-API-only helpers of the fourth black-box audit: stores, a versioned model and differential reads. */
final class Bb4
{
    private Bb4()
    {
    }

    enum Kind
    {
        ROCKSDB, LMDB;

        WritableStore open(final Path dir)
        {
            return this == ROCKSDB ? RocksDbBackingStore.open(dir) : LmdbBackingStore.open(dir, 1L << 30, false);
        }
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String s(final byte[] b)
    {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** An INVOKER engine whose loads wait in a queue until {@link #runLoads()}. */
    static final class Rig
    {
        final ArrayDeque<Runnable> loads = new ArrayDeque<>();
        final HybridEngine engine;

        Rig(final WritableStore store, final RegionCacheConfig.Builder b)
        {
            engine = HybridEngine.owning(store, b.threading(RegionCacheConfig.Threading.INVOKER)
                .loaderExecutor(loads::add));
        }

        Rig(final WritableStore store)
        {
            this(store, RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(256L << 20));
        }

        int runLoads()
        {
            int n = 0;
            Runnable r;
            while ((r = loads.poll()) != null)
            {
                r.run();
                n++;
            }
            for (int i = 0; i < 4; i++)
            {
                engine.applyCycle();
            }
            return n;
        }
    }

    /** Reference model: key -> version -> value (null = delete). */
    static final class Model
    {
        final TreeMap<String, TreeMap<Long, String>> m = new TreeMap<>();

        void put(final String k, final long v, final String val)
        {
            m.computeIfAbsent(k, x -> new TreeMap<>()).put(v, val);
        }

        String at(final String k, final long rv)
        {
            final TreeMap<Long, String> t = m.get(k);
            if (t == null)
            {
                return null;
            }
            final Map.Entry<Long, String> e = t.floorEntry(rv);
            return e == null ? null : e.getValue();
        }

        /** Visible keys of [lo, hi) at rv ("" hi = +infinity). */
        NavigableMap<String, String> visible(final String lo, final String hi, final long rv)
        {
            final TreeMap<String, String> out = new TreeMap<>();
            final NavigableMap<String, TreeMap<Long, String>> sub = hi.isEmpty() ? m.tailMap(lo, true) :
                m.subMap(lo, true, hi, false);
            for (final String k : sub.keySet())
            {
                final String v = at(k, rv);
                if (v != null)
                {
                    out.put(k, v);
                }
            }
            return out;
        }
    }

    static boolean inside(final String k, final Region r)
    {
        return k.compareTo(s(r.start())) >= 0 && (r.end().length == 0 || k.compareTo(s(r.end())) < 0);
    }

    /**
     * Every read of the hybrid reader on region {@code r} at {@code rv} against the model: gets of every model key
     * of the region and of absent ones, one multiGet of all of them (shuffled, with repeats), a whole scan and a
     * sub-scan; each read's source checked against the metrics.
     */
    static void checkRegion(
        final HybridEngine engine, final HybridReader reader, final Model model, final Region r, final long rv,
        final java.util.Random rnd, final String ctx)
    {
        checkRegion(engine, reader, model, r, rv, rnd, ctx, true);
    }

    static void checkRegion(
        final HybridEngine engine, final HybridReader reader, final Model model, final Region r, final long rv,
        final java.util.Random rnd, final String ctx, final boolean scans)
    {
        final HybridMetrics m = engine.metrics();
        final List<String> keys = new ArrayList<>();
        for (final String k : model.m.keySet())
        {
            if (inside(k, r))
            {
                keys.add(k);
            }
        }
        // absent keys inside the region: the start itself (if any) and a key just past a model key
        if (r.start().length > 0)
        {
            keys.add(s(r.start()));
        }
        if (!keys.isEmpty())
        {
            final String extra = keys.get(rnd.nextInt(keys.size())) + "\0";
            if (inside(extra, r))
            {
                keys.add(extra);
            }
        }
        final RegionState state = engine.cache().stateOf(r.id());
        final Region cached = engine.cache().region(r.id());
        long regionSafePoint = -1;
        for (final RegionInfo info : engine.cache().regions())
        {
            if (info.region().id() == r.id())
            {
                regionSafePoint = info.safePoint();
            }
        }
        final boolean cacheShouldServe = state == RegionState.ACTIVE && cached != null &&
            cached.epochVersion() == r.epochVersion() && rv > regionSafePoint;
        for (final String k : keys)
        {
            final long cg = m.cacheGets();
            final long sg = m.storeGets();
            final long[] fb = new long[SnapshotStatus.values().length];
            for (final SnapshotStatus x : SnapshotStatus.values())
            {
                fb[x.ordinal()] = m.fallbacks(x);
            }
            final byte[] got = reader.get(r.id(), r.epochVersion(), rv, b(k));
            final String exp = model.at(k, rv);
            // README: "the two never disagree on what a read returns"; the reader reads "at the same version"
            assertEquals(exp, got == null ? null : s(got), ctx + " get " + k + " @" + rv + " status=" + reader.lastStatus());
            final SnapshotStatus st = reader.lastStatus();
            // README: "It counts which source served each read ... and, per SnapshotStatus, why the cache could not."
            if (st == SnapshotStatus.OK)
            {
                assertEquals(cg + 1, m.cacheGets(), ctx);
                assertEquals(sg, m.storeGets(), ctx);
            }
            else
            {
                assertEquals(cg, m.cacheGets(), ctx);
                assertEquals(sg + 1, m.storeGets(), ctx);
            }
            for (final SnapshotStatus x : SnapshotStatus.values())
            {
                // README: "per SnapshotStatus, why the cache could not"
                assertEquals(fb[x.ordinal()] + (x == st && st != SnapshotStatus.OK ? 1 : 0), m.fallbacks(x),
                    ctx + " fallbacks(" + x + ") after a get answered by " + st);
            }
            // README: "The hybrid reader serves from the cache when the region is ACTIVE at that epoch and version"
            if (cacheShouldServe)
            {
                assertEquals(SnapshotStatus.OK, st, ctx + " region " + r + " ACTIVE at its epoch, rv " + rv +
                    " above safe point " + regionSafePoint);
            }
        }
        // multiGet: shuffled, with repeats, into a direct buffer
        final List<String> mk = new ArrayList<>(keys);
        for (int i = 0; i < keys.size() / 3; i++)
        {
            mk.add(keys.get(rnd.nextInt(keys.size())));
        }
        java.util.Collections.shuffle(mk, rnd);
        if (!mk.isEmpty())
        {
            final ExpandableArrayBuffer kb = new ExpandableArrayBuffer(64);
            final int n = mk.size();
            final int[] ko = new int[n];
            final int[] kl = new int[n];
            int p = 0;
            for (int i = 0; i < n; i++)
            {
                final byte[] kk = b(mk.get(i));
                ko[i] = p;
                kl[i] = kk.length;
                kb.putBytes(p, kk);
                p += kk.length;
            }
            final UnsafeBuffer dst = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(1 << 16));
            final int[] vo = new int[n];
            final int[] vl = new int[n];
            final long cr = m.cacheGets();
            final long sr = m.storeGets();
            final int end = reader.multiGet(r.id(), r.epochVersion(), rv, kb, ko, kl, n, dst, 3, vo, vl);
            final SnapshotStatus st = reader.lastStatus();
            int expectEnd = 3;
            for (int i = 0; i < n; i++)
            {
                final String exp = model.at(mk.get(i), rv);
                // README: "per key, the answer is what get would return" (Javadoc); README: "-1 when absent or deleted"
                if (exp == null)
                {
                    assertEquals(-1, vl[i], ctx + " multiGet " + mk.get(i) + " @" + rv + " " + st);
                }
                else
                {
                    assertEquals(exp.length(), vl[i], ctx + " multiGet len " + mk.get(i) + " @" + rv + " " + st);
                    final byte[] v = new byte[vl[i]];
                    dst.getBytes(vo[i], v);
                    assertEquals(exp, s(v), ctx + " multiGet " + mk.get(i) + " @" + rv + " " + st);
                    // README: "values packed into valueBuf"
                    assertEquals(expectEnd, vo[i], ctx + " packed offset");
                    expectEnd += vl[i];
                }
            }
            assertEquals(expectEnd, end, ctx + " multiGet end");
            if (st == SnapshotStatus.OK)
            {
                assertTrue(m.cacheGets() > cr && m.storeGets() == sr, ctx + " multiGet counted by source " + m);
            }
            else
            {
                assertTrue(m.cacheGets() == cr && m.storeGets() > sr, ctx + " multiGet counted by source " + m);
            }
            if (cacheShouldServe)
            {
                assertEquals(SnapshotStatus.OK, st, ctx + " multiGet source");
            }
        }
        if (!scans)
        {
            return;
        }
        // whole scan and a sub-scan
        scanCheck(engine, reader, model, r, rv, s(r.start()), s(r.end()), cacheShouldServe, ctx + " whole");
        if (keys.size() >= 2)
        {
            String lo = keys.get(rnd.nextInt(keys.size()));
            String hi = keys.get(rnd.nextInt(keys.size()));
            if (lo.compareTo(hi) > 0)
            {
                final String t = lo;
                lo = hi;
                hi = t;
            }
            if (lo.compareTo(hi) < 0)
            {
                scanCheck(engine, reader, model, r, rv, lo, hi, cacheShouldServe, ctx + " sub");
            }
        }
    }

    static void scanCheck(
        final HybridEngine engine, final HybridReader reader, final Model model, final Region r, final long rv,
        final String lo, final String hi, final boolean cacheShouldServe, final String ctx)
    {
        final HybridMetrics m = engine.metrics();
        final long cs = m.cacheScans();
        final long ss = m.storeScans();
        final TreeMap<String, String> got = new TreeMap<>();
        final List<String> order = new ArrayList<>();
        try (HybridScan scan = reader.scan(r.id(), r.epochVersion(), rv, b(lo), b(hi)))
        {
            final boolean byCache = scan.servedByCache();
            assertEquals(reader.lastStatus() == SnapshotStatus.OK, byCache, ctx);
            while (scan.next())
            {
                final String k = s(scan.keyBytes());
                order.add(k);
                got.put(k, s(scan.valueBytes()));
            }
            if (byCache)
            {
                assertEquals(cs + 1, m.cacheScans(), ctx);
                assertEquals(ss, m.storeScans(), ctx);
            }
            else
            {
                assertEquals(cs, m.cacheScans(), ctx);
                assertEquals(ss + 1, m.storeScans(), ctx);
            }
            if (cacheShouldServe)
            {
                assertTrue(byCache, ctx + " scan should be served by the cache");
            }
            final String src = byCache ? "cache" : "store(" + reader.lastStatus() + ")";
            // README: "try (HybridScan scan = reader.scan(regionId, epoch, readVersion, lower, upper))" [lower, upper)
            assertEquals(new ArrayList<>(got.keySet()), order, ctx + " scan order " + src);
            assertEquals(model.visible(lo, hi, rv), got, ctx + " scan [" + lo + "," + hi + ") @" + rv + " " + src);
        }
    }

    static void assertBytes(final String exp, final byte[] got, final String msg)
    {
        if (exp == null)
        {
            assertEquals(null, got, msg);
        }
        else
        {
            assertArrayEquals(b(exp), got, msg);
        }
    }

    static void assertNo(final boolean c, final String msg)
    {
        assertFalse(c, msg);
    }

    static String hexKey(final byte[] k)
    {
        return Arrays.toString(k);
    }
}
