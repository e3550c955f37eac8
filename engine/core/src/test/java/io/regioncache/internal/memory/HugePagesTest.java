package io.regioncache.internal.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.RegionCacheConfig;
import io.regioncache.internal.table.MvccTable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Huge-page buffers of {@link SegmentPool}. Run twice by a JDK 22+ build: by the ordinary test execution, which
 * sees the JDK 17 {@link HugePages} (it declines: the pool must fall back to {@code allocateDirect} and behave
 * exactly as without), and by the {@code test-java22} execution with the {@code META-INF/versions/22} class first on
 * the class path and {@code regioncache.test.jdk22Classes=true}, which must advise the memory and get huge pages
 * (wherever the kernel offers THP, in {@code madvise} or {@code always} mode; where it is off, the native
 * expectations are skipped and the buffers must still read back). A JDK 17 build runs the first only.
 */
class HugePagesTest
{
    private static final boolean NATIVE = Boolean.getBoolean("regioncache.test.jdk22Classes");
    private static final int SIZE = 3 * HugePages.SIZE + 4096; // not a multiple of the huge page: a partial tail

    /** The JDK 22 class is expected to work wherever the kernel offers THP at all (not in {@code never} mode). */
    private static boolean kernelOffersThp() throws IOException
    {
        final Path enabled = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        return Files.exists(enabled) && !Files.readString(enabled).contains("[never]");
    }

    @Test
    void statusMatchesTheClassInUse() throws IOException
    {
        if (NATIVE)
        {
            assumeTrue(kernelOffersThp(), "transparent huge pages are off in this kernel");
            assertNull(SegmentPool.hugePagesStatus(), "the JDK 22 allocator should be usable on this host");
        }
        else
        {
            final String why = SegmentPool.hugePagesStatus();
            assertNotNull(why);
            // The JDK 17 class on a 22+ runtime means a jar built before JDK 22: say that, not "needs JDK 22+".
            assertTrue(why.contains(Runtime.version().feature() >= 22 ? "META-INF/versions/22" : "needs JDK 22+"),
                why);
        }
    }

    @Test
    void largeBuffersReadBackAndAreAdvisedOnlyWhereSupported() throws IOException
    {
        final long fallbacksBefore = thpFaultFallbacks();
        try (SegmentPool pool = new SegmentPool(1 << 20, 64L << 20, 16, true))
        {
            final UnsafeBuffer buffer = pool.tryAcquireLarge(SIZE);
            assertNotNull(buffer);
            assertEquals(SIZE, buffer.capacity());
            assertEquals(SIZE, pool.bytesInUse());
            for (int i = 0; i < SIZE; i += 4096)
            {
                assertEquals(0L, buffer.getLong(i), "fresh memory must be zero at " + i);
            }
            assertEquals(0L, buffer.getLong(SIZE - 8));
            final long seed = Long.getLong("regioncache.seed", System.nanoTime()); // random unless given
            final SplittableRandom random = new SplittableRandom(seed);
            final long[] written = new long[SIZE / 8];
            for (int i = 0; i < written.length; i++)
            {
                written[i] = random.nextLong();
                buffer.putLong(i * 8, written[i]);
            }
            final long[] read = new long[written.length];
            for (int i = 0; i < read.length; i++)
            {
                read[i] = buffer.getLong(i * 8);
            }
            assertArrayEquals(written, read, "seed " + seed + " (rerun with -Dregioncache.seed=" + seed + ")");
            if (NATIVE && kernelOffersThp())
            {
                assertEquals(SIZE, pool.hugePageBytes());
                assertEquals(0, buffer.addressOffset() & (HugePages.SIZE - 1), "a huge page needs 2 MiB alignment");
                // The three whole 2 MiB ranges were touched after the advice: the kernel backed them with huge pages,
                // unless it had no free huge page at the fault (fragmented or busy memory: it then falls back to
                // small pages and counts thp_fault_fallback), which says nothing about the allocator.
                final long kb = anonHugePagesKb(buffer.addressOffset());
                if (kb < 3 * 2048)
                {
                    final long fallbacks = thpFaultFallbacks();
                    assumeTrue(fallbacks == fallbacksBefore, "the kernel fell back to small pages " +
                        "(thp_fault_fallback " + fallbacksBefore + " -> " + fallbacks + "), AnonHugePages " + kb + " kB");
                }
                assertTrue(kb >= 3 * 2048, "AnonHugePages of the mapping in /proc/self/smaps: " + kb + " kB");
            }
            else if (!NATIVE)
            {
                assertEquals(0, pool.hugePageBytes());
            }
            pool.release(buffer);
            assertEquals(0, pool.bytesInUse());
        }
    }

    @Test
    void smallBuffersAndSegmentsAreNeverAdvised()
    {
        try (SegmentPool pool = new SegmentPool(1 << 20, 64L << 20, 16, true))
        {
            final UnsafeBuffer segment = pool.tryAcquire();
            final UnsafeBuffer small = pool.tryAcquireLarge(HugePages.SIZE - 1);
            assertNotNull(segment);
            assertNotNull(small);
            small.putLong(HugePages.SIZE - 9, 42);
            assertEquals(42, small.getLong(HugePages.SIZE - 9));
            assertEquals(0, pool.hugePageBytes());
            assertNull(HugePages.allocate(HugePages.SIZE - 1));
        }
    }

    @Test
    void configFlagDefaultsOff()
    {
        assertEquals(false, RegionCacheConfig.builder().build().hugePages());
        assertEquals(true, RegionCacheConfig.builder().hugePages(true).build().hugePages());
    }

    @Test
    void offWithoutTheFlag()
    {
        try (SegmentPool pool = new SegmentPool(1 << 20, 64L << 20))
        {
            assertNotNull(pool.tryAcquireLarge(SIZE));
            assertEquals(0, pool.hugePageBytes());
        }
    }

    /** A table whose index grows past 2 MiB on huge pages: every key reads back through gets, entries and nodes. */
    @Test
    void tableOnHugePagesReadsBack() throws IOException
    {
        try (SegmentPool pool = new SegmentPool(1 << 20, 1L << 30, 64, true))
        {
            final MvccTable table = new MvccTable(pool, 16, true);
            final int keys = 40_000; // index of 2^17 slots: 1 MiB of slots, 16 MiB of entries
            final byte[] key = new byte[16];
            final byte[] value = new byte[100];
            for (int i = 0; i < keys; i++)
            {
                fill(key, value, i);
                assertEquals(MvccTable.OK, table.put(key, i + 1, value));
            }
            final UnsafeBuffer k = new UnsafeBuffer(key);
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[128]);
            final byte[] got = new byte[100];
            for (int i = 0; i < keys; i++)
            {
                fill(key, value, i);
                assertEquals(100, table.get(k, 0, 16, Long.MAX_VALUE - 1, dst, 0), "key " + i);
                dst.getBytes(0, got);
                assertArrayEquals(value, got, "key " + i);
            }
            if (NATIVE && kernelOffersThp())
            {
                assertTrue(pool.hugePageBytes() >= 16L << 20, "the entries at least: " + pool.hugePageBytes());
            }
            else if (!NATIVE)
            {
                assertEquals(0, pool.hugePageBytes());
            }
            table.free();
        }
    }

    private static void fill(final byte[] key, final byte[] value, final int i)
    {
        for (int b = 0; b < key.length; b++)
        {
            key[b] = (byte)(i >>> (8 * (b & 3)) ^ b);
        }
        for (int b = 0; b < value.length; b++)
        {
            value[b] = (byte)(i * 31 + b);
        }
    }

    /** @return the kernel's count of huge-page faults that fell back to small pages (/proc/vmstat), or -1. */
    private static long thpFaultFallbacks() throws IOException
    {
        final Path vmstat = Path.of("/proc/vmstat");
        if (!Files.isReadable(vmstat))
        {
            return -1;
        }
        for (final String line : Files.readAllLines(vmstat))
        {
            if (line.startsWith("thp_fault_fallback "))
            {
                return Long.parseLong(line.substring("thp_fault_fallback ".length()).trim());
            }
        }
        return -1;
    }

    /** The AnonHugePages of the mapping of /proc/self/smaps that contains {@code address}, in kB. */
    private static long anonHugePagesKb(final long address) throws IOException
    {
        final List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (final String line : lines)
        {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+"))
            {
                final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                final long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = Long.compareUnsigned(start, address) <= 0 && Long.compareUnsigned(address, end) < 0;
            }
            else if (inside && line.startsWith("AnonHugePages:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
