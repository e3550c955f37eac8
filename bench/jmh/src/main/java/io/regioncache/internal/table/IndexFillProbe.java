package io.regioncache.internal.table;

import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.bench.support.KeySpace;
import io.regioncache.internal.memory.SegmentPool;

/**
 * The index fill of a load, timed alone: a private table of {@code keys} keys (16 bytes, 100-byte values) is copied
 * in key order, then its index is filled by the walk a load makes while it waits on its scan
 * ({@link MvccTable#indexDuringCopy}, 512 nodes a step) and published ({@link MvccTable#buildHashIndex}), either
 * directly (a random entry per key) or windowed ({@link IndexStaging}). Both run in every round, one after the other in
 * one JVM, so that a change in the host's speed hits both alike; the table is built again for each (not timed) and
 * every seventh key is read back. "walk" includes taking the index's and staging's memory from the pool (reused
 * after the first round, zeroed); "build" is what is left for the end of the copy. Run: {@code java
 * --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms4g -Xmx4g -XX:MaxDirectMemorySize=8g -cp
 * bench/target/benchmarks.jar io.regioncache.internal.table.IndexFillProbe [keys] [rounds]}.
 */
public final class IndexFillProbe
{
    private IndexFillProbe()
    {
    }

    /**
     * @param args optional number of keys (default 1,000,000) and rounds (default 4).
     */
    public static void main(final String[] args)
    {
        final int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        final KeySpace keySpace = KeySpace.of(keys);
        final SegmentPool pool = new SegmentPool(1 << 20, 8L << 30);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KeySpace.KEY_LENGTH]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
        for (int round = 0; round < rounds; round++)
        {
            for (final boolean windowed : new boolean[] {false, true})
            {
                final MvccTable table = new MvccTable(pool, KeySpace.KEY_LENGTH, true);
                table.deferHashIndex();
                for (int i = 0; i < keys; i++)
                {
                    keySpace.writeKey(i, key, 0);
                    final byte[] v = keySpace.value(i);
                    value.wrap(v);
                    table.put(key, 0, KeySpace.KEY_LENGTH, i + 1, value, 0, v.length);
                }
                final long start = System.nanoTime();
                table.startIndexDuringCopy(keys, windowed);
                final boolean staged = table.stagedBucketsWritten() >= 0;
                while (table.indexDuringCopy(512))
                {
                    Thread.onSpinWait(); // walk every node, as a load's idle moments do
                }
                final long walked = System.nanoTime();
                if (!table.buildHashIndex() || !table.indexFilledDuringCopy())
                {
                    throw new IllegalStateException("the index filled during the copy was not published");
                }
                final long built = System.nanoTime();
                int found = 0;
                for (int i = 0; i < keys; i += 7)
                {
                    keySpace.writeKey(i, key, 0);
                    found += table.get(key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE, dst, 0) >= 0 ? 1 : 0;
                }
                if (found != (keys + 6) / 7)
                {
                    throw new IllegalStateException("read back " + found + " of " + (keys + 6) / 7);
                }
                System.out.printf("round %d %-8s walk %6.1f ms + build %6.1f ms = %6.1f ms%n", round,
                    staged ? "windowed" : "direct", (walked - start) / 1e6, (built - walked) / 1e6,
                    (built - start) / 1e6);
                table.free();
            }
        }
        System.exit(0);
    }
}
