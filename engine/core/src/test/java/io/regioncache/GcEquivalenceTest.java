package io.regioncache;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;


import static io.regioncache.GcSupport.b;
import static io.regioncache.GcSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GcEquivalenceTest
{
    static final int KEYS = 40;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 17, 1234})
    void compactionPreservesEveryVisibleVersion(final long seed)
    {
        final String tag = "seed " + seed + ": ";
        final GcSupport.ManualExecutor exec = new GcSupport.ManualExecutor();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(4096).capacityBytes(64L << 20)
            .policyIntervalMillis(10_000_000).loaderExecutor(exec).gcExecutor(exec).build());
        final Random rnd = new Random(seed);
        final GcSupport.Model model = new GcSupport.Model();
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b(""), b(""), 1))).code());
        final int n = 300 + rnd.nextInt(200);
        long v = 0;
        for (; v < n; )
        {
            v++;
            final WriteBatch wb = new WriteBatch(1, 1, v);
            final int ops = 1 + rnd.nextInt(4);
            final java.util.Set<String> used = new java.util.HashSet<>();
            for (int i = 0; i < ops; i++)
            {
                final String k = String.format("k%03d", rnd.nextInt(KEYS));
                if (!used.add(k))
                {
                    continue;
                }
                if (rnd.nextInt(5) == 0)
                {
                    wb.delete(b(k));
                    model.delete(k, v);
                }
                else
                {
                    final String val = "v" + v + "-" + k + "-" + "x".repeat(rnd.nextInt(300));
                    wb.put(b(k), b(val));
                    model.put(k, v, val);
                }
            }
            final CommandResult r = run(cache, cache.write(wb));
            assertEquals(ResultCode.OK, r.code(), tag + r);
        }
        final long safePoint = n / 3 + rnd.nextInt(n / 3);

        // (a) snapshots opened before compaction, some at versions the coming safe point will drop
        final List<Snapshot> before = new ArrayList<>();
        final List<Long> beforeVersions = new ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            final long rv = i == 0 ? 1 : i == 1 ? safePoint : 1 + rnd.nextInt(n);
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, rv), tag);
            before.add(s);
            beforeVersions.add(rv);
        }
        final long memBefore = cache.memoryInUse();

        assertEquals(ResultCode.OK, run(cache, cache.advanceSafePoint(safePoint)).code(), tag);
        final long finishedBefore = cache.counters().compactionsFinished();
        final CommandResult c = run(cache, cache.compact(1));
        assertEquals(ResultCode.OK, c.code(), tag + c);
        assertEquals(1, exec.jobs.size(), tag + "job must be queued, not run");

        // (e) writes landing between job creation and its run
        final int extra = 10 + rnd.nextInt(20);
        for (int i = 0; i < extra; i++)
        {
            v++;
            final String k = String.format("k%03d", rnd.nextInt(KEYS + 5));
            final WriteBatch wb = new WriteBatch(1, 1, v);
            if (rnd.nextInt(4) == 0)
            {
                wb.delete(b(k));
                model.delete(k, v);
            }
            else
            {
                wb.put(b(k), b("late" + v));
                model.put(k, v, "late" + v);
            }
            assertEquals(ResultCode.OK, run(cache, cache.write(wb)).code(), tag);
        }
        final long maxVersion = v;
        assertEquals(1, exec.runAll());
        for (int i = 0; i < 5 && cache.counters().compactionsFinished() == finishedBefore; i++)
        {
            cache.applyCycle();
        }
        assertEquals(finishedBefore + 1, cache.counters().compactionsFinished(), tag + "compaction not swapped in");
        assertTrue(cache.counters().gcVersionsDropped() > 0, tag + "nothing dropped");

        // (a) old snapshots still read exactly their versions (they pin the old record and table)
        for (int i = 0; i < before.size(); i++)
        {
            final Snapshot s = before.get(i);
            final long rv = beforeVersions.get(i);
            final TreeMap<String, String> expect = model.view(rv);
            assertEquals(expect, GcSupport.scan(s), tag + "old snapshot scan at " + rv);
            assertEquals(expect, GcSupport.gets(s, model.data.keySet()), tag + "old snapshot gets at " + rv);
        }

        // (b) new snapshots above the safe point read the model
        final Snapshot s = cache.newSnapshot();
        final List<Long> versions = new ArrayList<>(List.of(safePoint + 1, maxVersion, (long)n, Long.MAX_VALUE));
        for (int i = 0; i < 10; i++)
        {
            versions.add(safePoint + 1 + rnd.nextInt((int)(maxVersion - safePoint)));
        }
        for (final long rv : versions)
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, rv), tag + rv);
            final TreeMap<String, String> expect = model.view(rv);
            assertEquals(expect, GcSupport.scan(s), tag + "new snapshot scan at " + rv);
            assertEquals(expect, GcSupport.gets(s, model.data.keySet()), tag + "new snapshot gets at " + rv);
            s.close();
        }
        // (c) at or below the safe point: TOO_OLD_READ
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, safePoint), tag);
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 1), tag);

        // (d) less memory once the old table is released
        for (final Snapshot o : before)
        {
            o.close();
        }
        cache.applyCycle();
        cache.applyCycle();
        final long memAfter = cache.memoryInUse();
        assertTrue(memAfter < memBefore, tag + "memory " + memAfter + " not below " + memBefore);
        cache.close();
        assertEquals(0, cache.pool().bytesInUse(), tag);
    }
}
