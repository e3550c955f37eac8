package io.regioncache.bench;

import io.regioncache.bench.support.TempDirs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

import io.regioncache.BackingSnapshot;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.internal.memory.SegmentPool;
import io.regioncache.internal.table.MvccTable;
import io.regioncache.internal.table.NodeSegmentWriter;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.store.MvccKeyCodec;

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
    private static final int SEGMENT_SIZE = 4 << 20;

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

    /**
     * The cache's {@code loadScanThreads}: 1 (the default) scans the rest of the region on one thread; 2 in two halves
     * at once, on two threads, split where the store's estimate halves it (RocksDB offers a split key).
     */
    @Param("1")
    public int scanThreads;

    private Path dir;
    private RocksDbBackingStore store;
    /** Loads installed so far (written by the cache's apply thread through {@code onLoadInstalled}). */
    private final java.util.concurrent.atomic.AtomicLong installed = new java.util.concurrent.atomic.AtomicLong();
    /** The thread blocked in {@link #load}, woken by the hook. */
    private volatile Thread waiter;
    private RegionCache cache;
    private Region region;
    /** {@link #storeScanWritingNodes}: a pool of the cache's segment size, and a table only to make node writers. */
    private SegmentPool nodePool;
    private MvccTable nodeTable;
    /** {@link #rocksdbScanTwoThreads}: the store's split key of the range, encoded, and the second thread. */
    private byte[] encodedSplit;
    private ExecutorService secondScanThread;

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
        try (BackingSnapshot snapshot = store.openSnapshot())
        {
            final ByteBuffer first = ByteBuffer.allocate(KEY_LENGTH).putLong(0x6b65792d6b65792dL).putLong(0);
            final byte[] split = snapshot.splitKey(first.array(), region.end());
            if (null == split)
            {
                throw new IllegalStateException("RocksDB offered no split key");
            }
            encodedSplit = MvccKeyCodec.encodeKey(split);
        }
        secondScanThread = Executors.newSingleThreadExecutor();
        nodePool = new SegmentPool(SEGMENT_SIZE, 1L << 30);
        nodeTable = new MvccTable(nodePool, 64);
        cache = RegionCache.create(RegionCacheConfig.builder()
            .backingStore(store)
            .capacityBytes(3L << 30)
            .segmentSize(SEGMENT_SIZE)
            .inlineNewestVersions(!"slots".equals(index))
            .loadScanThreads(scanThreads)
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
        final long n = rawScan(null, null, bh);
        if (n != keys)
        {
            throw new IllegalStateException("scanned " + n + " of " + keys);
        }
    }


    /**
     * {@link #rocksdbScan} in two halves at once, on two threads: the benchmark's thread iterates up to the split key
     * the store offers a load ({@code BackingSnapshot.splitKey}), a second thread from it to the end. The floor of a
     * load that scans its halves at once ({@code scanThreads=2}); {@link #rocksdbScan} stays the target's reference.
     *
     * @param bh consumes what is read.
     * @throws Exception if an iterator fails.
     */
    @Benchmark
    public void rocksdbScanTwoThreads(final Blackhole bh) throws Exception
    {
        final Future<Long> second = secondScanThread.submit(() -> rawScan(encodedSplit, null, bh));
        final long n = rawScan(null, encodedSplit, bh) + second.get();
        if (n != keys)
        {
            throw new IllegalStateException("scanned " + n + " of " + keys);
        }
    }

    /**
     * {@link #rocksdbScan} through direct {@code ByteBuffer}s ({@code RocksIterator.key(ByteBuffer)} and
     * {@code value(ByteBuffer)}), the target's reference until 2026-12-07: each of those calls costs more than the
     * array variant {@link #rocksdbScan} uses, because RocksJava calls JNI's {@code GetDirectBufferAddress} and
     * {@code GetDirectBufferCapacity}, which check the buffer's class every time (15% of a scan's samples in an
     * async-profiler profile). Kept to show the difference in the same run.
     *
     * @param bh consumes what is read.
     * @throws RocksDBException if the iterator fails.
     */
    @Benchmark
    public void rocksdbScanDirect(final Blackhole bh) throws RocksDBException
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
     * A bare iteration of the encoded keys in {@code [lower, upper)} (null: unbounded): every key and value read,
     * into reused arrays ({@code key(byte[], int, int)}, {@code value(byte[], int, int)}), RocksJava's cheapest
     * read of an iterator's entry (see {@link #rocksdbScanDirect}).
     */
    private long rawScan(final byte[] lower, final byte[] upper, final Blackhole bh) throws RocksDBException
    {
        final byte[] k = new byte[256];
        final byte[] v = new byte[1024];
        long n = 0;
        try (ReadOptions ro = new ReadOptions().setFillCache(false);
             Slice lo = null == lower ? null : new Slice(lower);
             Slice hi = null == upper ? null : new Slice(upper))
        {
            if (null != lo)
            {
                ro.setIterateLowerBound(lo);
            }
            if (null != hi)
            {
                ro.setIterateUpperBound(hi);
            }
            try (RocksIterator it = store.db().newIterator(ro))
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    bh.consume(it.key(k, 0, k.length));
                    bh.consume(it.value(v, 0, v.length));
                    bh.consume(v[0]);
                    n++;
                }
                it.status();
            }
        }
        return n;
    }

    /**
     * The load's own read of the store, alone: the same {@code BackingSnapshot.scan} the load's scan thread runs (a
     * RocksDB snapshot, the range's bounds, every stored key decoded into user key and version, the value flag
     * checked), on one thread, with a visitor that reads the first byte of every key and value and writes nothing.
     * Beside {@link #rocksdbScan} it shows what the snapshot and the decoding cost; beside {@link #load} what the
     * node writes and the loader on the other core cost.
     *
     * @param bh consumes what is read.
     */
    @Benchmark
    public void storeScan(final Blackhole bh)
    {
        final long[] entries = new long[1];
        try (BackingSnapshot snapshot = store.openSnapshot())
        {
            snapshot.scan(region.start(), region.end(), (k, keyOffset, keyLength, version, v, valueOffset, length) ->
            {
                bh.consume(k.getByte(keyOffset));
                bh.consume(version);
                if (v != null)
                {
                    bh.consume(v.getByte(valueOffset));
                }
                entries[0]++;
                return true;
            });
        }
        if (entries[0] != keys)
        {
            throw new IllegalStateException("scanned " + entries[0] + " of " + keys);
        }
    }

    /**
     * {@link #storeScan} plus what the load's scan thread adds on its own: every entry written once as a node image
     * into pool segments of the cache's size ({@code NodeSegmentWriter}, exactly as the scan thread writes them), each
     * filled segment kept until the end of the scan as the load's table keeps it (so the writes go to ~170 MB of
     * distinct memory, not to one segment recycled in the cache), then all given back. No loader, no queue: beside
     * {@link #load}, what is left is the loader's work on the other core and the parts of the load around the scan.
     *
     * @param bh consumes what is read.
     */
    @Benchmark
    public void storeScanWritingNodes(final Blackhole bh)
    {
        final NodeSegmentWriter nodes = nodeTable.newNodeSegmentWriter();
        final ArrayList<UnsafeBuffer> filled = new ArrayList<>();
        final long[] entries = new long[1];
        try (BackingSnapshot snapshot = store.openSnapshot())
        {
            snapshot.scan(region.start(), region.end(), (k, keyOffset, keyLength, version, v, valueOffset, length) ->
            {
                final int valueLength = v == null ? -1 : length;
                int rc = nodes.append(k, keyOffset, keyLength, version, v, valueOffset, valueLength);
                if (NodeSegmentWriter.FULL == rc)
                {
                    filled.add(nodes.takeFilled());
                    rc = nodes.append(k, keyOffset, keyLength, version, v, valueOffset, valueLength);
                }
                if (NodeSegmentWriter.APPENDED != rc)
                {
                    throw new IllegalStateException("append refused: " + rc);
                }
                entries[0]++;
                return true;
            });
        }
        final UnsafeBuffer last = nodes.takeFilled();
        if (last != null)
        {
            filled.add(last);
        }
        bh.consume(filled.size());
        for (final UnsafeBuffer segment : filled)
        {
            nodePool.release(segment);
        }
        if (entries[0] != keys)
        {
            throw new IllegalStateException("scanned " + entries[0] + " of " + keys);
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
        secondScanThread.shutdownNow();
        nodePool.close();
        store.close();
        TempDirs.delete(dir);
    }
}
