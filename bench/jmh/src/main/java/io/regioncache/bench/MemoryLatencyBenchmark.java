package io.regioncache.bench;

import java.util.SplittableRandom;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The physical limit beside the read benchmarks: what random loads over direct memory the size of the table cost
 * on this machine, measured in the same JMH run as {@link ReadBenchmark} (the summary divides every get by
 * {@link #chase1}).
 * <ul>
 *   <li>{@link #chase1}: one dependent random load per op (a pointer chase around one random cycle through every
 *   cache line of the buffer): the cost of one cache miss and its TLB miss, nothing to overlap with.</li>
 *   <li>{@link #chase2}: two dependent loads per op: what a get that needs the slot before it can load the node
 *   pays at best.</li>
 *   <li>{@link #independent16}: 16 random loads whose addresses are known up front (read from a pre-generated
 *   index array, sequentially): the core overlaps their misses; what a batched get can hope for per key.</li>
 *   <li>{@link #chaseEntry}: {@link #chase1} over 128-byte entries, both lines of each loaded: the pattern of a point
 *   get that finds its key in its home index entry (two adjacent lines; their addresses are known at once, and the
 *   next step waits for both).</li>
 *   <li>{@link #entries16}: {@link #independent16} over 128-byte entries, both lines of each: the least a batched get
 *   of 16 keys must load when each key's entry holds its key and value (16 + 100 bytes and a header do not fit one
 *   line), whatever the layout.</li>
 *   <li>{@link #touch16}: what {@code Snapshot.multiGet} does load for 16 keys before it resolves any: both lines of
 *   each home entry and the first line of the entry after it ({@code HashIndex.touchBatch}; two entries after it
 *   until 2026-12-07).</li>
 *   <li>{@link #stream100}: one load per cache line over the bytes of 101 nodes of a 16-byte key and a 100-byte value
 *   laid out one after the other ({@link #NODE_BYTES} each), from a random start: every address known up front, so
 *   the misses overlap and the hardware prefetcher runs ahead. The least a {@code scan100} (a seek, then 100 steps
 *   over a region laid out in key order) must read, at the machine's streaming speed.</li>
 *   <li>{@link #walk100}: the same bytes, one 8-byte load per node, each load's address depending on the load before
 *   (as a scan's step depends on the node's link): a linked walk over nodes that follow each other in memory, helped
 *   only by the hardware prefetcher.</li>
 * </ul>
 * The buffer has {@code keys * 192} bytes rounded up to a power of two (a 1M-key table of 16-byte keys and 100-byte
 * values holds ~170 MB of nodes and a 16 MB hash index: 256 MB here; its index entries alone are 256 MB), accessed
 * through an {@link UnsafeBuffer} with the same bounds checks as the engine's reads.
 * <p>
 * A random load over that much memory pays a TLB miss as well as a cache miss, and the page walk costs as much as
 * the line on a virtual machine, so the floor depends on the page size and must be measured with the same backing
 * as the get it is compared with ({@link Memory#pages}): {@code default} allocates as the engine does by default
 * ({@code allocateDirect}: 4 KiB pages unless the OS or {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1} says
 * otherwise), {@code huge} as the engine does with {@code hugePages(true)} (advised for transparent huge pages
 * before the first touch; JDK 22+, refused elsewhere), the floor of the {@code regioncache-huge} store.
 */
@BenchmarkMode(Mode.AverageTime)
public class MemoryLatencyBenchmark extends ForkedBenchmark
{
    /** Bytes of one cache line: each line holds one link of the chase. */
    static final int LINE = 64;
    /** Bytes of table per key (nodes + index) at 16-byte keys and 100-byte values. */
    static final int BYTES_PER_KEY = 192;
    /** Pre-generated independent indices (a power of two): 8 MiB of ints, read sequentially. */
    static final int INDEPENDENT = 1 << 21;
    /**
     * Bytes of one node of a 16-byte key and a 100-byte value at height 1 (three quarters of the nodes): a 32-byte
     * header, the key and the value, 8-byte aligned ({@code NodeLayout.nodeSize(1, 16, 100)}).
     */
    static final int NODE_BYTES = 152;
    /** Bytes of one index entry: two lines, 128-byte aligned ({@code HashIndex.ENTRY_BYTES}). */
    public static final int ENTRY = 2 * LINE;
    /** Entries after the home entry whose first line {@link #touch16} loads ({@code HashIndex.BATCH_TOUCH_AHEAD}). */
    public static final int TOUCH_AHEAD = 1;
    /** Nodes a {@code scan100} reads: the one the seek lands on and 100 steps. */
    static final int SCAN_NODES = 101;
    /** Strides drawn for {@link #walkHeights100} (a power of two), read from a random place per op. */
    static final int STRIDES = 1 << 16;
    /** The table's tallest node ({@code MvccTable.MAX_HEIGHT}). */
    public static final int MAX_HEIGHT = 16;

    /**
     * The height of a node drawn from a random word, as the engine's tables draw it ({@code MvccTable.heightFrom}:
     * branching factor 4, checked equal by {@code MemoryFloorLayoutTest}).
     *
     * @param random a random word.
     * @return the height, 1 to {@link #MAX_HEIGHT}.
     */
    public static int heightFrom(final long random)
    {
        return Math.min(1 + (Long.numberOfTrailingZeros(random) >>> 1), MAX_HEIGHT);
    }

    /**
     * @param height a node's height.
     * @return the distance from that node's predecessor of {@link #NODE_BYTES} to it: its next pointers sit in front
     * of it, one per level ({@code NodeLayout}).
     */
    public static int strideTo(final int height)
    {
        return NODE_BYTES + Long.BYTES * (height - 1);
    }

    /** The buffer and the chase cycle (shared by the trial; each thread keeps its own position). */
    @State(Scope.Benchmark)
    public static class Memory
    {
        /** Keys of the table whose size the buffer matches (the same parameter as the read benchmarks). */
        @Param({"1000000"})
        public int keys;

        /** {@code default} (allocateDirect, as the engine by default) or {@code huge} (as with hugePages(true)). */
        @Param({"default"})
        public String pages;

        UnsafeBuffer buffer;
        int lines;
        int[] independent;
        int[] strides;

        /** @return the buffer, each line holding the offset of the next line of the chase (for other probes). */
        public UnsafeBuffer buffer()
        {
            return buffer;
        }

        /** Build the buffer: one random cycle through every line (Sattolo's algorithm), not measured. */
        @Setup(Level.Trial)
        public void setup()
        {
            // at least two scans' worth, so that the walks and stream100 have room at any key count
            final long want = Math.max((long)keys * BYTES_PER_KEY, 2L * SCAN_NODES * strideTo(MAX_HEIGHT));
            long size = LINE;
            while (size < want)
            {
                size <<= 1;
            }
            if (size > Integer.MAX_VALUE)
            {
                throw new IllegalArgumentException("buffer of " + size + " bytes is over 2 GiB");
            }
            buffer = allocate((int)size, pages);
            lines = (int)(size / LINE);
            final int[] perm = new int[lines];
            for (int i = 0; i < lines; i++)
            {
                perm[i] = i;
            }
            final SplittableRandom random = new SplittableRandom(0x5EED_2026L);
            for (int i = lines - 1; i > 0; i--)
            {
                final int j = random.nextInt(i); // j < i: one cycle through every line
                final int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            // Line perm[i] links to line perm[i + 1]: the chase follows the cycle, each step a random line.
            for (int i = 0; i < lines; i++)
            {
                buffer.putLong(perm[i] * LINE, (long)perm[(i + 1) % lines] * LINE);
            }
            independent = new int[INDEPENDENT];
            for (int i = 0; i < INDEPENDENT; i++)
            {
                independent[i] = random.nextInt(lines) * LINE;
            }
            strides = new int[STRIDES + SCAN_NODES];
            for (int i = 0; i < strides.length; i++)
            {
                strides[i] = strideTo(heightFrom(random.nextLong()));
            }
        }
    }

    /**
     * @param size  bytes.
     * @param pages {@code default} or {@code huge}.
     * @return zeroed direct memory, page aligned, backed as asked.
     */
    static UnsafeBuffer allocate(final int size, final String pages)
    {
        switch (pages)
        {
            case "default":
                return new UnsafeBuffer(BufferUtil.allocateDirectAligned(size, 4096));
            case "huge":
            {
                RegionCaches.requireHugePages();
                // The engine's own allocator (a pool of one large buffer): the same mmap + madvise as its index.
                final SegmentPool pool = new SegmentPool(4096, Long.MAX_VALUE, 0, true);
                final UnsafeBuffer buffer = pool.tryAcquireLarge(size);
                if (pool.hugePageBytes() != size)
                {
                    throw new IllegalStateException("the buffer was not advised for huge pages");
                }
                return buffer;
            }
            default:
                throw new IllegalArgumentException("pages must be default or huge, was " + pages);
        }
    }

    /** One thread's position in the chase and in the independent indices. */
    @State(Scope.Thread)
    public static class Cursor
    {
        long position;
        int next;

        /** @param m the buffer. */
        @Setup(Level.Trial)
        public void setup(final Memory m)
        {
            position = (long)new SplittableRandom(Thread.currentThread().getId()).nextInt(m.lines) * LINE;
        }
    }

    /**
     * @param m the buffer.
     * @param c this thread's position.
     * @return the position reached (consumed by JMH).
     */
    @Benchmark
    public long chase1(final Memory m, final Cursor c)
    {
        final long p = m.buffer.getLong((int)c.position);
        c.position = p;
        return p;
    }

    /**
     * @param m the buffer.
     * @param c this thread's position.
     * @return the position reached (consumed by JMH).
     */
    @Benchmark
    public long chase2(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        final long p = b.getLong((int)b.getLong((int)c.position));
        c.position = p;
        return p;
    }

    /**
     * @param m the buffer.
     * @param c this thread's position in the index array.
     * @return the sum of the 16 words loaded (consumed by JMH); the summary divides the time by 16.
     */
    @Benchmark
    public long independent16(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        final int[] idx = m.independent;
        final int n = c.next;
        c.next = (n + 16) & (INDEPENDENT - 1);
        long sum = 0;
        for (int i = 0; i < 16; i++)
        {
            sum += b.getLong(idx[n + i]);
        }
        return sum;
    }

    /**
     * @param m the buffer.
     * @param c this thread's position.
     * @return the position reached (consumed by JMH).
     */
    @Benchmark
    public long chaseEntry(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        final int at = (int)c.position;
        final long p = b.getLong(at);
        // The entry's other line (the chase's own line is either half of its 128-byte pair); its word is a line
        // offset below 2^31, so its top bit is 0, which the JIT cannot know: the next step waits for both lines.
        final long other = b.getLong(at ^ LINE);
        c.position = p + (other >>> 63);
        return p;
    }

    /**
     * @param m the buffer.
     * @param c this thread's position in the index array.
     * @return the sum of the 32 words loaded (consumed by JMH); the summary divides the time by 16.
     */
    @Benchmark
    public long entries16(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        final int[] idx = m.independent;
        final int n = c.next;
        c.next = (n + 16) & (INDEPENDENT - 1);
        long sum = 0;
        for (int i = 0; i < 16; i++)
        {
            final int entry = idx[n + i] & -ENTRY;
            sum += b.getLong(entry) + b.getLong(entry + LINE);
        }
        return sum;
    }

    /**
     * @param m the buffer.
     * @param c this thread's position in the index array.
     * @return the sum of the 64 words loaded (consumed by JMH); the summary divides the time by 16.
     */
    @Benchmark
    public long touch16(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        final int[] idx = m.independent;
        final int mask = b.capacity() - 1; // a power of two: the entries after the last wrap to the first
        final int n = c.next;
        c.next = (n + 16) & (INDEPENDENT - 1);
        long sum = 0;
        for (int i = 0; i < 16; i++)
        {
            final int entry = idx[n + i] & -ENTRY;
            sum += b.getLong(entry) + b.getLong(entry + LINE);
            for (int k = 1; k <= TOUCH_AHEAD; k++)
            {
                sum += b.getLong((entry + k * ENTRY) & mask);
            }
        }
        return sum;
    }

    /**
     * @param m the buffer.
     * @param c this thread's position in the index array (a random start per op).
     * @return the sum of the words loaded (consumed by JMH).
     */
    @Benchmark
    public long stream100(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        final int start = scanStart(m, c);
        final int end = start + SCAN_NODES * NODE_BYTES;
        long sum = 0;
        for (int at = start; at < end; at += LINE)
        {
            sum += b.getLong(at);
        }
        return sum;
    }

    /**
     * @param m the buffer.
     * @param c this thread's position in the index array (a random start per op).
     * @return the sum of the words loaded (consumed by JMH).
     */
    @Benchmark
    public long walk100(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        int at = scanStart(m, c);
        long sum = 0;
        for (int i = 0; i < SCAN_NODES; i++)
        {
            final long word = b.getLong(at);
            sum += word;
            // Each word is a line offset of the chase (below 2^31), so its top bit is 0, which the JIT cannot know:
            // the next address depends on this load, as a scan's next node depends on the link it reads.
            at += NODE_BYTES + (int)(word >>> 63);
        }
        return sum;
    }

    /**
     * {@link #walk100} with the distances the engine's nodes lie apart: a node's next pointers sit in front of it, one
     * per level of its random height, so consecutive nodes of a 16-byte key and a 100-byte value are 152, 160, 168 ...
     * bytes apart ({@link #strideTo}), not one constant distance. Not a floor of {@code scan100}, which it exceeds:
     * one load per node at irregular distances is followed neither by a prefetcher that detects strides nor by one
     * that follows lines, while a scan's step reads the header, key and value of every node, so every line, and the
     * line prefetcher follows it. Kept as the measurement behind that (jmh-results/HISTORY.md, "Constant node
     * strides"): a layout with one distance between nodes halves a bare walk over the table's links but not a scan.
     *
     * @param m the buffer.
     * @param c this thread's position in the index array (a random start per op).
     * @return the sum of the words loaded (consumed by JMH).
     */
    @Benchmark
    public long walkHeights100(final Memory m, final Cursor c)
    {
        final UnsafeBuffer b = m.buffer;
        final int[] strides = m.strides;
        int at = scanStart(m, c, SCAN_NODES * strideTo(MAX_HEIGHT));
        final int first = at & (STRIDES - 1);
        long sum = 0;
        for (int i = 0; i < SCAN_NODES; i++)
        {
            final long word = b.getLong(at);
            sum += word;
            at += strides[first + i] + (int)(word >>> 63); // the next address depends on this load, as in walk100
        }
        return sum;
    }

    private static int scanStart(final Memory m, final Cursor c)
    {
        return scanStart(m, c, SCAN_NODES * NODE_BYTES);
    }

    /** @return a random start from which {@code reach} bytes and a line stay inside the buffer. */
    private static int scanStart(final Memory m, final Cursor c, final int reach)
    {
        final int n = c.next;
        c.next = (n + 1) & (INDEPENDENT - 1);
        return Math.min(m.independent[n], m.buffer.capacity() - reach - LINE) & -8;
    }
}
