package io.regioncache.rocksdb;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import io.regioncache.WriteBatch;

/**
 * A repeatable measure of {@link RocksDbBackingStore#gcBelow} CPU cost, with the default {@code drive}'s write
 * pattern but none of its threads: 200,000 16-byte keys loaded at version 0, then rounds of zipfian (0.99) write
 * batches of 4 keys with 64-byte values (2% deletes), each round followed by a GC at the version reached one round earlier (the
 * drive's safe point rule). Prints the GC thread's CPU time per round and in total, so a change to the sweep can be
 * compared on a busy machine (CPU time, unlike wall time, barely depends on what else runs).
 * <p>
 * Run: {@code java -cp <engine/rocksdb test classpath> io.regioncache.rocksdb.GcCostProbe [rounds] [batchesPerRound]}.
 * {@code -Dprobe.lsm=true} also prints the LSM shape after each round. Not a test: it asserts nothing.
 */
public final class GcCostProbe
{
    private GcCostProbe()
    {
    }

    /**
     * @param args optional: rounds (default 20), write batches per round (default 17,000: 2 s at 8.5k batches/s).
     * @throws Exception on any failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        final int batchesPerRound = args.length > 1 ? Integer.parseInt(args[1]) : 17_000;
        final int keys = 200_000;
        final Path dir = Files.createTempDirectory("gc-probe");
        final Zipf zipf = new Zipf(keys, 0.99);
        final SplittableRandom rnd = new SplittableRandom(42);
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final byte[] value = new byte[64];
        final java.util.concurrent.ExecutorService gcThread =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "probe-gc"));
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            long version = 0;
            for (int i = 0; i < keys; i += 1000)
            {
                final WriteBatch b = new WriteBatch(1, 1, version);
                for (int k = i; k < Math.min(keys, i + 1000); k++)
                {
                    b.put(key(k), value);
                }
                store.applyBatch(b);
            }
            long previous = version;
            long totalCpu = 0;
            long totalDropped = 0;
            long[] sweptBefore = store.gcSweptKeys();
            final long start = System.nanoTime();
            for (int r = 0; r < rounds; r++)
            {
                for (int i = 0; i < batchesPerRound; i++)
                {
                    final WriteBatch b = new WriteBatch(1, 1, ++version);
                    for (int n = 0; n < 4; n++)
                    {
                        final byte[] k = key(zipf.next(rnd.nextDouble()));
                        if (rnd.nextInt(50) == 0)
                        {
                            b.delete(k); // the drive deletes in 2% of its writes
                        }
                        else
                        {
                            rnd.nextBytes(value);
                            b.put(k, value);
                        }
                    }
                    store.applyBatch(b);
                }
                final long sp = previous;
                final long t = System.nanoTime();
                // On a thread of its own, named, so that a native profiler can tell its samples from the writes'.
                final long[] result = gcThread.submit(() ->
                {
                    final long cpu = mx.getCurrentThreadCpuTime();
                    final long d = store.gcBelow(sp);
                    return new long[] {d, (mx.getCurrentThreadCpuTime() - cpu) / 1_000_000L};
                }).get();
                final long dropped = result[0];
                final long cpuMs = result[1];
                final long[] swept = store.gcSweptKeys();
                System.out.printf(Locale.ROOT, "round %2d  safe point %,9d  dropped %,9d  %,6d ms CPU  %,6d ms wall" +
                    "  keys seeked %,7d blind %,7d%n", r, previous, dropped, cpuMs, (System.nanoTime() - t) / 1_000_000L,
                    swept[0] - sweptBefore[0], swept[1] - sweptBefore[1]);
                sweptBefore = swept;
                if (Boolean.getBoolean("probe.lsm"))
                {
                    System.out.println("  L0 files " + store.db().getProperty("rocksdb.num-files-at-level0") +
                        ", immutable memtables " + store.db().getProperty("rocksdb.num-immutable-mem-table") +
                        ", active memtable entries " + store.db().getProperty("rocksdb.num-entries-active-mem-table") +
                        ", deletes " + store.db().getProperty("rocksdb.num-deletes-active-mem-table") +
                        ", levels " + store.db().getProperty("rocksdb.levelstats").replace('\n', ';'));
                }
                totalCpu += cpuMs;
                totalDropped += dropped;
                previous = version;
            }
            System.out.printf(Locale.ROOT, "total: %,d dropped, %,d ms GC CPU (%.2f us/entry), %,d ms run%n",
                totalDropped, totalCpu, totalCpu * 1000.0 / Math.max(1, totalDropped),
                (System.nanoTime() - start) / 1_000_000L);
        }
        finally
        {
            gcThread.shutdown();
            try (var paths = Files.walk(dir))
            {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static final long STEP = Long.divideUnsigned(-1L, 200_000);

    private static long mix64(final long z)
    {
        long x = z + 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    private static byte[] key(final int index)
    {
        // The drive's keys: big-endian (index * step, mix64(index)), so keys sort by index and spread.
        final java.nio.ByteBuffer k = java.nio.ByteBuffer.allocate(16);
        k.putLong(index * STEP).putLong(mix64(index));
        return k.array();
    }

    /** YCSB's zipfian ranks (Gray et al.), rank 0 hottest: the drive's generator, copied to stay test-local. */
    private static final class Zipf
    {
        private final int n;
        private final double theta;
        private final double alpha;
        private final double zetan;
        private final double eta;

        Zipf(final int n, final double theta)
        {
            this.n = n;
            this.theta = theta;
            this.alpha = 1.0 / (1.0 - theta);
            double sum = 0;
            for (int i = 1; i <= n; i++)
            {
                sum += 1.0 / Math.pow(i, theta);
            }
            this.zetan = sum;
            final double zeta2 = 1.0 + 1.0 / Math.pow(2, theta);
            this.eta = (1 - Math.pow(2.0 / n, 1 - theta)) / (1 - zeta2 / zetan);
        }

        int next(final double u)
        {
            final double uz = u * zetan;
            if (uz < 1.0)
            {
                return 0;
            }
            if (uz < 1.0 + Math.pow(0.5, theta))
            {
                return 1;
            }
            final long r = (long)(n * Math.pow(eta * u - eta + 1, alpha));
            return (int)Math.min(Math.max(r, 0), n - 1);
        }
    }
}
