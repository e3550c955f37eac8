package io.regioncache.internal.memory;

import java.nio.ByteBuffer;

/**
 * Direct memory backed by transparent huge pages, where the JDK and the OS allow it.
 * <p>
 * On Linux a region gets huge pages at its first touch only if it was {@code madvise(MADV_HUGEPAGE)}-ed before
 * (in the common {@code madvise} mode of {@code /sys/kernel/mm/transparent_hugepage/enabled}), and
 * {@link ByteBuffer#allocateDirect(int)} touches (zeroes) its memory at once. Calling {@code mmap} and
 * {@code madvise} needs the foreign function API, final in JDK 22: this class is the JDK 17 version, which cannot,
 * and the multi-release jar carries a JDK 22 version under {@code META-INF/versions/22} that can. On JDK 17 the same
 * effect is had without code by starting the JVM with {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1} (glibc 2.35+),
 * which makes malloc, and so {@code allocateDirect}, advise its large chunks before zeroing them.
 */
final class HugePages
{
    /** Size of a transparent huge page on x86-64 and most arm64 kernels; smaller buffers are never advised. */
    static final int SIZE = 2 << 20;

    private HugePages()
    {
    }

    /**
     * @return null when huge pages can be had, else why not (for the log and {@link SegmentPool#hugePagesStatus}).
     */
    static String unavailableReason()
    {
        final int feature = Runtime.version().feature();
        if (feature >= 22)
        {
            // This class runs on a 22+ runtime only when the jar has no JDK 22 version of it: built on JDK 17.
            return "this jar was built before JDK 22, without its JDK 22 class (META-INF/versions/22): build it " +
                "on JDK 22+ (this runtime is JDK " + feature + ")";
        }
        return "needs JDK 22+ (this is JDK " + feature +
            "); on JDK 17 start the JVM with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 instead";
    }

    /**
     * @param size bytes, at least {@link #SIZE}.
     * @return a zeroed direct buffer of {@code size} bytes whose memory was advised for huge pages before its first
     * touch and is freed when the buffer is garbage, or null if that cannot be done here (the caller falls back to
     * {@link ByteBuffer#allocateDirect(int)}).
     */
    static ByteBuffer allocate(final int size)
    {
        return null;
    }
}
