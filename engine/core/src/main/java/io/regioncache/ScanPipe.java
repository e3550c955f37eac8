package io.regioncache;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpmcArrayQueue;
import org.jctools.queues.SpscArrayQueue;
import org.jctools.queues.SpscUnboundedArrayQueue;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.table.MvccTable;
import io.regioncache.internal.table.NodeSegmentWriter;

/**
 * A two-thread load: one thread scans the backing-store snapshot while the loader thread links what it scanned into
 * the private table, so a load costs about the longer of the two instead of their sum.
 * <p>
 * The scan thread writes each entry once, as a finished node image in a pool segment ({@link NodeSegmentWriter});
 * the loader takes the segment into the table as it is ({@link MvccTable#adoptNodeSegment}) and only links its nodes.
 * Before, the scan thread copied entries into heap chunks and the loader copied them again into nodes: that second
 * copy was 31% of the loader's time in a JFR profile of a 1M-key load, and the loader was the longer side.
 * An entry whose node is larger than a segment still travels in a heap chunk, alone, and is inserted with
 * {@link MvccTable#put}:
 * <pre>
 *  0          4                8               16
 *  +----------+----------------+---------------+-----------+-------------+
 *  | key len  | value len      | version       | key bytes | value bytes |  ... next entry
 *  |  (int)   | (int, -1 = del)| (long)        |           |             |
 *  +----------+----------------+---------------+-----------+-------------+
 *  (offset 0 of the chunk holds the chunk's used length)
 * </pre>
 * Segments and chunks travel, in scan order, through one single-producer single-consumer queue (JCTools
 * {@link SpscArrayQueue}: its release/acquire hand-off makes their bytes visible to the consumer); a chunk is on the
 * heap, a segment is not, which is how the consumer tells them apart. Chunks come back through another queue. The
 * end of the scan, successful or not, is one {@link #END} chunk, so the consumer always knows when to stop; a segment
 * the loader does not adopt (the load stopped) goes back to the pool, so none is lost to the memory count.
 * <p>
 * A load split in two halves ({@link BackingSnapshot#splitKey}) has one pipe per half, each with its own scan thread;
 * the loader consumes the first pipe to its end, then the second. The second pipe's queue is unbounded: its scan must
 * not wait for a loader that is still on the first half (that would serialise the halves again). Its memory is bounded
 * all the same: every segment it queues is charged to the pool when taken, and its scan stops at the load's copy
 * ceiling ({@link Producer#overCeiling}) as the first one does.
 */
final class ScanPipe
{
    static final int CHUNK_SIZE = 1 << 20;
    private static final int MAX_CHUNKS = 4;
    /**
     * Nodes the waiting loader walks into the hash index between two polls of the queue: ~0.2 ms of inserts, against
     * ~5 ms for the scan to fill a chunk, so a chunk that arrives waits little.
     */
    private static final int INDEX_STEP_NODES = 512;
    private static final int ENTRY_HEADER = 16;
    private static final UnsafeBuffer END = new UnsafeBuffer(new byte[8]);

    private final MessagePassingQueue<UnsafeBuffer> full;
    private final SpscArrayQueue<UnsafeBuffer> free = new SpscArrayQueue<>(MAX_CHUNKS * 2);
    private final MpmcArrayQueue<UnsafeBuffer> spareChunks;
    private volatile boolean stop;
    private volatile String scanFailure;
    /**
     * Set by the scan thread when memory stopped it: the copy ceiling, or the pool refusing a segment (read after END,
     * like {@link #scanFailure}).
     */
    private volatile boolean scanOutOfMemory;
    /** Loader thread only: the chunk or segment {@link #consume} is working on (for its clean-up if it throws). */
    private UnsafeBuffer processing;
    /**
     * {@link #NOT_STARTED}, then {@link #RUNNING} (the scan task took it) or {@link #CANCELLED} (the loader gave up on
     * a task that never ran: an executor shut down with the task still queued drops it, and its END never comes).
     * One CAS from NOT_STARTED decides which side owns the end of the pipe.
     */
    private final AtomicInteger producerState = new AtomicInteger(NOT_STARTED);
    private static final int NOT_STARTED = 0;
    private static final int RUNNING = 1;
    private static final int CANCELLED = 2;

    /**
     * @param spareChunks chunks kept between loads (loads are frequent and often small: allocating fresh 1 MiB
     *                    chunks for each would turn into garbage-collector work); chunks go back there at the end.
     */
    ScanPipe(final MpmcArrayQueue<UnsafeBuffer> spareChunks)
    {
        this(spareChunks, false);
    }

    /**
     * @param spareChunks as above.
     * @param unbounded   true for the second half of a split load: its queue never makes its scan wait (see above).
     */
    ScanPipe(final MpmcArrayQueue<UnsafeBuffer> spareChunks, final boolean unbounded)
    {
        this.spareChunks = spareChunks;
        this.full = unbounded ? new SpscUnboundedArrayQueue<>(64) : new SpscArrayQueue<>(MAX_CHUNKS * 2);
    }

    /** @return a bounded pool of chunks for an engine's loads to share. */
    static MpmcArrayQueue<UnsafeBuffer> newSparePool()
    {
        return new MpmcArrayQueue<>(MAX_CHUNKS * 2);
    }

    /**
     * The producer side, on the scan thread: visit the snapshot, fill chunks, end with {@link #END}.
     *
     * @param snapshot         the backing-store snapshot.
     * @param start            where to resume: the key the inline part of the load stopped at.
     * @param end              range end.
     * @param skipVersionsFrom versions of {@code start} at or above this were already inserted (Long.MIN_VALUE:
     *                         none).
     * @param nodes            writes the entries as node images (made by the loader for this scan, then its own).
     * @param budget           the scan stops at its copy ceiling before it takes another segment.
     * @return a task for the scan executor.
     */
    Runnable producer(
        final BackingSnapshot snapshot, final byte[] start, final byte[] end, final long skipVersionsFrom,
        final NodeSegmentWriter nodes, final MemoryBudget budget)
    {
        return () ->
        {
            if (!producerState.compareAndSet(NOT_STARTED, RUNNING))
            {
                nodes.discard(); // the loader gave up on this task before it ran: nothing was sent, nothing is owed
                return;
            }
            final Producer p = new Producer(start, skipVersionsFrom, nodes, budget);
            try
            {
                snapshot.scan(start, end, p);
                p.flush();
            }
            catch (final RuntimeException ex)
            {
                scanFailure = "store error: " + ex;
                nodes.discard(); // not handed over: back to the pool
            }
            finally
            {
                offer(END);
            }
        };
    }

    /** Consumer: ask the producer to stop early (memory refused, every target evicted). */
    void stop()
    {
        stop = true;
    }

    /**
     * Loader thread, for a pipe it will not consume (the other half of a split load failed or threw): stop the scan
     * and give back everything it sends, up to its end; or, if the scan task has not started, make sure it never does.
     *
     * @param table the private table whose node writer the scan was given (its segments go back to the pool).
     */
    void abandon(final MvccTable table)
    {
        stop();
        if (producerState.compareAndSet(NOT_STARTED, CANCELLED))
        {
            return;
        }
        drainUntilEnd(table);
    }

    /** @return why the scan failed, or null; valid after {@link #consume} returned. */
    String scanFailure()
    {
        return scanFailure;
    }

    /** @return true if the scan stopped for memory (see {@link #scanOutOfMemory}); valid after {@link #consume}. */
    boolean scanOutOfMemory()
    {
        return scanOutOfMemory;
    }

    /**
     * The consumer side, on the loader thread: insert every entry into {@code table} until the producer ends.
     * <p>
     * If the loader itself throws (a bug: a malformed node image, a table in the wrong mode), the scan thread must
     * not be left behind: with nobody polling, it would fill the queue and wait on it for good, holding its
     * segments, the snapshot's iterator and the scan executor, so every later load would wait behind it. So the
     * exception is re-thrown only after the producer has been told to stop and its queue drained to {@link #END},
     * with every segment not taken into the table given back to the pool.
     *
     * @param job   the load (for abandon and progress).
     * @param table the private table (this thread is its only writer).
     * @return null, or why the consumer stopped ("memory ..." / "abandoned ...").
     */
    String consume(final LoadJob job, final MvccTable table)
    {
        try
        {
            return consumeUntilEnd(job, table);
        }
        catch (final RuntimeException | Error ex)
        {
            stop();
            final UnsafeBuffer dropped = processing;
            if (null != dropped && null == dropped.byteArray() && !table.holdsAdoptedSegment(dropped))
            {
                table.discardNodeSegment(dropped); // it threw before the table took the segment
            }
            else if (null != dropped && null != dropped.byteArray() && dropped.capacity() == CHUNK_SIZE)
            {
                free.offer(dropped); // the chunk it threw on: a producer waiting for a chunk must get one back
            }
            drainUntilEnd(table);
            throw ex;
        }
        finally
        {
            processing = null;
        }
    }

    /** Loader, after it threw: let the producer finish, giving back whatever it still sends. */
    private void drainUntilEnd(final MvccTable table)
    {
        int idle = 0;
        while (true)
        {
            final UnsafeBuffer chunk = full.poll();
            if (null == chunk)
            {
                idle = idleStep(idle);
                continue;
            }
            idle = 0;
            if (chunk == END)
            {
                keepSpareChunks();
                return;
            }
            if (null == chunk.byteArray())
            {
                table.discardNodeSegment(chunk);
            }
            else if (chunk.capacity() == CHUNK_SIZE)
            {
                free.offer(chunk); // a producer waiting for a chunk gets one, sees the stop flag and ends
            }
        }
    }

    private void keepSpareChunks()
    {
        UnsafeBuffer spare;
        while ((spare = free.poll()) != null)
        {
            spareChunks.offer(spare); // the producer is done with them: keep them for the next load
        }
    }

    private String consumeUntilEnd(final LoadJob job, final MvccTable table)
    {
        final UnsafeBuffer key = new UnsafeBuffer(0, 0);
        final UnsafeBuffer value = new UnsafeBuffer(0, 0);
        String failure = null;
        int idle = 0;
        while (true)
        {
            final UnsafeBuffer chunk = full.poll();
            if (chunk == null)
            {
                if (Thread.currentThread().isInterrupted() && failure == null)
                {
                    // The engine is closing (its executors were shut down): stop the producer, keep draining.
                    failure = "interrupted: the engine is closing";
                    stop();
                    if (producerState.compareAndSet(NOT_STARTED, CANCELLED))
                    {
                        return failure; // a shut-down executor dropped the scan task: no END will come
                    }
                }
                // Waiting on the scan: fill the region's hash index with what was copied so far, if the load sized
                // one ahead (LoadJob.startIndexDuringCopy), in small steps so that the scan never waits for a chunk.
                if (failure == null && job.indexWhileWaiting(INDEX_STEP_NODES))
                {
                    idle = 0;
                    continue;
                }
                idle = idleStep(idle);
                continue;
            }
            idle = 0;
            if (chunk == END)
            {
                keepSpareChunks();
                return failure;
            }
            processing = chunk;
            if (failure == null && job.abandon)
            {
                failure = "abandoned: every target was evicted";
                stop();
            }
            if (failure == null && job.memoryFull())
            {
                failure = job.failure; // once per chunk: the load stops at the copy ceiling, not at the cap
                stop();
            }
            final boolean nodeSegment = null == chunk.byteArray();
            if (failure == null)
            {
                failure = nodeSegment ? adopt(job, table, chunk) : insertChunk(job, table, chunk, key, value);
                if (failure != null)
                {
                    stop();
                }
            }
            else if (nodeSegment)
            {
                table.discardNodeSegment(chunk); // the load stopped: not adopted, back to the pool
            }
            if (!nodeSegment && chunk.capacity() == CHUNK_SIZE)
            {
                free.offer(chunk);
            }
            processing = null; // handled: adopted, discarded or recycled; the clean-up must not touch it again
        }
    }

    /** Loader: link a segment of node images into the table (see {@link MvccTable#adoptNodeSegment}). */
    private static String adopt(final LoadJob job, final MvccTable table, final UnsafeBuffer segment)
    {
        final long linked = table.adoptNodeSegment(segment);
        if (linked < 0)
        {
            table.discardNodeSegment(segment);
            job.outOfMemory = true;
            return "memory capacity reached after " + job.keysLoaded +
                " entries (the table could take no more segments)";
        }
        if (table.adoptedMaxVersion() > job.maxVersion)
        {
            job.maxVersion = table.adoptedMaxVersion();
        }
        job.keysLoaded = job.keysLoaded + linked;
        job.bytesLoaded = job.bytesLoaded + table.adoptedBytes();
        return null;
    }

    private static String insertChunk(
        final LoadJob job, final MvccTable table, final UnsafeBuffer chunk, final UnsafeBuffer key,
        final UnsafeBuffer value)
    {
        final int limit = chunk.getInt(0);
        int at = 4;
        long keys = 0;
        long bytes = 0;
        while (at < limit)
        {
            final int keyLength = chunk.getInt(at);
            final int valueLength = chunk.getInt(at + 4);
            final long version = chunk.getLong(at + 8);
            at += ENTRY_HEADER;
            key.wrap(chunk, at, keyLength);
            at += keyLength;
            final int rc;
            if (valueLength < 0)
            {
                rc = table.delete(key, 0, keyLength, version);
            }
            else
            {
                value.wrap(chunk, at, valueLength);
                at += valueLength;
                rc = table.put(key, 0, keyLength, version, value, 0, valueLength);
            }
            if (rc == MvccTable.NO_MEMORY)
            {
                job.outOfMemory = true;
                return "memory capacity reached after " + (job.keysLoaded + keys) + " entries";
            }
            if (version > job.maxVersion)
            {
                job.maxVersion = version;
            }
            keys++;
            bytes += keyLength + Math.max(0, valueLength);
        }
        job.keysLoaded = job.keysLoaded + keys;
        job.bytesLoaded = job.bytesLoaded + bytes;
        return null;
    }

    private void offer(final UnsafeBuffer chunk)
    {
        int idle = 0;
        while (!full.offer(chunk))
        {
            idle = idleStep(idle);
        }
    }

    private static int idleStep(final int idle)
    {
        // Spin briefly (the other side is usually mid-chunk), then yield, then park: on two cores a spinning
        // waiter would steal the CPU the other side needs.
        if (idle < 100)
        {
            Thread.onSpinWait();
        }
        else if (idle < 200)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(50_000);
        }
        return idle + 1;
    }

    private final class Producer implements BackingSnapshot.EntryVisitor
    {
        private final byte[] resumeKey;
        private final long skipVersionsFrom;
        private final NodeSegmentWriter nodes;
        private final MemoryBudget budget;
        private boolean pastResumeKey;
        private long entries;
        private int allocated;

        Producer(
            final byte[] resumeKey, final long skipVersionsFrom, final NodeSegmentWriter nodes,
            final MemoryBudget budget)
        {
            this.budget = budget;
            this.resumeKey = resumeKey;
            this.skipVersionsFrom = skipVersionsFrom;
            this.pastResumeKey = skipVersionsFrom == Long.MIN_VALUE;
            this.nodes = nodes;
        }

        @Override
        public boolean onEntry(
            final DirectBuffer k, final int keyOffset, final int keyLength, final long version,
            final DirectBuffer v, final int valueOffset, final int valueLength)
        {
            if (stop)
            {
                return false;
            }
            if (!pastResumeKey)
            {
                // Entries come in (key asc, version desc): the versions of the resume key at or above the last one
                // inserted inline are already in the table; everything after them is new.
                if (Keys.compare(k, keyOffset, keyLength, resumeKey) == 0 && version >= skipVersionsFrom)
                {
                    return true;
                }
                pastResumeKey = true;
            }
            final int length = v == null ? -1 : valueLength;
            if (nodes.needsSegment() && overCeiling())
            {
                return false;
            }
            int rc = nodes.append(k, keyOffset, keyLength, version, v, valueOffset, length);
            if (NodeSegmentWriter.FULL == rc)
            {
                flush();
                if (overCeiling())
                {
                    return false;
                }
                rc = nodes.append(k, keyOffset, keyLength, version, v, valueOffset, length);
            }
            if (NodeSegmentWriter.NO_MEMORY == rc)
            {
                scanOutOfMemory = true;
                scanFailure = "memory capacity reached after about " + entries + " entries scanned";
                return false;
            }
            if (NodeSegmentWriter.TOO_LARGE == rc)
            {
                flush(); // what came before it goes first
                sendAlone(k, keyOffset, keyLength, version, v, valueOffset, length);
            }
            entries++;
            return true;
        }

        /**
         * Before taking another segment: stop at the load's copy ceiling, as the loader does (the segments are
         * charged to the pool when taken, and the scan runs up to a queue of them ahead of the loader's own check;
         * without this it could take the pool to its hard cap, where the live regions' writes are refused).
         */
        private boolean overCeiling()
        {
            if (!budget.copyMustStop())
            {
                return false;
            }
            scanOutOfMemory = true;
            scanFailure = "memory in use " + budget.used() + " passed the copy ceiling " + budget.copyCeiling() +
                " after about " + entries + " entries scanned";
            return true;
        }

        /** Hand the segment being filled to the loader. */
        void flush()
        {
            final UnsafeBuffer filled = nodes.takeFilled();
            if (filled != null)
            {
                offer(filled);
            }
        }

        /** An entry whose node is larger than a segment: one heap chunk of its own. */
        private void sendAlone(
            final DirectBuffer k, final int keyOffset, final int keyLength, final long version,
            final DirectBuffer v, final int valueOffset, final int valueLength)
        {
            final int need = ENTRY_HEADER + keyLength + Math.max(0, valueLength);
            final UnsafeBuffer chunk = take(4 + need);
            final int at = 4;
            chunk.putInt(at, keyLength);
            chunk.putInt(at + 4, valueLength);
            chunk.putLong(at + 8, version);
            chunk.putBytes(at + ENTRY_HEADER, k, keyOffset, keyLength);
            if (valueLength > 0)
            {
                chunk.putBytes(at + ENTRY_HEADER + keyLength, v, valueOffset, valueLength);
            }
            chunk.putInt(0, at + need);
            offer(chunk);
        }

        private UnsafeBuffer take(final int need)
        {
            if (need > CHUNK_SIZE)
            {
                return new UnsafeBuffer(new byte[need]); // an entry larger than a chunk travels alone
            }
            int idle = 0;
            while (true)
            {
                final UnsafeBuffer recycled = free.poll();
                if (recycled != null)
                {
                    return recycled;
                }
                if (allocated < MAX_CHUNKS)
                {
                    allocated++;
                    final UnsafeBuffer spare = spareChunks.poll();
                    return spare != null ? spare : new UnsafeBuffer(new byte[CHUNK_SIZE]);
                }
                idle = idleStep(idle);
            }
        }
    }
}
