package io.regioncache.hybrid.blackbox9;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.blackbox9.Leaks9;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.Stores;
import io.regioncache.store.SafePointFile;

/**
 * Audit 9 (2026-12-05): a {@code HybridEngine} that owns its durable store, opened and closed over the same
 * directory again and again, on RocksDB and on LMDB. After each {@code close()} the directory opens again at once
 * (RocksDB's LOCK, LMDB's one-environment-per-process rule released), and nothing accumulates across the cycles:
 * live threads (Java and native), file descriptors, direct and mapped buffers, the cache's memory; a closed engine
 * becomes collectable. Opens that fail part-way (a directory held by an open store, a path that is a file, a damaged
 * safe-point file, a cache setting refused after the store opened) leave nothing behind either.
 */
class HybridLifecycleResourcesTest
{
    private static final int CYCLES = 25;

    @TempDir
    Path tmp;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RegionCacheConfig.Builder config()
    {
        return RegionCacheConfig.builder().capacityBytes(64L << 20);
    }

    /** One life of the engine over {@code dir}: writes, a load, reads from the cache and the store, a GC round. */
    private static HybridEngine cycle(final Stores kind, final Path dir, final int i)
    {
        final HybridEngine e = HybridEngine.owning(kind.open(dir), config());
        try
        {
            final long v = 10L * (i + 1);
            final Region region = new Region(1, new byte[0], new byte[0], 1);
            // not cached yet: the store takes it, the cache answers NOT_CACHED
            assertEquals(ResultCode.NOT_CACHED,
                e.await(e.write(new WriteBatch(1, 1, v).put(b("k"), b("v" + i)))).code());
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            assertTrue(Leaks9.await(10_000, () -> e.cache().stateOf(1) == RegionState.ACTIVE));
            assertEquals(ResultCode.OK, e.await(e.write(new WriteBatch(1, 1, v + 1).put(b("j"), b("j" + i)))).code());
            try (HybridReader r = e.newReader())
            {
                assertArrayEquals(b("v" + i), r.get(1, 1, v + 1, b("k")));
                assertArrayEquals(b("j" + i), r.get(1, 1, v + 1, b("j")));
                assertArrayEquals(b("v" + i), r.get(2, 1, v + 1, b("k"))); // not cached: the store serves
            }
            e.gc(v - 1);
        }
        finally
        {
            e.close();
        }
        assertEquals(0, e.cache().memoryInUse());
        return e;
    }

    @ParameterizedTest
    @EnumSource(Stores.class)
    void reopeningTheSameDirectoryAccumulatesNothing(final Stores kind)
    {
        final Path dir = tmp.resolve("db");
        cycle(kind, dir, 0); // warm-up: the native library, RocksDB's shared background threads, JVM timers
        cycle(kind, dir, 1);
        final int files = Leaks9.count(dir);
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        for (int i = 2; i < CYCLES + 2; i++)
        {
            cycle(kind, dir, i); // opens right after the last close: the lock or the LMDB environment was released
            assertTrue(Leaks9.await(5_000, () -> Leaks9.threadsNamed("regioncache").isEmpty()),
                kind + " cycle " + i + ": engine threads left after close: " + Leaks9.threadsNamed("regioncache"));
        }
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), kind + " " + Leaks9.explain(base, after, CYCLES));
        System.out.println(kind + " after " + CYCLES + " reopenings: " + Leaks9.explain(base, after, CYCLES) +
            "; VmRSS " + rss() + " kB; files in the directory: " + filesIn(dir));
        // The directory holds what the data needs, not a file per open (RocksDB kept each open's info log as a
        // LOG.old.* file, up to its default of 1,000).
        assertTrue(Leaks9.count(dir) <= files + 5, kind + ": " + files + " files after two opens, after " +
            (CYCLES + 2) + ": " + filesIn(dir));
    }

    private static String rss()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                .findFirst().orElse("?").replaceAll("[^0-9]", "");
        }
        catch (final java.io.IOException ex)
        {
            return "?";
        }
    }

    private static String filesIn(final Path dir)
    {
        try (java.util.stream.Stream<Path> s = Files.list(dir))
        {
            final java.util.List<Path> files = s.sorted().toList();
            long bytes = 0;
            for (final Path f : files)
            {
                bytes += Files.size(f);
            }
            return files.size() + " (" + bytes + " B): " + files.stream().map(f -> f.getFileName().toString())
                .collect(java.util.stream.Collectors.joining(" "));
        }
        catch (final java.io.IOException ex)
        {
            return "?";
        }
    }

    @ParameterizedTest
    @EnumSource(Stores.class)
    void aClosedEngineBecomesCollectable(final Stores kind)
    {
        final WeakReference<HybridEngine> ref = new WeakReference<>(cycle(kind, tmp.resolve("c"), 0));
        assertTrue(Leaks9.await(10_000, () -> ref.get() == null), kind + ": a closed engine is still reachable");
    }

    @ParameterizedTest
    @EnumSource(Stores.class)
    void opensThatFailPartWayLeaveNothing(final Stores kind) throws Exception
    {
        final Path held = tmp.resolve("held");
        final Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        final Path damaged = tmp.resolve("damaged");
        cycle(kind, damaged, 0);
        Files.writeString(damaged.resolve(SafePointFile.NAME), "junk");
        final Path refused = tmp.resolve("refused");
        final WritableStore holder = kind.open(held);
        try
        {
            final Runnable failures = () ->
            {
                assertThrows(StoreException.class, () -> kind.open(held), "a directory an open store holds");
                assertThrows(StoreException.class, () -> kind.open(file), "a path that is a file");
                assertThrows(StoreException.class, () -> kind.open(damaged), "a damaged safe-point file");
                // the store opens, then the cache refuses its setting: the owning engine closes the store
                assertThrows(IllegalArgumentException.class,
                    () -> HybridEngine.owning(kind.open(refused), config().capacityBytes(-1)));
            };
            failures.run();
            final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
            for (int i = 0; i < CYCLES; i++)
            {
                failures.run();
            }
            final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
            assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), kind + " " + Leaks9.explain(base, after, CYCLES));
        }
        finally
        {
            holder.close();
        }
        // each directory opens once the cause is gone: the failed opens did not keep it
        kind.open(held).close();
        kind.open(refused).close();
        Files.delete(damaged.resolve(SafePointFile.NAME));
        cycle(kind, damaged, 1);
    }
}
