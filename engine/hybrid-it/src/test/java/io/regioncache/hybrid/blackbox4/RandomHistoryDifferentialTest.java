package io.regioncache.hybrid.blackbox4;

import static io.regioncache.hybrid.blackbox4.Bb4.b;
import static io.regioncache.hybrid.blackbox4.Bb4.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionInfo;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridReader;

/**
 * A randomized (printed, fixed seeds) history of writes, delete-ranges, splits, merges, evictions, loads (queued
 * and run late), compactions and GC rounds through a {@link io.regioncache.hybrid.HybridEngine}; after it, and at
 * checkpoints along it, every read of every region at many read versions at or above the GC safe point is compared
 * with a TreeMap model on whichever path serves, and CrossCheck must report no divergence. The durable store is then
 * reopened under a new engine, every region loaded again, and the same checks run.
 */
class RandomHistoryDifferentialTest
{
    @TempDir
    Path dir;

    static final int KEYS = 120;

    static String key(final int i)
    {
        return String.format("k%03d", i);
    }

    /** The host's own routing table. */
    final List<Region> regions = new ArrayList<>();
    final Bb4.Model model = new Bb4.Model();
    long version;
    long safePoint = -1;
    long nextId = 2;

    // README: every command's result code is one of the listed ones; a well-formed host stream is never refused.
    static final EnumSet<ResultCode> BENIGN = EnumSet.of(ResultCode.OK, ResultCode.NOT_CACHED, ResultCode.SKIPPED);

    @ParameterizedTest(name = "{0} seed {1}")
    @CsvSource({"ROCKSDB,1", "ROCKSDB,2", "ROCKSDB,3", "ROCKSDB,4", "ROCKSDB,5", "ROCKSDB,6", "LMDB,1", "LMDB,2", "LMDB,3", "LMDB,4", "LMDB,5", "LMDB,6"})
    void historyAgreesWithModelOnBothPaths(final Bb4.Kind kind, final long seed)
    {
        System.out.println("RandomHistoryDifferentialTest " + kind + " seed=" + seed);
        final Random rnd = new Random(seed);
        final Path storeDir = dir.resolve("store");
        Bb4.Rig rig = new Bb4.Rig(kind.open(storeDir));
        try
        {
            final Region first = new Region(1, new byte[0], new byte[0], 1);
            regions.add(first);
            // README (HybridEngine javadoc / "Embedding"): createRegion for a brand-new region
            assertEquals(ResultCode.OK, rig.engine.await(rig.engine.createRegion(first)).code());
            final int steps = Integer.getInteger("bb4.steps", 1200);
            final StringBuilder trace = new StringBuilder();
            for (int step = 0; step < steps; step++)
            {
                final int op = rnd.nextInt(100);
                final String what = step(rig, rnd, op);
                trace.append(step).append(':').append(what).append('\n');
                if (rnd.nextInt(4) == 0)
                {
                    rig.runLoads();
                }
                if (step % 40 == 39)
                {
                    verifyAll(rig, rnd, kind + " seed " + seed + " step " + step + "\n" + tail(trace));
                }
            }
            rig.runLoads();
            verifyAll(rig, rnd, kind + " seed " + seed + " end\n" + tail(trace));
            // load every region, then check again (all ACTIVE now)
            for (final Region r : regions)
            {
                final ResultCode c = rig.engine.await(rig.engine.loadRegion(r)).code();
                assertTrue(c == ResultCode.OK || c == ResultCode.SKIPPED, "load " + r + ": " + c);
            }
            rig.runLoads();
            verifyAll(rig, rnd, kind + " seed " + seed + " all loaded");
            final java.util.Map<String, Integer> ops = new java.util.TreeMap<>();
            for (final String line : trace.toString().split("\n"))
            {
                final String[] w = line.split("[: ]");
                final String key = w[1] + (line.contains(" -> ") ? " " + line.substring(line.lastIndexOf(' ') + 1) : "");
                ops.merge(key, 1, Integer::sum);
            }
            System.out.println(kind + " seed=" + seed + " " + rig.engine.metrics() + " regions=" + regions.size() +
                " version=" + version + " sp=" + safePoint + " ops=" + ops);
            rig.engine.close();
            // reopen the durable store and check through a new engine, first from the store, then loaded
            rig = new Bb4.Rig(kind.open(storeDir));
            System.out.println(kind + " seed=" + seed + " reopened: store gcSafePoint()=" +
                rig.engine.store().gcSafePoint() + " (swept at " + safePoint + ")");
            verifyAll(rig, rnd, kind + " seed " + seed + " reopened, nothing cached");
            for (final Region r : regions)
            {
                assertEquals(ResultCode.OK, rig.engine.await(rig.engine.loadRegion(r)).code(), "reload " + r);
            }
            rig.runLoads();
            verifyAll(rig, rnd, kind + " seed " + seed + " reopened and loaded");
            for (final Region r : regions)
            {
                assertEquals(RegionState.ACTIVE, rig.engine.cache().stateOf(r.id()), "reloaded " + r);
            }
        }
        finally
        {
            rig.engine.close();
        }
    }

    private static String tail(final StringBuilder trace)
    {
        final int from = Math.max(0, trace.length() - 1500);
        return trace.substring(from);
    }

    private int regionIndexOf(final String k)
    {
        for (int i = 0; i < regions.size(); i++)
        {
            if (Bb4.inside(k, regions.get(i)))
            {
                return i;
            }
        }
        throw new AssertionError("no region for " + k);
    }

    private String step(final Bb4.Rig rig, final Random rnd, final int op)
    {
        final var engine = rig.engine;
        if (op < 45)
        {
            // a batch of 1-4 keys of one region, puts and deletes
            final Region r = regions.get(regionIndexOf(key(rnd.nextInt(KEYS))));
            final long v = ++version;
            final WriteBatch batch = new WriteBatch(r.id(), r.epochVersion(), v);
            final java.util.TreeSet<String> used = new java.util.TreeSet<>();
            final int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n * 3 && used.size() < n; i++)
            {
                final String k = key(rnd.nextInt(KEYS));
                if (!Bb4.inside(k, r) || !used.add(k))
                {
                    continue;
                }
                if (rnd.nextInt(5) == 0)
                {
                    batch.delete(b(k));
                    model.put(k, v, null);
                }
                else
                {
                    final String val = "v" + v + "-" + k + "-" + "x".repeat(rnd.nextInt(3) == 0 ? 150 : rnd.nextInt(20));
                    batch.put(b(k), b(val));
                    model.put(k, v, val);
                }
            }
            if (used.isEmpty())
            {
                version--;
                return "write-none";
            }
            if (rnd.nextInt(8) == 0)
            {
                // one key twice in a batch: the later op wins ("like the host's storage engine")
                final String k = used.first();
                if (rnd.nextBoolean())
                {
                    batch.delete(b(k));
                    model.put(k, v, null);
                }
                else
                {
                    final String val = "twice" + v;
                    batch.put(b(k), b(val));
                    model.put(k, v, val);
                }
            }
            final CommandResult res = engine.await(engine.write(batch));
            assertTrue(BENIGN.contains(res.code()), "write " + batch + " -> " + res);
            return "write " + r.id() + "@" + v + " " + used + " -> " + res.code();
        }
        if (op < 50)
        {
            // MVCC delete-range over any span of keys (may cross regions)
            int a = rnd.nextInt(KEYS);
            int z = a + 1 + rnd.nextInt(30);
            final String start = key(a);
            final String end = z >= KEYS && rnd.nextBoolean() ? "" : key(Math.min(z, KEYS + 5));
            final long v = ++version;
            for (final String k : model.visible(start, end, v).keySet())
            {
                model.put(k, v, null);
            }
            final CommandResult res = engine.await(engine.deleteRange(b(start), b(end), v));
            // README: "deleteRange(start, end, version)": the store took it; the cache answers OK or NOT_CACHED
            assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.NOT_CACHED, "deleteRange -> " + res);
            return "deleteRange [" + start + "," + end + ")@" + v;
        }
        if (op < 62)
        {
            // split a region at a key strictly inside: the new id takes the left piece
            final int idx = rnd.nextInt(regions.size());
            final Region r = regions.get(idx);
            final String sk = key(rnd.nextInt(KEYS)) + (rnd.nextBoolean() ? "" : "m");
            if (sk.compareTo(s(r.start())) <= 0 || (r.end().length > 0 && sk.compareTo(s(r.end())) >= 0))
            {
                return "split-none";
            }
            final long newId = nextId++;
            final long newEpoch = r.epochVersion() + 1;
            final CommandResult res = engine.await(
                engine.split(r.id(), r.epochVersion(), new byte[][] {b(sk)}, new long[] {newId}, newEpoch));
            assertTrue(BENIGN.contains(res.code()), "split " + r + " at " + sk + " -> " + res);
            regions.set(idx, new Region(r.id(), b(sk), r.end(), newEpoch));
            regions.add(idx, new Region(newId, r.start(), b(sk), newEpoch));
            return "split " + r.id() + " at " + sk + " new " + newId + " -> " + res.code();
        }
        if (op < 69)
        {
            if (regions.size() < 2)
            {
                return "merge-none";
            }
            final int i = rnd.nextInt(regions.size() - 1);
            final Region left = regions.get(i);
            final Region right = regions.get(i + 1);
            final boolean leftIsTarget = rnd.nextBoolean();
            final Region target = leftIsTarget ? left : right;
            final Region source = leftIsTarget ? right : left;
            final CommandResult p = engine.await(engine.prepareMerge(source.id()));
            assertTrue(BENIGN.contains(p.code()), "prepareMerge " + source + " -> " + p);
            final CommandResult c = engine.await(engine.commitMerge(target.id(), source.id()));
            assertTrue(BENIGN.contains(c.code()), "commitMerge " + target + " <- " + source + " -> " + c);
            final Region merged = new Region(target.id(), left.start(), right.end(),
                Math.max(left.epochVersion(), right.epochVersion()) + 1);
            regions.remove(i + 1);
            regions.set(i, merged);
            return "merge " + source.id() + " into " + target.id() + " -> " + p.code() + "/" + c.code();
        }
        if (op < 76)
        {
            final Region r = regions.get(rnd.nextInt(regions.size()));
            final CommandResult res = engine.await(engine.evict(r.id(), EvictReason.MANUAL));
            assertTrue(BENIGN.contains(res.code()), "evict " + r + " -> " + res);
            return "evict " + r.id() + " -> " + res.code();
        }
        if (op < 88)
        {
            final Region r = regions.get(rnd.nextInt(regions.size()));
            final CommandResult res = engine.await(engine.loadRegion(r));
            assertTrue(BENIGN.contains(res.code()), "load " + r + " -> " + res);
            return "load " + r.id() + " -> " + res.code();
        }
        if (op < 92)
        {
            if (version == 0)
            {
                return "gc-none";
            }
            final long sp = Math.max(safePoint, Math.max(0, version - rnd.nextInt(15)));
            final long dropped = engine.gc(sp);
            safePoint = Math.max(safePoint, sp);
            return "gc " + sp + " dropped " + dropped;
        }
        final Region r = regions.get(rnd.nextInt(regions.size()));
        switch (rnd.nextInt(7))
        {
            case 0:
            {
                final CommandResult res = engine.await(engine.cache().compact(r.id()));
                return "compact " + r.id() + " -> " + res.code();
            }
            case 1:
            {
                // a backward GC round: README "the engine-wide advanceSafePoint(sp) answers OK and ignores a lower one"
                final long sp = safePoint > 0 ? rnd.nextLong(safePoint) : 0;
                final long dropped = engine.gc(sp);
                safePoint = Math.max(safePoint, sp);
                return "gc-back " + sp + " dropped " + dropped;
            }
            case 2:
            {
                // a region's own safe point above the global one: reads at or below it go to the store
                final long sp = Math.max(0, version - rnd.nextInt(5));
                final CommandResult res = engine.await(engine.advanceSafePoint(r.id(), sp));
                return "regionSafePoint " + r.id() + " " + sp + " -> " + res.code();
            }
            case 3:
            {
                final CommandResult res = engine.await(engine.loadRegionKeepCached(r));
                assertTrue(BENIGN.contains(res.code()), "loadKeepCached " + r + " -> " + res);
                return "loadKeepCached " + r.id() + " -> " + res.code();
            }
            case 4:
            {
                final CommandResult off = engine.await(engine.cache().setEnabled(false));
                final CommandResult on = engine.await(engine.cache().setEnabled(true));
                return "disable/enable -> " + off.code() + "/" + on.code();
            }
            case 5:
            {
                final CommandResult res = engine.await(engine.applySnapshot(r.id()));
                assertTrue(BENIGN.contains(res.code()), "applySnapshot " + r + " -> " + res);
                return "applySnapshot " + r.id() + " -> " + res.code();
            }
            default:
            {
                final CommandResult res = engine.await(engine.cache().evictRange(r.start(), r.end(), EvictReason.MANUAL));
                return "evictRange " + r.id() + " -> " + res.code();
            }
        }
    }

    private void verifyAll(final Bb4.Rig rig, final Random rnd, final String ctx)
    {
        final var engine = rig.engine;
        // README: "CrossCheck compares every visible key of a cached region with RocksDB at the same version and
        // lists each divergence."
        for (final CrossCheck.Report rep : CrossCheck.checkAll(engine))
        {
            assertTrue(rep.ok(), ctx + "\nCrossCheck " + rep);
            final Region cached = engine.cache().region(rep.regionId());
            assertNotEquals(null, cached, ctx);
            // Everything is applied (INVOKER, every future awaited), so the region's visible keys are those of now; the
            // report's version may be below the GC safe point (a load of a swept store copies no tombstone), where
            // the model (which keeps history) would differ from both sources, which agree.
            final int expected = model.visible(s(cached.start()), s(cached.end()), Long.MAX_VALUE).size();
            assertEquals(expected, rep.keysCompared(), ctx + "\nkeys compared " + rep);
        }
        // the cache holds only the host's regions, as the host routes them
        for (final RegionInfo info : engine.cache().regions())
        {
            if (info.state() == RegionState.ACTIVE)
            {
                assertTrue(regions.contains(info.region()), ctx + "\ncached " + info.region() + " not in " + regions);
            }
        }
        try (HybridReader reader = engine.newReader())
        {
            final long lo = Math.max(1, safePoint);
            final long[] rvs = {lo, lo + 1, lo + (version > lo ? rnd.nextLong(version - lo + 1) : 0), version,
                version + 5, Long.MAX_VALUE};
            for (final Region r : regions)
            {
                for (final long rv : rvs)
                {
                    Bb4.checkRegion(engine, reader, model, r, rv, rnd, ctx + "\nregion " + r + " rv " + rv +
                        " sp " + safePoint);
                }
            }
        }
    }
}
