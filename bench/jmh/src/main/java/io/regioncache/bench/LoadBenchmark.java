package io.regioncache.bench;

import io.regioncache.bench.support.TempDirs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * How long loading a region from RocksDB takes, against the floor of a bare RocksDB iteration of the same range.
 * <p>
 * One region of {@code keys} entries (16-byte keys, 100-byte values, one version each) is written to RocksDB and
 * compacted once per trial. {@link #load} asks a running cache to load it and waits until it is ACTIVE (the
 * region is evicted and its memory reclaimed after every invocation, so memory does not grow); {@link #rocksdbScan}
 * iterates the same range with the same read options (snapshot-free, block cache not filled) and reads every key
 * and value. Target: {@code load <= 1.3 x rocksdbScan} (issue #10). The load's own time is two threads on a two-core
 * machine (the store scan and the loader), so the benchmark's thread blocks until the cache tells it the region is
 * ACTIVE ({@link #waitFor}) rather than waking to poll.
 * <p>
 * Smoke run: {@code java -jar bench/target/benchmarks.jar LoadBenchmark -f 1 -wi 0 -i 1 -p keys=10000}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms4g", "-Xmx4g"})
public class LoadBenchmark
{
    private static final int KEY_LENGTH = 16;
    private static final int VALUE_LENGTH = 100;
    private static final int WRITE_CHUNK = 10_000;

    /** Entries in the region. */
    @Param("1000000")
    public int keys;

    /**
     * The index the load builds: {@code entries} (the default: one-miss entries, ~270 B per key) or {@code slots}
     * ({@code inlineNewestVersions(false)}: slots only, ~16 B per key, two misses per get).
     */
    @Param({"entries", "slots"})
    public String index;

    /**
     * How {@link #load} waits for ACTIVE: {@code listener} (the default) blocks until the cache's
     * {@code onLoadInstalled} hook wakes it, as a host waiting for a warm load would; {@code poll} parks 20 us between
     * reads of {@code stateOf}, as this benchmark did before 2026-12-02 (on two cores its 50,000 wake-ups a second
     * took time from the scan and loader threads the load is made of).
     */
    @Param("listener")
    public String waitFor;

    private Path dir;
    private RocksDbBackingStore store;
    /** Loads installed so far (written by the cache's apply thread through {@code onLoadInstalled}). */
    private final java.util.concurrent.atomic.AtomicLong installed = new java.util.concurrent.atomic.AtomicLong();
    /** The thread blocked in {@link #load}, woken by the hook. */
    private volatile Thread waiter;
    private RegionCache cache;
    private Region region;

    /**
     * Build the RocksDB range and start the cache.
     *
     * @throws IOException      if the temp directory cannot be made.
     * @throws RocksDBException if the compaction fails.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException, RocksDBException
    {
        dir = Files.createTempDirectory("load-bench");
        store = RocksDbBackingStore.open(dir);
        final Random rnd = new Random(1);
        final byte[] value = new byte[VALUE_LENGTH];
        final ByteBuffer key = ByteBuffer.allocate(KEY_LENGTH);
        for (int base = 0; base < keys; base += WRITE_CHUNK)
        {
            final WriteBatch batch = new WriteBatch(1, 1, 1, WRITE_CHUNK * (KEY_LENGTH + VALUE_LENGTH + 16));
            for (int i = base; i < Math.min(keys, base + WRITE_CHUNK); i++)
            {
                key.clear();
                key.putLong(0x6b65792d6b65792dL).putLong(i); // "key-key-" + big-endian index: sorted like i
                rnd.nextBytes(value);
                batch.put(key.array().clone(), value);
            }
            store.applyBatch(batch);
        }
        store.db().compactRange(); // a cold, fully compacted range, as a region TiKV loads usually is
        region = new Region(1, new byte[0], new byte[0], 1);
        cache = RegionCache.create(RegionCacheConfig.builder()
            .backingStore(store)
            .capacityBytes(3L << 30)
            .segmentSize(4 << 20)
            .inlineNewestVersions(!"slots".equals(index))
            .onLoadInstalled(id ->
            {
                installed.incrementAndGet();
                final Thread t = waiter;
                if (t != null)
                {
                    LockSupport.unpark(t);
                }
            })
            .build());
    }

    /**
     * Load the region and wait until it is ACTIVE.
     *
     * @return the number of regions cached (keeps the work observable).
     */
    @Benchmark
    public int load()
    {
        final long before = installed.get();
        waiter = Thread.currentThread();
        final CommandResult r = cache.loadRegion(region).join();
        if (r.code() != ResultCode.OK)
        {
            throw new IllegalStateException("load refused: " + r);
        }
        if ("listener".equals(waitFor))
        {
            while (installed.get() == before)
            {
                // Woken by the hook; the timeout only notices a load that failed (it installs nothing).
                LockSupport.parkNanos(50_000_000L);
                if (installed.get() == before && cache.stateOf(1) == null)
                {
                    throw new IllegalStateException(
                        "load failed: " + cache.metrics().get("loads.failed") + " failures");
                }
            }
            return cache.regions().size();
        }
        RegionState state;
        while ((state = cache.stateOf(1)) != RegionState.ACTIVE)
        {
            if (state == null)
            {
                throw new IllegalStateException("load failed: " + cache.metrics().get("loads.failed") + " failures");
            }
            // Park, not spin: on a small machine a spinning waiter steals the core the loader needs.
            LockSupport.parkNanos(20_000);
        }
        return cache.regions().size();
    }

    /** Evict after each invocation and wait until the memory is reclaimed. */
    @TearDown(Level.Invocation)
    public void evict()
    {
        if (cache.stateOf(1) == null)
        {
            return;
        }
        cache.evict(1, EvictReason.MANUAL).join();
        while (cache.memoryInUse() != 0)
        {
            LockSupport.parkNanos(20_000);
        }
    }

    /**
     * A bare RocksDB iteration of the same range: every key and value read into direct buffers.
     *
     * @param bh consumes what is read.
     * @throws RocksDBException if the iterator fails.
     */
    @Benchmark
    public void rocksdbScan(final Blackhole bh) throws RocksDBException
    {
        final ByteBuffer k = ByteBuffer.allocateDirect(256);
        final ByteBuffer v = ByteBuffer.allocateDirect(1024);
        long n = 0;
        try (ReadOptions ro = new ReadOptions().setFillCache(false);
             RocksIterator it = store.db().newIterator(ro))
        {
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                k.clear();
                v.clear();
                bh.consume(it.key(k));
                bh.consume(it.value(v));
                bh.consume(v.get(0));
                n++;
            }
            it.status();
        }
        if (n != keys)
        {
            throw new IllegalStateException("scanned " + n + " of " + keys);
        }
    }

    /**
     * Close the cache, the store, and delete the data.
     *
     * @throws IOException if the directory cannot be deleted.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        cache.close();
        store.close();
        TempDirs.delete(dir);
    }
}
