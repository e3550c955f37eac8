package io.regioncache.internal.table;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.RegionCache;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.bench.ProbeRounds;
import io.regioncache.bench.ProbeRounds.Variant;
import io.regioncache.bench.RegionCaches;
import io.regioncache.bench.support.KeySpace;

/**
 * What a linked walk over a scan's nodes costs against the distance from node to node, in interleaved rounds in one
 * JVM (a diagnosis, not a claim: the claims are JMH's). A walk is helped only by the hardware prefetcher, and the
 * one measured here (AMD EPYC, KVM) follows a constant stride but not the table's: a node's next pointers sit in
 * front of it, one per level of a random height, so nodes of equal key and value sizes lie 152, 160, 168 ... bytes
 * apart. Variants, 100 steps per operation from a random key of the benchmark's 1M-key table:
 * <ul>
 *   <li>{@code table walk}: the table's own level-0 links, read raw (no cursor, no seek).</li>
 *   <li>{@code plain walk, constant stride}: {@code MemoryLatencyBenchmark.walk100}'s loop over plain direct memory,
 *   152 bytes per step.</li>
 *   <li>{@code plain walk, table strides}: the same loop over the same memory with the table's strides, taken from
 *   its links (each step's distance from a small array, so the dependence is still through the loaded word).</li>
 *   <li>{@code table, addresses known}: one load per node at the same addresses, none depending on another.</li>
 *   <li>{@code iterator seek + 100}: the public iterator, as {@code ScanPartsBenchmark.walk100}.</li>
 * </ul>
 * Run: {@code java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Xms4g -Xmx4g -XX:MaxDirectMemorySize=8g
 * -cp bench/target/benchmarks.jar io.regioncache.internal.table.WalkStrideProbe [rounds] [keys]}. What it found
 * (2026-12-06): the table walk costs what the plain walk with the table's strides costs, about twice the constant
 * stride's; see jmh-results/HISTORY.md, "Constant node strides".
 */
public final class WalkStrideProbe
{
    private static final int STEPS = 100;
    private static final int STARTS = 1 << 16;
    private static final int WARMUP_ROUNDS = 2;
    private static final int PLAIN_BYTES = 1 << 28;
    private static final int CONSTANT_STRIDE = 152;

    private WalkStrideProbe()
    {
    }

    /**
     * @param args optional number of measured rounds (default 5), then the number of keys (default 1M).
     * @throws Exception if the engine cannot be built.
     */
    public static void main(final String[] args) throws Exception
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final int keys = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        final KeySpace keySpace = KeySpace.of(keys);
        final RegionCache engine = RegionCaches.create(RegionCaches.READ_CAPACITY, true, false);
        RegionCaches.createAndLoad(engine, 1, 1, keySpace);
        final Snapshot snapshot = engine.newSnapshot();
        if (snapshot.open(1, 1, RegionCaches.LATEST) != SnapshotStatus.OK)
        {
            throw new IllegalStateException("snapshot open failed");
        }
        final MvccTable table = (MvccTable)GetPathBenchmark.Table.field(Snapshot.class, "table").get(snapshot);
        final NodeArena arena = table.arena();
        final long[] nodes = new long[keys];
        long n = table.first();
        for (int i = 0; i < keys; i++)
        {
            nodes[i] = n;
            n = table.nextAcquire(n, 0);
        }
        final int[] strides = new int[keys];
        for (int i = 0; i + 1 < keys; i++)
        {
            final long d = nodes[i + 1] - nodes[i];
            strides[i] = d > 0 && d < 1024 ? (int)d : CONSTANT_STRIDE; // a segment change: any stride will do
        }
        final UnsafeBuffer plain = new UnsafeBuffer(ByteBuffer.allocateDirect(PLAIN_BYTES));
        final int[] starts = new int[STARTS];
        final SplittableRandom random = new SplittableRandom(0x5EED_2026L);
        for (int i = 0; i < STARTS; i++)
        {
            starts[i] = random.nextInt(keys - 2 * STEPS);
        }
        final SnapshotIterator iterator = snapshot.iterator();
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KeySpace.KEY_LENGTH]);
        final List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("table walk")
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int op = 0; op < ops; op++)
                {
                    long m = nodes[starts[op & (STARTS - 1)]];
                    for (int k = 0; k < STEPS; k++)
                    {
                        final UnsafeBuffer segment = arena.segment(m);
                        m = UnsafeApi.getLongAcquire(
                            segment.byteArray(), segment.addressOffset() + NodeLayout.offset(m) + NodeLayout.NEXT_0);
                    }
                    sum += m;
                }
                return sum;
            }
        });
        variants.add(plainWalk("plain walk, constant stride", plain, starts, null));
        variants.add(plainWalk("plain walk, table strides", plain, starts, strides));
        variants.add(new Variant("table, addresses known")
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int op = 0; op < ops; op++)
                {
                    final int start = starts[op & (STARTS - 1)];
                    for (int k = 0; k < STEPS; k++)
                    {
                        final long m = nodes[start + k];
                        final UnsafeBuffer segment = arena.segment(m);
                        sum += UnsafeApi.getLong(segment.byteArray(), segment.addressOffset() + NodeLayout.offset(m));
                    }
                }
                return sum;
            }
        });
        variants.add(new Variant("iterator seek + 100")
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int op = 0; op < ops; op++)
                {
                    keySpace.writeKey(starts[op & (STARTS - 1)], key, 0);
                    boolean valid = iterator.seek(key, 0, KeySpace.KEY_LENGTH);
                    for (int k = 0; valid && k < STEPS; k++)
                    {
                        valid = iterator.next();
                    }
                    sum += valid ? iterator.version() : -1;
                }
                return sum;
            }
        });
        try
        {
            ProbeRounds.run(variants, WARMUP_ROUNDS, rounds, STARTS);
        }
        finally
        {
            snapshot.dispose();
            engine.close();
        }
    }

    /** {@code MemoryLatencyBenchmark.walk100}'s loop, with a constant stride or the table's strides. */
    private static Variant plainWalk(final String name, final UnsafeBuffer plain, final int[] starts, final int[] strides)
    {
        return new Variant(name)
        {
            @Override
            protected long run(final int ops)
            {
                final int span = PLAIN_BYTES - 4 * STEPS * CONSTANT_STRIDE;
                long sum = 0;
                for (int op = 0; op < ops; op++)
                {
                    final int start = starts[op & (STARTS - 1)];
                    int at = (int)((start * 256L) % span) & -8;
                    for (int k = 0; k < STEPS; k++)
                    {
                        final long word = plain.getLong(at);
                        sum += word;
                        // the words are 0, which the JIT cannot know: the next address depends on this load
                        at += (null == strides ? CONSTANT_STRIDE : strides[start + k]) + (int)(word >>> 63);
                    }
                }
                return sum;
            }
        };
    }
}
