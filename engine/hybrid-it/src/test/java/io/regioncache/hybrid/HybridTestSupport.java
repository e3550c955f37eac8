package io.regioncache.hybrid;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import io.regioncache.WritableStore;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deterministic harness: an INVOKER-mode engine whose loads wait in a queue until the test runs them, plus a
 * reference model of every version written (key -> version -> value, null for a delete).
 */
final class HybridTestSupport
{
    final ArrayDeque<Runnable> loads = new ArrayDeque<>();
    final HybridEngine engine;
    final TreeMap<String, TreeMap<Long, byte[]>> model = new TreeMap<>();

    HybridTestSupport(final Stores stores, final Path dir, final RegionCacheConfig.Builder config)
    {
        engine = HybridEngine.owning(stores.open(dir), config.threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(loads::add));
    }

    HybridTestSupport(final Stores stores, final Path dir)
    {
        this(stores, dir, RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(256L << 20));
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String key(final int i)
    {
        return String.format("k%03d", i);
    }

    CommandResult run(final CompletableFuture<CommandResult> f)
    {
        return engine.await(f);
    }

    void ok(final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = run(f);
        assertEquals(ResultCode.OK, r.code(), r.toString());
    }

    void cycle()
    {
        engine.applyCycle();
    }

    /** Run every queued load job on this thread, then the apply cycle that installs them. */
    int runLoads()
    {
        int n = 0;
        Runnable r;
        while ((r = loads.poll()) != null)
        {
            r.run();
            n++;
        }
        cycle();
        return n;
    }

    /** Write through the engine and record it in the model; returns the cache's result code. */
    ResultCode put(final long regionId, final long epoch, final long version, final String k, final String v)
    {
        return write(new WriteBatch(regionId, epoch, version).put(b(k), b(v)), k, b(v));
    }

    ResultCode delete(final long regionId, final long epoch, final long version, final String k)
    {
        return write(new WriteBatch(regionId, epoch, version).delete(b(k)), k, null);
    }

    private ResultCode write(final WriteBatch batch, final String k, final byte[] v)
    {
        model.computeIfAbsent(k, x -> new TreeMap<>()).put(batch.version(), v);
        return run(engine.write(batch)).code();
    }

    void record(final String k, final long version, final byte[] v)
    {
        model.computeIfAbsent(k, x -> new TreeMap<>()).put(version, v);
    }

    /** @return the model's value of k at a read version, or null. */
    byte[] expected(final String k, final long readVersion)
    {
        final TreeMap<Long, byte[]> versions = model.get(k);
        if (versions == null)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> e = versions.floorEntry(readVersion);
        return e == null ? null : e.getValue();
    }

    /** @return the model's visible keys of [lo, hi) at a version (hi null = +infinity). */
    NavigableMap<String, byte[]> visible(final String lo, final String hi, final long readVersion)
    {
        final TreeMap<String, byte[]> out = new TreeMap<>();
        for (final String k : model.keySet())
        {
            if ((lo == null || k.compareTo(lo) >= 0) && (hi == null || k.compareTo(hi) < 0))
            {
                final byte[] v = expected(k, readVersion);
                if (v != null)
                {
                    out.put(k, v);
                }
            }
        }
        return out;
    }

    /** The region is cached, ACTIVE and identical to the store; and the store agrees with the model. */
    void assertConsistent(final long regionId, final int expectedKeys)
    {
        final CrossCheck.Report report = CrossCheck.check(engine, regionId);
        assertTrue(report.ok(), () -> "region " + regionId + ": " + report);
        assertEquals(expectedKeys, report.keysCompared(), () -> "region " + regionId + " key count: " + report);
    }

    void close()
    {
        engine.close();
    }
}
