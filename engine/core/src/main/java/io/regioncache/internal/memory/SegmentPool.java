package io.regioncache.internal.memory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MpmcArrayQueue;

/**
 * A capped pool of fixed-size direct-memory segments.
 * <p>
 * Every byte handed out is charged against a hard cap ({@link #capacity()}) with a CAS loop, so the cap is
 * never exceeded even when several threads acquire concurrently. Released segments of the pooled size are
 * kept on a bounded MPMC free list and zeroed before they are handed out again (not to
 * {@link #tryAcquireForOverwrite()}, whose caller writes every byte it reads). Released large buffers (hash-index
 * columns) are kept too, up to as many bytes as the segment free list may hold, and handed out again, zeroed, to a
 * request of exactly their size: a fresh {@code allocateDirect} of a 1M-key index's 256 MB entry column costs
 * 165-186 ms on the 2-core test host (its pages faulted in and zeroed twice, by the kernel and by the JDK), zeroing a
 * kept one about a fifth of that, and a region evicted and loaded again asks for the same sizes. Buffers that do not
 * fit are dropped and reclaimed by the GC.
 * <p>
 * Memory is only ever obtained with {@link ByteBuffer#allocateDirect(int)} (or, with huge pages on, an equally
 * GC-managed mapping, see {@link HugePages}), never with {@code Unsafe.allocateMemory}: a segment is returned to
 * the operating system only when the GC proves that nothing (not even a stale {@link UnsafeBuffer} view held by a
 * slow reader) references it, so a use-after-free can read stale bytes but can never crash the JVM.
 * <p>
 * Thread safety: {@link #tryAcquire()}, {@link #tryAcquireLarge(int)}, {@link #release(UnsafeBuffer)} and the
 * statistics may be called from any thread.
 */
public final class SegmentPool implements AutoCloseable
{
    /**
     * Smallest accepted segment size.
     */
    public static final int MIN_SEGMENT_SIZE = 64;

    /**
     * Default bound on the number of free segments kept for reuse.
     */
    public static final int DEFAULT_MAX_FREE_SEGMENTS = 1024;

    private final int segmentSize;
    private final MpmcArrayQueue<UnsafeBuffer> freeList;
    private final AtomicLong bytesInUse = new AtomicLong();
    /** The most {@link #bytesInUse} has held at once: raised (never lowered) by the charge that set a new high. */
    private final AtomicLong peakBytesInUse = new AtomicLong();
    private final AtomicLong segmentsInUse = new AtomicLong();
    private final boolean hugePages;
    private final AtomicLong hugePageBytes = new AtomicLong();
    private volatile long capacity;
    private volatile boolean closed;
    /** Released large buffers kept for reuse (guarded by itself: they come and go once per index generation). */
    private final ArrayList<UnsafeBuffer> freeLarge = new ArrayList<>();
    /** Bytes in {@link #freeLarge}; guarded by it. */
    private long freeLargeBytes;
    /** Bound on {@link #freeLargeBytes}: the bytes the segment free list may hold. */
    private final long maxFreeLargeBytes;

    /**
     * Create a pool keeping at most {@link #DEFAULT_MAX_FREE_SEGMENTS} free segments for reuse.
     *
     * @param segmentSize   size in bytes of every pooled segment; a power of two, at least {@link #MIN_SEGMENT_SIZE}.
     * @param capacityBytes hard cap on bytes in use (segments and large buffers); {@link Long#MAX_VALUE} = unlimited.
     */
    public SegmentPool(final int segmentSize, final long capacityBytes)
    {
        this(segmentSize, capacityBytes, DEFAULT_MAX_FREE_SEGMENTS);
    }

    /**
     * Create a pool.
     *
     * @param segmentSize     size in bytes of every pooled segment; a power of two, at least {@link #MIN_SEGMENT_SIZE}.
     * @param capacityBytes   hard cap on bytes in use (segments and large buffers); {@link Long#MAX_VALUE} = unlimited.
     * @param maxFreeSegments bound on the free list; released segments beyond it are dropped to the GC.
     */
    public SegmentPool(final int segmentSize, final long capacityBytes, final int maxFreeSegments)
    {
        this(segmentSize, capacityBytes, maxFreeSegments, false);
    }

    /**
     * Create a pool.
     *
     * @param segmentSize     size in bytes of every pooled segment; a power of two, at least {@link #MIN_SEGMENT_SIZE}.
     * @param capacityBytes   hard cap on bytes in use (segments and large buffers); {@link Long#MAX_VALUE} = unlimited.
     * @param maxFreeSegments bound on the free list; released segments beyond it are dropped to the GC.
     * @param hugePages       back every buffer of at least 2 MiB (the hash index; segments when they are that large)
     *                        with transparent huge pages where the JDK and the OS allow it ({@link #hugePagesStatus});
     *                        elsewhere, and for smaller buffers, {@code allocateDirect} as without.
     */
    public SegmentPool(final int segmentSize, final long capacityBytes, final int maxFreeSegments,
        final boolean hugePages)
    {
        if (segmentSize < MIN_SEGMENT_SIZE || Integer.bitCount(segmentSize) != 1)
        {
            throw new IllegalArgumentException(
                "segmentSize must be a power of two >= " + MIN_SEGMENT_SIZE + ", got " + segmentSize);
        }
        if (capacityBytes < 0)
        {
            throw new IllegalArgumentException("capacityBytes must be >= 0, got " + capacityBytes);
        }
        if (maxFreeSegments < 0)
        {
            throw new IllegalArgumentException("maxFreeSegments must be >= 0, got " + maxFreeSegments);
        }
        this.segmentSize = segmentSize;
        this.capacity = capacityBytes;
        this.hugePages = hugePages;
        // JCTools needs a capacity of at least 2; the queue rounds up to a power of two, so the real bound
        // is enforced by offer() failing, which is fine: "bounded" is what matters, not the exact number.
        this.freeList = new MpmcArrayQueue<>(Math.max(2, maxFreeSegments));
        this.maxFreeLargeBytes = (long)maxFreeSegments * segmentSize;
    }

    /**
     * Acquire one segment of exactly {@link #segmentSize()} bytes, all zero.
     *
     * @return the segment, or {@code null} if acquiring it would exceed the capacity.
     */
    public UnsafeBuffer tryAcquire()
    {
        return acquireSegment(true);
    }

    /**
     * Acquire one segment of exactly {@link #segmentSize()} bytes whose contents are undefined (a recycled segment is
     * not zeroed), for a caller that writes every byte it, or anyone after it, will read: a load's node images, whose
     * every next pointer the loader writes before it links the node ({@code NodeSegmentWriter}). Zeroing a recycled
     * segment is a pass of stores over all of it that the caller's own writes make again.
     *
     * @return the segment, or {@code null} if acquiring it would exceed the capacity.
     */
    public UnsafeBuffer tryAcquireForOverwrite()
    {
        return acquireSegment(false);
    }

    private UnsafeBuffer acquireSegment(final boolean zeroed)
    {
        if (!tryCharge(segmentSize))
        {
            return null;
        }
        segmentsInUse.incrementAndGet();

        final UnsafeBuffer recycled = closed ? null : freeList.relaxedPoll();
        if (null != recycled)
        {
            if (zeroed)
            {
                // Zero it: a stale next-pointer left by the previous owner must never be followed by a new one.
                recycled.setMemory(0, segmentSize, (byte)0);
            }
            return recycled;
        }
        return allocateOrRefund(segmentSize, true);
    }

    /**
     * Acquire a dedicated, unpooled, zeroed buffer of arbitrary size (values larger than a segment, hash-index
     * arrays). It is charged to the same capacity and released with {@link #release(UnsafeBuffer)}.
     *
     * @param size in bytes, {@code > 0}.
     * @return the buffer, or {@code null} if acquiring it would exceed the capacity.
     */
    public UnsafeBuffer tryAcquireLarge(final int size)
    {
        if (size <= 0)
        {
            throw new IllegalArgumentException("size must be > 0, got " + size);
        }
        if (!tryCharge(size))
        {
            return null;
        }
        if (size == segmentSize)
        {
            // release() cannot tell it apart from a pooled segment, so it is counted (and recycled) as one.
            segmentsInUse.incrementAndGet();
        }
        else
        {
            final UnsafeBuffer kept = takeFreeLarge(size);
            if (null != kept)
            {
                // Zero it, as a recycled segment: an empty slot or entry is all zeros.
                kept.setMemory(0, size, (byte)0);
                return kept;
            }
        }
        return allocateOrRefund(size, size == segmentSize);
    }

    /**
     * Give a buffer obtained from this pool back. Must be called exactly once per acquired buffer; the caller
     * must not use it afterwards (a stale use is memory-safe but reads undefined contents).
     *
     * @param buffer obtained from {@link #tryAcquire()} or {@link #tryAcquireLarge(int)}.
     */
    public void release(final UnsafeBuffer buffer)
    {
        final int size = buffer.capacity();
        if (null == buffer.byteBuffer() || !buffer.byteBuffer().isDirect())
        {
            throw new IllegalArgumentException("buffer was not acquired from a SegmentPool");
        }
        bytesInUse.addAndGet(-size);
        if (size == segmentSize)
        {
            segmentsInUse.decrementAndGet();
            if (!closed)
            {
                freeList.relaxedOffer(buffer); // a full free list drops the segment to the GC
            }
        }
        else if (!closed)
        {
            offerFreeLarge(buffer); // beyond the bound it is dropped to the GC
        }
    }

    /**
     * @return bytes of released large buffers currently kept for reuse.
     */
    public long freeLargeBytes()
    {
        synchronized (freeLarge)
        {
            return freeLargeBytes;
        }
    }

    private UnsafeBuffer takeFreeLarge(final int size)
    {
        synchronized (freeLarge)
        {
            for (int i = freeLarge.size() - 1; i >= 0; i--)
            {
                if (freeLarge.get(i).capacity() == size)
                {
                    freeLargeBytes -= size;
                    return freeLarge.remove(i);
                }
            }
            return null;
        }
    }

    private void offerFreeLarge(final UnsafeBuffer buffer)
    {
        synchronized (freeLarge)
        {
            if (!closed && freeLargeBytes + buffer.capacity() <= maxFreeLargeBytes)
            {
                freeLarge.add(buffer);
                freeLargeBytes += buffer.capacity();
            }
        }
    }

    /**
     * @return bytes currently charged (segments and large buffers handed out and not yet released).
     */
    public long bytesInUse()
    {
        return bytesInUse.get();
    }

    /**
     * The high-water mark of {@link #bytesInUse()} since the pool was made: exact, as every charge that sets a new
     * high raises it (a sampler polling {@link #bytesInUse()} misses a load's copy or an index generation that comes
     * and goes between two looks). Never above the capacity in force at the charge. A charge the JVM then refuses
     * (its direct memory limit reached before the cap, refunded at once) still counts: for that moment the bytes
     * were taken from the budget. Any thread.
     *
     * @return the most bytes charged at once.
     */
    public long peakBytesInUse()
    {
        // A charger raises the peak just after its CAS on bytesInUse: between the two, bytesInUse is the higher.
        final long peak = peakBytesInUse.get();
        return Math.max(peak, bytesInUse.get());
    }

    /**
     * @return number of segment-sized buffers handed out and not yet released.
     */
    public long segmentsInUse()
    {
        return segmentsInUse.get();
    }

    /**
     * @return bytes handed out so far (a running total, releases not subtracted) in buffers advised for huge pages
     * before their first touch; 0 when huge pages are off or unavailable.
     */
    public long hugePageBytes()
    {
        return hugePageBytes.get();
    }

    /**
     * @return null if this JVM and OS can advise memory for transparent huge pages, else why not (JDK 17, not
     * Linux, THP disabled, native access denied).
     */
    public static String hugePagesStatus()
    {
        return HugePages.unavailableReason();
    }

    /**
     * @return the current cap on {@link #bytesInUse()}.
     */
    public long capacity()
    {
        return capacity;
    }

    /**
     * Change the cap at runtime. Lowering it below {@link #bytesInUse()} reclaims nothing; it only makes new
     * acquisitions fail until enough has been released.
     *
     * @param capacityBytes new cap, {@code >= 0}; {@link Long#MAX_VALUE} = unlimited.
     */
    public void setCapacity(final long capacityBytes)
    {
        if (capacityBytes < 0)
        {
            throw new IllegalArgumentException("capacityBytes must be >= 0, got " + capacityBytes);
        }
        capacity = capacityBytes;
    }

    /**
     * @return the size in bytes of every pooled segment.
     */
    public int segmentSize()
    {
        return segmentSize;
    }

    /**
     * @return number of released segments currently kept for reuse.
     */
    public int freeSegments()
    {
        return freeList.size();
    }

    /**
     * Drop the free list. Buffers still in use stay valid; when released later they are dropped, not pooled.
     */
    public void close()
    {
        closed = true;
        freeList.clear();
        synchronized (freeLarge)
        {
            freeLarge.clear();
            freeLargeBytes = 0;
        }
    }

    private boolean tryCharge(final long size)
    {
        // CAS loop rather than addAndGet + undo: an over-charge, even transient, could make a concurrent
        // acquirer fail spuriously and would let bytesInUse() report more than the cap.
        while (true)
        {
            final long used = bytesInUse.get();
            final long next = used + size;
            if (next > capacity || next < 0)
            {
                return false;
            }
            if (bytesInUse.compareAndSet(used, next))
            {
                raisePeak(next);
                return true;
            }
        }
    }

    /**
     * Any thread, after its charge took {@link #bytesInUse} to {@code charged}: raise the peak to it unless it is
     * already as high. A failed CAS re-reads: another charger raised it meanwhile, maybe above {@code charged}. Two
     * chargers racing each raise it to their own total, so the peak ends at the higher one; a charge's total is a
     * value {@code bytesInUse} really held, so the peak is never above what was in use at some moment.
     */
    private void raisePeak(final long charged)
    {
        long peak = peakBytesInUse.get();
        while (charged > peak)
        {
            if (peakBytesInUse.compareAndSet(peak, charged))
            {
                return;
            }
            peak = peakBytesInUse.get();
        }
    }

    private UnsafeBuffer allocateOrRefund(final int size, final boolean countedAsSegment)
    {
        try
        {
            if (hugePages && size >= HugePages.SIZE)
            {
                // Zeroed (fresh anonymous memory) and 2 MiB aligned; null where huge pages cannot be had.
                final ByteBuffer huge = HugePages.allocate(size);
                if (null != huge)
                {
                    hugePageBytes.addAndGet(size);
                    return new UnsafeBuffer(huge);
                }
            }
            // allocateDirect memory is zeroed by the JDK and 8-byte aligned (malloc alignment), which the
            // atomic 8-byte accesses of the table rely on.
            return new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        }
        catch (final OutOfMemoryError ex)
        {
            // -XX:MaxDirectMemorySize reached before our own cap: behave like "cap reached", keep accounting exact.
            bytesInUse.addAndGet(-size);
            if (countedAsSegment)
            {
                segmentsInUse.decrementAndGet();
            }
            return null;
        }
    }
}
