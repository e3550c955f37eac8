package io.regioncache.hybrid.blackbox24;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * Run by {@link JvmFlagsTest} in a JVM of its own with only the JVM flags the README's module table names: the cache
 * alone, the hybrid engine on RocksDB, the hybrid engine on LMDB. Prints "OK mode" when everything worked.
 */
public final class FlagsChild
{
    private FlagsChild()
    {
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void check(final boolean ok, final String what)
    {
        if (!ok)
        {
            throw new IllegalStateException(what);
        }
    }

    private static void ok(final CommandResult r, final String what)
    {
        check(r.code() == ResultCode.OK, what + ": " + r);
    }

    /**
     * @param args mode ({@code core}, {@code rocksdb}, {@code lmdb}) and a directory for the store.
     * @throws Exception if anything fails (exit code 1).
     */
    public static void main(final String[] args) throws Exception
    {
        try
        {
            run(args[0], Path.of(args[1]));
            System.out.println("OK " + args[0]);
            System.out.flush();
            System.exit(0);
        }
        catch (final Throwable t)
        {
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run(final String mode, final Path dir) throws Exception
    {
        final RegionCacheConfig.Builder config = RegionCacheConfig.builder().segmentSize(64 * 1024)
            .capacityBytes(32L << 20);
        final Region region = new Region(7, b("a"), b("m"), 1);
        if (mode.equals("nobounds"))
        {
            noBoundsChecks(config, dir);
            return;
        }
        if (mode.equals("core"))
        {
            java.nio.file.Files.createDirectories(dir);
            // "counters readable from another process: core only, countersFile(path), none extra"
            try (RegionCache cache = RegionCache.create(config.countersFile(dir.resolve("counters")).build()))
            {
                ok(cache.createRegion(region).get(30, TimeUnit.SECONDS), "create");
                ok(cache.write(new WriteBatch(7, 1, 5).put(b("key"), b("value"))).get(30, TimeUnit.SECONDS), "write");
                try (Snapshot s = cache.snapshot(7, 1, 5))
                {
                    check(new String(s.get(b("key")), StandardCharsets.UTF_8).equals("value"), "read");
                    check(s.asNavigableMap().size() == 1, "map");
                }
                cache.publishCounters().get(30, TimeUnit.SECONDS);
            }
            return;
        }
        final WritableStore store = mode.equals("rocksdb") ? RocksDbBackingStore.open(dir) :
            LmdbBackingStore.open(dir, 1L << 28, false);
        store.applyBatch(new WriteBatch(7, 1, 3).put(b("b"), b("bee")).put(b("c"), b("sea")));
        try (HybridEngine engine = HybridEngine.owning(store, config))
        {
            final CommandResult early = engine.await(engine.write(new WriteBatch(7, 1, 4).put(b("d"), b("dee"))));
            check(early.code() == ResultCode.NOT_CACHED, "write before the load: " + early);
            ok(engine.await(engine.loadRegion(region)), "load");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (engine.cache().stateOf(7) != RegionState.ACTIVE)
            {
                check(System.nanoTime() < deadline, "region never ACTIVE: " + engine.cache().stateOf(7));
                Thread.onSpinWait();
            }
            try (HybridReader reader = engine.newReader())
            {
                check("sea".equals(new String(reader.get(7, 1, 10, b("c")), StandardCharsets.UTF_8)), "cache get");
                check("dee".equals(new String(reader.get(8, 1, 10, b("d")), StandardCharsets.UTF_8)), "store get");
                try (HybridView v = reader.view(region, 10); HybridView w = reader.view(new Region(8, b("a"), b("m"),
                    1), 10))
                {
                    check(v.servedByCache() && !w.servedByCache(), "sources");
                    check(v.asBytesMap().equals(w.asBytesMap()) && v.asBytesMap().size() == 3, "views");
                }
            }
        }
    }

    /** One call that must be refused with IllegalArgumentException at the API boundary. */
    private interface Call
    {
        void run() throws Exception;
    }

    private static void refused(final java.util.List<String> wrong, final String name, final Call call)
    {
        try
        {
            call.run();
            wrong.add(name + ": not refused");
        }
        catch (final IllegalArgumentException expected)
        {
            // validated at the API boundary
        }
        catch (final Throwable t)
        {
            wrong.add(name + ": " + t);
        }
    }

    /**
     * With {@code -Dagrona.disable.bounds.checks=true} (README: "Optional, for the last nanoseconds"): the engine
     * computes its offsets from values it validated (the key at the API boundary), so a bad slice is still refused.
     */
    private static void noBoundsChecks(final RegionCacheConfig.Builder config, final Path dir) throws Exception
    {
        check(Boolean.getBoolean("agrona.disable.bounds.checks"), "run with the checks off");
        final java.util.List<String> wrong = new java.util.ArrayList<>();
        final org.agrona.concurrent.UnsafeBuffer key4 = new org.agrona.concurrent.UnsafeBuffer(b("k1k2"));
        final org.agrona.concurrent.UnsafeBuffer dst8 = new org.agrona.concurrent.UnsafeBuffer(new byte[8]);
        final Region cached = new Region(1, new byte[0], new byte[0], 1);
        refused(wrong, "WriteBatch.put key slice", () -> new WriteBatch(1, 1, 2).put(key4, 2, 5, key4, 0, 1));
        refused(wrong, "WriteBatch.put value slice", () -> new WriteBatch(1, 1, 2).put(key4, 0, 2, key4, 3, 4));
        refused(wrong, "WriteBatch.delete key slice", () -> new WriteBatch(1, 1, 2).delete(key4, -1, 2));
        refused(wrong, "MvccKeyCodec.encodeKey", () -> io.regioncache.store.MvccKeyCodec.encodeKey(key4, 2, 5,
            new org.agrona.concurrent.UnsafeBuffer(new byte[64]), 0));
        try (RocksDbBackingStore rocks = RocksDbBackingStore.open(dir.resolve("rocks"));
            LmdbBackingStore lmdb = LmdbBackingStore.open(dir.resolve("lmdb"), 1L << 28, false);
            HybridEngine engine = HybridEngine.owning(new io.regioncache.store.InMemoryBackingStore(), config))
        {
            ok(engine.await(engine.createRegion(cached)), "create");
            ok(engine.await(engine.write(new WriteBatch(1, 1, 3).put(b("k1"), b("v1")).put(b("k2"), b("v2")))),
                "write");
            for (final WritableStore s : new WritableStore[] {rocks, lmdb})
            {
                s.applyBatch(new WriteBatch(0, 0, 3).put(b("k1"), b("v1")));
                final String n = s.getClass().getSimpleName();
                refused(wrong, n + ".get key slice", () -> s.get(key4, 2, 5, 10, dst8, 0));
                refused(wrong, n + ".get negative offset", () -> s.get(key4, -1, 2, 10, dst8, 0));
                refused(wrong, n + ".get dstOffset", () -> s.get(key4, 0, 2, 10, dst8, 9));
                refused(wrong, n + ".multiGet key slice", () -> s.multiGet(key4, new int[] {0, 3},
                    new int[] {2, 2}, 0, 2, 10, dst8, 0, new int[2], new int[2]));
                check(s.get(key4, 0, 2, 10, dst8, 0) == 2, n + " reads a good slice");
            }
            try (Snapshot snap = engine.cache().snapshot(1, 1, 5); HybridReader reader = engine.newReader())
            {
                refused(wrong, "Snapshot.get key slice", () -> snap.get(key4, 2, 5, dst8, 0));
                refused(wrong, "Snapshot.get negative offset", () -> snap.get(key4, -1, 2, dst8, 0));
                refused(wrong, "Snapshot.get dstOffset", () -> snap.get(key4, 0, 2, dst8, 9));
                refused(wrong, "Snapshot.get negative dstOffset", () -> snap.get(key4, 0, 2, dst8, -1));
                refused(wrong, "Snapshot.multiGet key slice", () -> snap.multiGet(key4, new int[] {0, 3},
                    new int[] {2, 2}, 2, dst8, 0, new int[2], new int[2]));
                refused(wrong, "Snapshot.getView key slice", () -> snap.getView(key4, 3, 4,
                    new org.agrona.concurrent.UnsafeBuffer(0, 0)));
                refused(wrong, "HybridReader.get (cache) key slice", () -> reader.get(1, 1, 5, key4, 2, 5, dst8, 0));
                refused(wrong, "HybridReader.get (store) key slice", () -> reader.get(9, 1, 5, key4, 2, 5, dst8, 0));
                refused(wrong, "HybridReader.multiGet (store) key slice", () -> reader.multiGet(9, 1, 5, key4,
                    new int[] {0, 3}, new int[] {2, 2}, 2, dst8, 0, new int[2], new int[2]));
                refused(wrong, "HybridReader.multiGet (cache) key slice", () -> reader.multiGet(1, 1, 5, key4,
                    new int[] {0, 3}, new int[] {2, 2}, 2, dst8, 0, new int[2], new int[2]));
                check(snap.get(key4, 2, 2, dst8, 0) == 2, "reads a good slice");
            }
        }
        check(wrong.isEmpty(), "not refused with IllegalArgumentException: " + wrong);
    }
}
