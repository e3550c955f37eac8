package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** Reads above the safe point are unchanged by compaction (the newest version at or below it is kept). */
class SafePointGcTest
{
    private static final byte[] DEL = new byte[0];

    @Test
    void compactionAtTheSafePointKeepsEveryReadAboveIt() throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("SafePointGcTest seed " + seed);
        final SplittableRandom rnd = new SplittableRandom(seed);
        final TreeMap<String, TreeMap<Long, byte[]>> model = new TreeMap<>();
        try (RegionCache cache = K.cache())
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            long v = 0;
            long sp = 0;
            for (int round = 0; round < 12; round++)
            {
                for (int i = 0; i < 40; i++)
                {
                    v++;
                    final WriteBatch w = new WriteBatch(1, 1, v);
                    final String k = "k" + rnd.nextInt(12);
                    if (rnd.nextInt(3) == 0)
                    {
                        w.delete(b(k));
                        model.computeIfAbsent(k, x -> new TreeMap<>()).put(v, DEL);
                    }
                    else
                    {
                        final byte[] val = b("v" + v);
                        w.put(b(k), val);
                        model.computeIfAbsent(k, x -> new TreeMap<>()).put(v, val);
                    }
                    assertEquals(ResultCode.OK, r(cache.write(w)).code(), "seed " + seed);
                }
                sp = sp + 1 + rnd.nextLong(Math.max(1, v - sp));
                assertEquals(ResultCode.OK, r(cache.advanceSafePoint(1, sp)).code(), "seed " + seed);
                final CommandResult c = r(cache.compact(1));
                assertTrue(c.code() == ResultCode.OK || c.code() == ResultCode.SKIPPED, c.toString());
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (cache.metrics().get("compactions.finished") < cache.metrics().get("compactions.started") &&
                    System.nanoTime() < deadline)
                {
                    r(cache.advanceSafePoint(0));
                }
                final Snapshot s = cache.newSnapshot();
                assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, sp));
                for (long rv = sp + 1; rv <= v + 1; rv++)
                {
                    assertEquals(SnapshotStatus.OK, s.open(1, 1, rv));
                    final List<String> keys = new ArrayList<>();
                    for (final Map.Entry<String, TreeMap<Long, byte[]>> e : model.entrySet())
                    {
                        final Map.Entry<Long, byte[]> f = e.getValue().floorEntry(rv);
                        final byte[] expect = f == null || f.getValue() == DEL ? null : f.getValue();
                        final byte[] got = s.get(b(e.getKey()));
                        assertEquals(expect == null ? null : new String(expect), got == null ? null : new String(got),
                            "seed " + seed + " key " + e.getKey() + " at " + rv + " safe point " + sp);
                        if (expect != null)
                        {
                            keys.add(e.getKey());
                        }
                    }
                    final List<String> scanned = new ArrayList<>();
                    final SnapshotIterator it = s.iterator();
                    for (boolean ok = it.seekToFirst(); ok; ok = it.next())
                    {
                        scanned.add(new String(it.key()));
                    }
                    assertEquals(keys, scanned, "seed " + seed + " scan at " + rv);
                }
                s.dispose();
            }
            assertTrue(cache.metrics().get("gc.versions_dropped") > 0, cache.metrics().toString());
            // the largest safe point: every read refused, writes still applied
            assertEquals(ResultCode.OK, r(cache.advanceSafePoint(Long.MAX_VALUE)).code());
            assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(1, 1, Long.MAX_VALUE));
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, v + 1).put(b("k1"), b("x")))).code());
            final CommandResult c = r(cache.compact(1));
            assertTrue(c.code() == ResultCode.OK || c.code() == ResultCode.SKIPPED, c.toString());
            assertEquals(ResultCode.SKIPPED, r(cache.advanceSafePoint(1, Long.MAX_VALUE)).code());
            assertTrue(Arrays.asList(ResultCode.values()).contains(r(cache.advanceSafePoint(0)).code()));
        }
    }
}
