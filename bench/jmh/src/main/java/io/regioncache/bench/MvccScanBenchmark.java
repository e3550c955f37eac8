package io.regioncache.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.Region;

/**
 * Cost of a 100-key forward scan over one region whose keys carry {@code versions} MVCC versions, before and
 * after GC (compaction at a safe point above every version). Target: after GC, 64 versions cost at most 1.5x one
 * version.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
public class MvccScanBenchmark
{
    private static final int SEEKS = 1 << 12;

    @Param({"1", "64"})
    public int versions;

    @Param({"false", "true"})
    public boolean gc;

    @Param({"10000"})
    public int keys;

    private RegionCache cache;
    private Snapshot snapshot;
    private SnapshotIterator iterator;
    private byte[][] seekKeys;
    private int next;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);

    static byte[] key(final int i)
    {
        return String.format("key%08d", i).getBytes(StandardCharsets.US_ASCII);
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(1L << 30).segmentSize(1 << 20).policyIntervalMillis(3_600_000).build());
        check(cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get());
        final byte[][] k = new byte[keys][];
        for (int i = 0; i < keys; i++)
        {
            k[i] = key(i);
        }
        final byte[] value = new byte[64];
        long version = 0;
        for (int round = 0; round < versions; round++)
        {
            version++;
            final WriteBatch wb = new WriteBatch(1, 1, version, keys * 96);
            for (int i = 0; i < keys; i++)
            {
                value[0] = (byte)round;
                wb.put(k[i], value);
            }
            check(cache.write(wb).get());
        }
        if (gc)
        {
            final long finished = cache.metrics().get("compactions.finished");
            check(cache.advanceSafePoint(version).get());
            check(cache.compact(1).get());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (cache.metrics().get("compactions.finished") == finished)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("compaction did not finish");
                }
                Thread.sleep(1);
            }
        }
        snapshot = cache.newSnapshot();
        final var status = snapshot.open(1, 1, version + 1);
        if (status != io.regioncache.SnapshotStatus.OK)
        {
            throw new IllegalStateException("snapshot: " + status);
        }
        iterator = snapshot.iterator();
        final SplittableRandom rnd = new SplittableRandom(42);
        seekKeys = new byte[SEEKS][];
        for (int i = 0; i < SEEKS; i++)
        {
            seekKeys[i] = k[rnd.nextInt(keys)];
        }
    }

    private static void check(final CommandResult r)
    {
        if (r.code() != ResultCode.OK)
        {
            throw new IllegalStateException(r.toString());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        snapshot.dispose();
        cache.close();
    }

    @Benchmark
    public int scan100(final Blackhole bh)
    {
        final byte[] start = seekKeys[next++ & (SEEKS - 1)];
        int n = 0;
        for (boolean ok = iterator.seek(start); ok && n < 100; ok = iterator.next())
        {
            iterator.keyView(keyView);
            iterator.valueView(valueView);
            bh.consume(keyView.getByte(keyView.capacity() - 1));
            bh.consume(valueView.getByte(0));
            n++;
        }
        return n;
    }
}
