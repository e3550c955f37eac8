package io.regioncache.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import io.regioncache.bench.store.ReadStore;
import io.regioncache.bench.support.KeySpace;

/**
 * {@code scan100} of {@link ScanBenchmark} timed in this thread's CPU time instead of wall time, the stores taking
 * turns round by round in one JVM, for a machine shared with other work: a thread that is descheduled is not charged
 * for the time it waits, and every store sees the same neighbours. (CPU time still includes what those neighbours do
 * to the caches and the memory bus, so the figures stay higher than on a quiet machine; the ratios are what to read.)
 * <p>
 * {@code java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 * --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp bench/target/benchmarks.jar io.regioncache.bench.ScanCpuProbe
 * [keys] [rounds] store...} (the flags Agrona and lmdbjava need, see {@link JvmFlags})
 * (defaults 1,000,000 keys, 15 rounds of 20,000 scans per store, stores {@code regioncache lmdb}); prints the
 * fastest and the median round per store, in ns per scan, and each store against the first.
 */
public final class ScanCpuProbe
{
    private static final int SCANS_PER_ROUND = 20_000;
    private static final int STARTS = 1 << 16;

    private ScanCpuProbe()
    {
    }

    /**
     * @param args {@code [keys] [rounds] store...}.
     * @throws Exception if a store cannot be built or reads wrong data.
     */
    public static void main(final String[] args) throws Exception
    {
        // Exit explicitly either way: a store that failed to build (an LMDB run without its --add-opens, say) must
        // not leave the probe hanging on the engine's apply thread, which is not a daemon.
        int status = 1;
        try
        {
            run(args);
            status = 0;
        }
        finally
        {
            System.out.flush();
            System.exit(status);
        }
    }

    private static void run(final String[] args) throws Exception
    {
        int at = 0;
        final int keys = args.length > at && args[at].matches("\\d+") ? Integer.parseInt(args[at++]) : 1_000_000;
        final int rounds = args.length > at && args[at].matches("\\d+") ? Integer.parseInt(args[at++]) : 15;
        final List<String> names = new ArrayList<>(Arrays.asList(args).subList(at, args.length));
        if (names.isEmpty())
        {
            names.addAll(List.of(ReadStore.REGIONCACHE, ReadStore.LMDB));
        }
        final KeySpace keySpace = KeySpace.of(keys);
        final List<ReadStore> stores = new ArrayList<>();
        final List<ReadStore.Reader> readers = new ArrayList<>();
        for (final String name : names)
        {
            final ReadStore store = ReadStore.open(name, keySpace);
            final ReadStore.Reader reader = store.newReader();
            reader.verify(keySpace, true);
            stores.add(store);
            readers.add(reader);
        }
        final SplittableRandom random = new SplittableRandom(42);
        final int[] starts = new int[STARTS];
        for (int i = 0; i < STARTS; i++)
        {
            starts[i] = random.nextInt(Math.max(1, keys - ScanState.NEXTS - 1));
        }
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final double[][] perScan = new double[names.size()][rounds];
        long sink = 0;
        int next = 0;
        for (int round = -3; round < rounds; round++) // three rounds of warm-up
        {
            for (int s = 0; s < readers.size(); s++)
            {
                final ReadStore.Reader reader = readers.get(s);
                final long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < SCANS_PER_ROUND; i++)
                {
                    sink += reader.scan(starts[next++ & (STARTS - 1)], ScanState.NEXTS);
                }
                final long t1 = mx.getCurrentThreadCpuTime();
                if (round >= 0)
                {
                    perScan[s][round] = (t1 - t0) / (double)SCANS_PER_ROUND;
                }
            }
        }
        System.out.printf("scan100, %,d keys, uniform, %d rounds of %,d scans, thread CPU ns per scan (sink %d)%n",
            keys, rounds, SCANS_PER_ROUND, sink & 1);
        final double[] base = perScan[0].clone();
        Arrays.sort(base);
        for (int s = 0; s < names.size(); s++)
        {
            final double[] sorted = perScan[s].clone();
            Arrays.sort(sorted);
            System.out.printf("  %-24s fastest %,9.0f  median %,9.0f  fastest / %s's %.2f  median / %s's %.2f%n",
                names.get(s), sorted[0], sorted[rounds / 2], names.get(0), sorted[0] / base[0], names.get(0),
                sorted[rounds / 2] / base[rounds / 2]);
        }
        for (final ReadStore.Reader reader : readers)
        {
            reader.close();
        }
        for (final ReadStore store : stores)
        {
            store.close();
        }
    }
}
