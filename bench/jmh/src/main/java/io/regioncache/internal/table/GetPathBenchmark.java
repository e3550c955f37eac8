package io.regioncache.internal.table;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.regioncache.bench.JvmFlags;
import io.regioncache.bench.RegionCaches;
import io.regioncache.bench.support.AccessPattern;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.internal.memory.SegmentPool;

/**
 * Where the time of a uniform point get goes (issue #10): the get of {@link MvccTable} taken apart step by step on
 * a table of the same shape as the read benchmarks' (1M keys of 16 B with 100-byte values, loaded as a load is: index
 * built at the end), each step a benchmark of its own so that one JMH run puts them side by side. The machine has no
 * hardware counters, so the steps are told apart by timing:
 * <ul>
 *   <li>{@link #hash}: compute the key and its hash: no memory.</li>
 *   <li>{@link #entryLine}: and load the first line of the home entry (its meta word): one random miss.</li>
 *   <li>{@link #entryLines}: and both lines of the home entry (independent loads).</li>
 *   <li>{@link #find}: the probe as a get does it (tag, key compare, next entry on a mismatch).</li>
 *   <li>{@link #tableGet}: the whole get below the snapshot (probe, seqlock read, 100-byte copy).</li>
 * </ul>
 * Lives in the table's package (the benchmark jar is used on the class path) to reach the index directly; the
 * internals it needs are private and read once by reflection at setup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.XMS, JvmFlags.XMX, JvmFlags.PRE_TOUCH, JvmFlags.AGRONA_MISC})
public class GetPathBenchmark
{
    /** A loaded table, its index and pre-generated uniform key indices. */
    @State(Scope.Benchmark)
    public static class Table
    {
        /** Keys loaded. */
        @Param({"1000000"})
        public int keys;

        /** {@code default} (allocateDirect) or {@code huge} (the pool's huge-page buffers; JDK 22+). */
        @Param({"default"})
        public String pages;

        KeySpace keySpace;
        SegmentPool pool;
        MvccTable table;
        HashIndex index;
        NodeArena arena;
        UnsafeBuffer entries;
        int mask;
        int[] indices;
        /** Key indices of keys found in their home entry, and of keys displaced from it (each 2^20 long, cycled). */
        int[] homeIndices;
        int[] awayIndices;

        /**
         * Load the table (not measured) and print how far keys sit from their home entry.
         *
         * @throws ReflectiveOperationException if a private field is missing.
         */
        @Setup(Level.Trial)
        public void load() throws ReflectiveOperationException
        {
            keySpace = KeySpace.of(keys);
            final boolean huge = "huge".equals(pages);
            if (huge)
            {
                RegionCaches.requireHugePages();
            }
            pool = new SegmentPool(1 << 20, 4L << 30, SegmentPool.DEFAULT_MAX_FREE_SEGMENTS, huge);
            table = new MvccTable(pool, KeySpace.KEY_LENGTH, true);
            table.deferHashIndex();
            final UnsafeBuffer key = new UnsafeBuffer(new byte[KeySpace.KEY_LENGTH]);
            for (int i = 0; i < keys; i++)
            {
                keySpace.writeKey(i, key, 0);
                final byte[] value = keySpace.value(i);
                if (MvccTable.OK != table.put(key, 0, KeySpace.KEY_LENGTH, i + 1, new UnsafeBuffer(value), 0,
                    value.length))
                {
                    throw new IllegalStateException("put " + i + " failed");
                }
            }
            if (!table.buildHashIndex())
            {
                throw new IllegalStateException("index not built");
            }
            index = (HashIndex)field(MvccTable.class, "hashIndex").get(table);
            arena = (NodeArena)field(MvccTable.class, "arena").get(table);
            entries = (UnsafeBuffer)field(HashIndex.class, "entries").get(index);
            mask = index.capacity() - 1;
            indices = AccessPattern.indices("uniform", keys, keys, 0x5EED_2026L);
            long displaced = 0;
            long probes = 0;
            final int[] distances = new int[keys];
            for (int i = 0; i < keys; i++)
            {
                keySpace.writeKey(i, key, 0);
                final long hash = KeyHash.hash(key, 0, KeySpace.KEY_LENGTH);
                final int slot = index.find(arena, hash, key, 0, KeySpace.KEY_LENGTH);
                final int distance = (slot - ((int)hash & mask)) & mask;
                distances[i] = distance;
                displaced += distance > 0 ? 1 : 0;
                probes += distance;
            }
            homeIndices = select(distances, true);
            awayIndices = select(distances, false);
            System.out.printf("%ncapacity %d, keys %d: %.1f%% not in their home entry, %.3f extra probes per key%n",
                index.capacity(), keys, 100.0 * displaced / keys, (double)probes / keys);
        }

        private int[] select(final int[] distances, final boolean home)
        {
            final int[] out = new int[AccessPattern.LENGTH];
            int n = 0;
            for (int round = 0; n < out.length; round++)
            {
                for (int c = 0; c < indices.length && n < out.length; c++)
                {
                    final int i = indices[c];
                    if ((distances[i] == 0) == home)
                    {
                        out[n++] = i;
                    }
                }
            }
            return out;
        }

        static Field field(final Class<?> type, final String name) throws NoSuchFieldException
        {
            final Field f = type.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        }

        /** Free the table. */
        @TearDown(Level.Trial)
        public void free()
        {
            table.free();
            pool.close();
        }
    }

    /** One thread's cursor, key scratch and value buffer. */
    @State(Scope.Thread)
    public static class Cursor
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KeySpace.KEY_LENGTH]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[128]);
        int cursor;

        int next(final Table t)
        {
            final int c = (cursor + 1) & (AccessPattern.LENGTH - 1);
            cursor = c;
            final int i = t.indices[c];
            t.keySpace.writeKey(i, key, 0);
            return i;
        }
    }

    /**
     * @param t the table.
     * @param c this thread's cursor.
     * @return the hash (consumed by JMH).
     */
    @Benchmark
    public long hash(final Table t, final Cursor c)
    {
        c.next(t);
        return KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
    }

    /**
     * @param t the table.
     * @param c this thread's cursor.
     * @return the home entry's meta word (consumed by JMH).
     */
    @Benchmark
    public long entryLine(final Table t, final Cursor c)
    {
        c.next(t);
        final long hash = KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
        return t.entries.getInt((((int)hash & t.mask) << 7) + 8);
    }

    /**
     * @param t the table.
     * @param c this thread's cursor.
     * @return a word of each line of the home entry (consumed by JMH).
     */
    @Benchmark
    public long entryLines(final Table t, final Cursor c)
    {
        c.next(t);
        final long hash = KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
        final int entry = ((int)hash & t.mask) << 7;
        return t.entries.getInt(entry + 8) + t.entries.getLong(entry + 120);
    }

    /**
     * @param t the table.
     * @param c this thread's cursor.
     * @return the key's slot (consumed by JMH).
     */
    @Benchmark
    public int find(final Table t, final Cursor c)
    {
        c.next(t);
        final long hash = KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
        return t.index.find(t.arena, hash, c.key, 0, KeySpace.KEY_LENGTH);
    }

    /**
     * @param t the table.
     * @param c this thread's cursor.
     * @return the value's length plus its first byte (consumed by JMH).
     */
    @Benchmark
    public long tableGet(final Table t, final Cursor c)
    {
        c.next(t);
        return t.table.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, c.dst, 0) + c.dst.getByte(0);
    }
}
