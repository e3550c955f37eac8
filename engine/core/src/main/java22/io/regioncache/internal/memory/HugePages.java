package io.regioncache.internal.memory;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Direct memory backed by transparent huge pages: the JDK 22+ version (in {@code META-INF/versions/22} of the
 * multi-release jar; the JDK 17 version beside the other classes cannot call {@code madvise} and always declines).
 * <p>
 * A buffer is an anonymous private {@code mmap} trimmed to start on a huge-page boundary (a huge page can only back
 * an aligned 2 MiB range), advised with {@code madvise(MADV_HUGEPAGE)} before anything touches it, so the kernel
 * backs each 2 MiB at its first write with one huge page (in {@code madvise} mode; in {@code always} mode it would
 * anyway). Fresh anonymous memory is zero, so nothing is written here: the first touch is the table's.
 * <p>
 * Lifetime is as with {@link ByteBuffer#allocateDirect}: the mapping belongs to an automatic arena that unmaps it
 * once the GC finds it unreachable, and the buffer (and every Agrona view of it) keeps its segment, hence the arena,
 * reachable. A stale view therefore never reads unmapped memory.
 * <p>
 * Calling the C library is a restricted operation: the JVM warns once unless started with
 * {@code --enable-native-access=io.regioncache.core} (or {@code ALL-UNNAMED} on the class path). Where it is denied,
 * or the OS or architecture is not one whose constants are below, {@link #allocate} declines and the pool falls back
 * to {@code allocateDirect}.
 */
@SuppressWarnings("restricted") // Linker.downcallHandle and MemorySegment.reinterpret: the point of this class.
final class HugePages
{
    /** Size of a transparent huge page on x86-64 and most arm64 kernels; smaller buffers are never advised. */
    static final int SIZE = 2 << 20;

    // Linux constants, the same on x86-64 and arm64 (asm-generic).
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;
    private static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private static final String REASON;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static
    {
        String reason = null;
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        final String arch = System.getProperty("os.arch");
        if (!"Linux".equals(System.getProperty("os.name")) ||
            !("amd64".equals(arch) || "x86_64".equals(arch) || "aarch64".equals(arch)))
        {
            reason = "transparent huge pages are only used on Linux x86-64 and arm64";
        }
        else
        {
            try
            {
                final String mode = Files.readString(THP_ENABLED);
                if (mode.contains("[never]"))
                {
                    reason = "transparent huge pages are disabled (" + THP_ENABLED + ": " + mode.trim() + ")";
                }
                else
                {
                    final Linker linker = Linker.nativeLinker();
                    final SymbolLookup libc = linker.defaultLookup();
                    mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                    munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                    madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                // No THP in this kernel (no sysfs file), native access denied, or a libc without the symbols.
                reason = "transparent huge pages unavailable: " + ex;
                mmap = null;
            }
        }
        REASON = reason;
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private HugePages()
    {
    }

    /**
     * @return null when huge pages can be had, else why not (for the log and {@link SegmentPool#hugePagesStatus}).
     */
    static String unavailableReason()
    {
        return REASON;
    }

    /**
     * @param size bytes, at least {@link #SIZE}.
     * @return a zeroed direct buffer of {@code size} bytes whose memory was advised for huge pages before its first
     * touch and is unmapped when the buffer is garbage, or null if that cannot be done here (the caller falls back
     * to {@link ByteBuffer#allocateDirect(int)}).
     */
    static ByteBuffer allocate(final int size)
    {
        if (null != REASON || size < SIZE)
        {
            return null;
        }
        final long length = roundUp(size);
        final long reserved = length + SIZE;
        try
        {
            final long base = ((MemorySegment)MMAP.invokeExact(
                MemorySegment.NULL, reserved, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L)).address();
            if (MAP_FAILED == base)
            {
                return null;
            }
            // Keep exactly [aligned, aligned + length): the kernel places mappings on 4 KiB boundaries only.
            final long aligned = roundUp(base);
            unmap(base, aligned - base);
            unmap(aligned + length, base + reserved - aligned - length);
            if (0 != (int)MADVISE.invokeExact(MemorySegment.ofAddress(aligned), length, MADV_HUGEPAGE))
            {
                unmap(aligned, length);
                return null;
            }
            // The cleanup captures two longs, not the segment: capturing it would keep the arena alive forever.
            return MemorySegment.ofAddress(aligned)
                .reinterpret(size, Arena.ofAuto(), ignored -> unmap(aligned, length))
                .asByteBuffer();
        }
        catch (final Throwable ex)
        {
            return null; // a downcall cannot throw a checked exception; an Error here means "no huge pages", no more
        }
    }

    private static void unmap(final long address, final long length)
    {
        if (length <= 0)
        {
            return;
        }
        try
        {
            final int ignored = (int)MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        }
        catch (final Throwable ex)
        {
            // munmap of a range this class mapped fails only on a bug; leaking the range is the safe outcome.
        }
    }

    private static long roundUp(final long value)
    {
        return (value + SIZE - 1) & -(long)SIZE;
    }
}
