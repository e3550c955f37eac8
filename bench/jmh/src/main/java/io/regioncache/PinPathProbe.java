package io.regioncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

import io.regioncache.bench.ProbeRounds;
import io.regioncache.bench.ProbeRounds.Variant;
import io.regioncache.bench.RegionCaches;
import io.regioncache.bench.support.KeySpace;

/**
 * The steps of {@code SnapshotBenchmark.pinUnpin} timed in interleaved rounds in one JVM (every round times every
 * variant once, so a load change on the shared machine hits all variants alike): the whole {@code Snapshot}
 * open/close, the bare {@link RegionRecord#tryPin}/{@link RegionRecord#unpin} pair, the region lookup alone, and two
 * bare atomic adds on a private cell (the floor of two locked instructions). Reports median and minimum ns per op.
 * Run: {@code java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * io.regioncache.PinPathProbe [rounds]}.
 */
public final class PinPathProbe
{
    private static final int OPS = 1 << 22;
    private static final int WARMUP_ROUNDS = 5;
    private static final long REGION = 1;
    private static final long EPOCH = 1;
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);

    private PinPathProbe()
    {
    }

    /**
     * @param args optional number of measured rounds (default 15).
     * @throws Exception if the engine cannot be built.
     */
    public static void main(final String[] args) throws Exception
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        final RegionCache cache = RegionCaches.create(RegionCaches.READ_CAPACITY);
        RegionCaches.createAndLoad(cache, REGION, EPOCH, KeySpace.of(1000));
        final Field f = RegionCache.class.getDeclaredField("directory");
        f.setAccessible(true);
        final RegionDirectory directory = (RegionDirectory)f.get(cache);
        final Snapshot snapshot = cache.newSnapshot();
        snapshot.open(REGION, EPOCH, RegionCaches.LATEST);
        final RegionRecord record = snapshot.record();
        snapshot.close();
        final int stripe = RegionRecord.nextStripe();
        final long[] cell = new long[32];

        final List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("snapshot open+close")
        {
            @Override
            protected long run(final int ops)
            {
                long n = 0;
                for (int i = 0; i < ops; i++)
                {
                    n += snapshot.open(REGION, EPOCH, RegionCaches.LATEST).ordinal();
                    snapshot.close();
                }
                return n;
            }
        });
        variants.add(new Variant("record tryPin+unpin")
        {
            @Override
            protected long run(final int ops)
            {
                long n = 0;
                for (int i = 0; i < ops; i++)
                {
                    n += record.tryPin(EPOCH, RegionCaches.LATEST, stripe);
                    n += record.unpin(stripe) ? 1 : 0;
                }
                return n;
            }
        });
        variants.add(new Variant("lookup+tryPin+unpin")
        {
            @Override
            protected long run(final int ops)
            {
                long n = 0;
                for (int i = 0; i < ops; i++)
                {
                    final RegionRecord r = directory.currentAcquire().byId(REGION);
                    n += r.tryPin(EPOCH, RegionCaches.LATEST, stripe);
                    n += r.appliedVersionAcquire() & 1;
                    n += r.unpin(stripe) ? 1 : 0;
                }
                return n;
            }
        });
        variants.add(new Variant("index lookup")
        {
            @Override
            protected long run(final int ops)
            {
                long n = 0;
                for (int i = 0; i < ops; i++)
                {
                    n += directory.currentAcquire().byId(REGION).incarnation();
                }
                return n;
            }
        });
        variants.add(new Variant("getAndAdd +1 / -1")
        {
            @Override
            protected long run(final int ops)
            {
                long n = 0;
                for (int i = 0; i < ops; i++)
                {
                    n += (long)CELLS.getAndAdd(cell, 16, 1L);
                    n += (long)CELLS.getAndAdd(cell, 16, -1L);
                }
                return n;
            }
        });
        variants.add(new Variant("getAndAdd +1 / setRelease")
        {
            @Override
            protected long run(final int ops)
            {
                long n = 0;
                for (int i = 0; i < ops; i++)
                {
                    final long v = (long)CELLS.getAndAdd(cell, 16, 1L);
                    CELLS.setRelease(cell, 16, v);
                    n += v;
                }
                return n;
            }
        });
        variants.add(new Variant("getAndAdd +1 only")
        {
            @Override
            protected long run(final int ops)
            {
                long n = 0;
                for (int i = 0; i < ops; i++)
                {
                    n += (long)CELLS.getAndAdd(cell, 16, 1L);
                }
                return n;
            }
        });

        ProbeRounds.run(variants, WARMUP_ROUNDS, rounds, OPS);
        cache.close();
        System.exit(0);
    }
}
