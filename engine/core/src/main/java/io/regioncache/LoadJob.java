package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.table.MvccTable;

/**
 * One load: a loader thread copies {@code [start, end)} from a backing-store snapshot into a private table, then
 * hands the job back to the apply thread through the internal queue.
 * <p>
 * <b>Threads.</b> {@link #run()} is the only writer of {@link #table} until it offers the job to the internal queue
 * (the scan thread of a pipelined load writes node images only into segments the table does not hold until this
 * thread adopts them, {@link ScanPipe});
 * the queue's release/acquire hand-off makes the table, {@link #failure} and {@link #maxVersion} visible to the
 * apply thread, which is the table's only writer from then on. {@link #targets} and {@link #buffered} are touched
 * only by the apply thread. {@link #abandon} and the progress counters are volatile: written by one thread, read
 * by others.
 * <p>
 * <b>Why nothing is lost or applied twice.</b> The host writes the backing store before it sends the same write to
 * the cache. A write is therefore either in the snapshot (written before it was opened) or arrives at the apply
 * thread after the load started, where it is buffered and replayed. A write that is in both is the same
 * (key, version) pair and the table refuses it as a duplicate: replay is idempotent.
 */
final class LoadJob implements Runnable
{
    final byte[] start;
    final byte[] end;
    final MvccTable table;
    final List<RegionRecord> targets = new ArrayList<>();
    final List<WriteBatch> buffered = new ArrayList<>();
    /** Set by the apply thread (its clock) before the job is handed to the loader. */
    long startedNanos;
    /** Apply thread: the bytes this load was expected to need when it started (0 = unknown). */
    long estimatedBytes;
    /** Loader only: the store's size estimate of the whole range, or -1: no index is filled during the copy. */
    private long wholeSize = -1;
    /** Loader only: re-estimate the index's size once the table holds this many keys. */
    private long nextEstimateAtKeys;

    private final BackingSnapshot snapshot;
    private final Queue<Command> completions;
    private final Executor scanExecutor;
    private final org.jctools.queues.MpmcArrayQueue<org.agrona.concurrent.UnsafeBuffer> spareChunks;
    private final MemoryBudget budget;
    /** Threads of {@link #scanExecutor}: with two, a large load scans its two halves at once. */
    private final int scanThreads;

    volatile boolean abandon;
    volatile long keysLoaded;
    volatile long bytesLoaded;
    String failure;
    /** The load failed because the memory budget ran out (not a store error): the range gets a back-off. */
    boolean outOfMemory;
    long maxVersion;
    /** Where the inline part of a load stopped: the key of the first entry not copied, and that entry's version. */
    private byte[] resumeKey;
    private long resumeVersion;

    /**
     * Who took the job, once: the loader thread ({@link #run()}), the apply thread when the loader executor refused it
     * ({@link #rejected}), or {@code close()} before any loader thread started it ({@link #cancelIfQueued}). One CAS
     * from QUEUED decides, so exactly one of them closes the store snapshot and hands back the job's completion: a
     * job close() canceled never starts reading, and close() need not wait its timeout for a load that a busy or held
     * executor has not started (the record it would have evicted went unaccounted: counted, never timed).
     */
    private final AtomicInteger claim = new AtomicInteger(QUEUED);
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int CANCELED = 2;

    /** Entries copied inline before the rest of a load is handed to the scan thread. */
    static final long PIPELINE_AFTER_ENTRIES = 1 << 16;
    /** The inline copy looks at the memory in use once per this many entries (a volatile read; cheap, not free). */
    private static final long MEMORY_CHECK_EVERY = 64;

    LoadJob(
        final RegionRecord target,
        final BackingSnapshot snapshot,
        final MvccTable table,
        final Queue<Command> completions,
        final Executor scanExecutor,
        final org.jctools.queues.MpmcArrayQueue<org.agrona.concurrent.UnsafeBuffer> spareChunks,
        final MemoryBudget budget,
        final int scanThreads)
    {
        this.start = target.region().startKey();
        this.end = target.region().endKey();
        this.snapshot = snapshot;
        this.table = table;
        this.completions = completions;
        this.scanExecutor = scanExecutor;
        this.spareChunks = spareChunks;
        this.budget = budget;
        this.scanThreads = scanThreads;
        targets.add(target);
    }

    /**
     * Loader thread: true if memory in use passed the copy ceiling ({@link MemoryBudget#copyCeiling()}); then the load
     * stops and fails for memory (and backs off) instead of filling the pool to the cap, where every write to a
     * cached region would be refused and its region evicted ({@code MEMORY_LIMIT}).
     */
    boolean memoryFull()
    {
        if (!budget.copyMustStop())
        {
            return false;
        }
        failure = "memory in use " + budget.used() + " passed the copy ceiling " + budget.copyCeiling() + " after " +
            keysLoaded + " entries";
        outOfMemory = true;
        return true;
    }

    /**
     * The apply thread, when the loader executor refused the job: take it, close its snapshot (no loader will) and
     * return its completion, failed with {@code why}.
     *
     * @param why the executor's refusal.
     * @return the job's completion, or null if another taker already handed it back.
     */
    Command rejected(final String why)
    {
        if (!claim.compareAndSet(QUEUED, TAKEN))
        {
            return null;
        }
        failure = why;
        closeSnapshot();
        return new Command.LoadFinished(this);
    }

    /**
     * The closing thread (the single writer by then), after every region is evicted: cancel the job if no loader
     * thread has started it, close its snapshot and queue its completion, which the close's apply cycles then
     * process like any other abandoned load (the table freed, each LOADING_CANCELED target evicted and timed).
     *
     * @return true if the job was canceled.
     */
    boolean cancelIfQueued()
    {
        if (!claim.compareAndSet(QUEUED, CANCELED))
        {
            return false;
        }
        failure = "canceled by close before a loader started it";
        closeSnapshot();
        completions.offer(new Command.LoadFinished(this));
        return true;
    }

    private void closeSnapshot()
    {
        try
        {
            snapshot.close();
        }
        catch (final RuntimeException ex)
        {
            if (failure == null)
            {
                failure = "store error on snapshot close: " + ex;
            }
        }
    }

    @Override
    public void run()
    {
        if (!claim.compareAndSet(QUEUED, TAKEN))
        {
            return; // canceled by close() or refused by the executor: its snapshot is closed and its completion queued
        }
        try
        {
            // Private table: no reader can reach it before install, so build its hash index once at the end.
            table.deferHashIndex();
            // Small regions load faster on one thread (no hand-off), so the first entries are copied inline; a load
            // that goes on past the threshold hands the rest of the scan to the scan thread and keeps inserting.
            final boolean finished =
                copyInline(start, Long.MIN_VALUE, scanExecutor == null ? Long.MAX_VALUE : PIPELINE_AFTER_ENTRIES);
            if (!finished && failure == null && !copyPipelined())
            {
                copyInline(resumeKey, resumeVersion, Long.MAX_VALUE);
            }
            if (failure == null && !memoryFull() && !table.buildHashIndex())
            {
                failure = "memory capacity reached building the hash index";
                outOfMemory = true;
            }
        }
        catch (final RuntimeException ex)
        {
            failure = "store error: " + ex;
        }
        finally
        {
            closeSnapshot();
            // Unbounded queue: the completion of a load can never be dropped.
            completions.offer(new Command.LoadFinished(this));
        }
    }

    /**
     * Scan on the scan executor, which writes node images this thread links into the table (see {@link ScanPipe}). When
     * the executor has two threads and the snapshot offers a key that halves the rest ({@link #splitOfRest}), the two
     * halves are scanned at once, each by its own thread into its own pipe, and this thread links the first half, then
     * the second. Why: the pipelined load is the scan thread's time (RocksDB's {@code next} is most of it), and the
     * loader's own work (linking, filling the index) is a fraction of that, so on a host with a core to spare a second
     * scan thread is what shortens it (on the 2-core test host, where the scan and the loader already keep both cores
     * busy, it measured no faster: hence {@code loadScanThreads} 1 by default). The halves are disjoint
     * ({@code [resume, split)} and {@code [split, end)}) and linked in key order, so the table is the one a single
     * scan makes.
     *
     * @return false if there is no scan executor or it refused the task (then copy inline).
     */
    private boolean copyPipelined()
    {
        final byte[] split = scanThreads >= 2 ? splitOfRest() : null;
        ScanPipe second = null;
        if (null != split)
        {
            second = new ScanPipe(spareChunks, true);
            try
            {
                // Queued before the first half: its scan never waits on this thread (its queue is unbounded), so
                // a scan thread that takes it always comes free, whatever else the executor holds.
                scanExecutor.execute(
                    second.producer(snapshot, split, end, Long.MIN_VALUE, table.newNodeSegmentWriter(), budget));
            }
            catch (final RejectedExecutionException ex)
            {
                second = null;
            }
        }
        final ScanPipe first = new ScanPipe(spareChunks);
        try
        {
            scanExecutor.execute(first.producer(
                snapshot, resumeKey, null == second ? end : split, resumeVersion, table.newNodeSegmentWriter(), budget));
        }
        catch (final RejectedExecutionException ex)
        {
            if (null != second)
            {
                second.abandon(table);
            }
            return false;
        }
        // After the scan has started: taking the index's memory (zeroing a reused column: ~50 ms at 1M keys) then
        // overlaps the scan's first chunks instead of delaying them.
        startIndexDuringCopy();
        String consumerFailure;
        try
        {
            consumerFailure = first.consume(this, table);
        }
        catch (final RuntimeException | Error ex)
        {
            if (null != second)
            {
                second.abandon(table); // its scan is not left running, nor its segments queued, behind a throw
            }
            throw ex;
        }
        String scanFailure = first.scanFailure();
        boolean scanOutOfMemory = first.scanOutOfMemory();
        if (null != second)
        {
            if (null != consumerFailure || null != scanFailure)
            {
                second.abandon(table);
            }
            else
            {
                consumerFailure = second.consume(this, table);
                scanFailure = second.scanFailure();
                scanOutOfMemory = second.scanOutOfMemory();
            }
        }
        failure = consumerFailure != null ? consumerFailure : scanFailure;
        if (consumerFailure == null && scanOutOfMemory)
        {
            outOfMemory = true; // the scan threads' segments are charged to the same cap: back off like any other
        }
        return true;
    }

    /**
     * Loader thread: the snapshot's key halving {@code [resumeKey, end)}, or null if it offers none or one outside
     * that range (a store's key is a hint: the load checks it rather than trust it), or if it throws.
     */
    private byte[] splitOfRest()
    {
        final byte[] split;
        try
        {
            split = snapshot.splitKey(resumeKey, end);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
        if (null == split || Arrays.compareUnsigned(split, resumeKey) <= 0 ||
            (end.length > 0 && Arrays.compareUnsigned(split, end) >= 0))
        {
            return null;
        }
        return split.clone();
    }

    /**
     * Loader thread, at the hand-over to the scan thread: size the region's hash index from the keys copied so far and
     * the store's estimate of the part copied against the whole range, so that the loader fills the index while it
     * waits on the scan ({@link #indexWhileWaiting}) instead of after the copy. Nothing is started if the store gives
     * no estimate ({@link BackingSnapshot#approximateSize} returns -1 by default). The estimate is made again each
     * time the keys copied have doubled, from a larger sample (RocksDB's figures for data still in its write buffers
     * are coarse), and a new capacity restarts the index; one that still proves wrong at the end only sends
     * {@link MvccTable#buildHashIndex()} back to building the index from scratch.
     */
    private void startIndexDuringCopy()
    {
        if (null == resumeKey)
        {
            return;
        }
        wholeSize = approximateSize(end);
        estimateIndex(resumeKey);
    }

    /**
     * @return the store's estimate for {@code [start, upTo)}, or -1: also when a store's estimate throws (an estimate
     * is an optimisation; it must not fail the load).
     */
    private long approximateSize(final byte[] upTo)
    {
        try
        {
            return snapshot.approximateSize(start, upTo);
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * Loader thread, while the copy waits for the scan: walk up to {@code maxNodes} copied nodes into the index sized
     * by {@link #startIndexDuringCopy}, re-estimating first if the keys copied have doubled since the last estimate.
     *
     * @return true if there was work (the caller polls the scan again, then comes back); false to wait.
     */
    boolean indexWhileWaiting(final int maxNodes)
    {
        if (wholeSize <= 0)
        {
            return false;
        }
        if (table.keyCount() >= nextEstimateAtKeys && !estimateIndex(table.lastInsertedKey()))
        {
            return false;
        }
        return table.indexDuringCopy(maxNodes);
    }

    /**
     * Size (or re-size) the index being filled from the keys copied so far and the store's estimate of the part
     * copied ({@code [start, copiedUpTo)}) against the whole range.
     * <p>
     * Not under memory pressure: a load that builds its index after the copy checks the copy ceiling first and may
     * pass it by the index, whereas an index taken ahead of the data would make the copy itself stop at the ceiling
     * sooner. So the index is taken early only if the data still to copy and the whole index (entries included, the
     * most it can be) fit below the ceiling; otherwise the load builds it afterwards, as before.
     *
     * @return false if the index is not being filled any more (no estimate, a broken walk, no room or memory for it).
     */
    private boolean estimateIndex(final byte[] copiedUpTo)
    {
        final long keys = table.keyCount();
        nextEstimateAtKeys = Math.max(1, keys) * 2;
        final long copied = null == copiedUpTo ? -1 : approximateSize(copiedUpTo);
        if (copied >= wholeSize && table.copyIndexBytes() > 0)
        {
            // The estimate says the copy is done but the scan is not: coarse figures (RocksDB's for data still in its
            // write buffers) saturate before the end. Nothing new to learn: keep the index being filled.
            return true;
        }
        if (copied <= 0 || wholeSize <= copied || keys <= 0)
        {
            wholeSize = -1;
            return false;
        }
        final double scale = (double)wholeSize / copied;
        final long estimatedKeys = (long)Math.ceil(keys * scale);
        final long stillToCopy = (long)(table.dataBytes() * (scale - 1));
        final long needed =
            budget.used() - table.copyIndexBytes() + stillToCopy + MvccTable.fullIndexBytes(estimatedKeys);
        if (needed > budget.copyCeiling())
        {
            table.abandonIndexDuringCopy(); // its memory goes back now: the copy needs the room
            wholeSize = -1;
            return false;
        }
        // The windowed fill's staging (MvccTable.indexStagingBytes) is taken only if it fits below the ceiling too:
        // without it the index is filled directly, as before.
        final boolean staged = needed + MvccTable.indexStagingBytes(estimatedKeys) <= budget.copyCeiling();
        if (!table.startIndexDuringCopy(estimatedKeys, staged))
        {
            wholeSize = -1;
            return false;
        }
        return true;
    }

    /**
     * Copy entries on this thread from {@code from}.
     *
     * @param from             first key to copy.
     * @param skipVersionsFrom versions of {@code from} at or above this are already in the table (Long.MIN_VALUE:
     *                         none).
     * @param limit            stop after this many entries, remembering where in {@link #resumeKey} and
     *                         {@link #resumeVersion}, so the rest can be resumed.
     * @return true if the copy reached the end of the range or failed (see {@link #failure}); false if it stopped
     * at the limit.
     */
    private boolean copyInline(final byte[] from, final long skipVersionsFrom, final long limit)
    {
        final long[] copied = new long[1];
        final boolean[] pastFrom = {skipVersionsFrom == Long.MIN_VALUE};
        resumeKey = null;
        snapshot.scan(from, end, (key, keyOffset, keyLength, version, value, valueOffset, valueLength) ->
        {
            if (abandon)
            {
                failure = "abandoned: every target was evicted";
                return false;
            }
            if (!pastFrom[0])
            {
                if (Keys.compare(key, keyOffset, keyLength, from) == 0 && version >= skipVersionsFrom)
                {
                    return true; // copied before the hand-over
                }
                pastFrom[0] = true;
            }
            if (copied[0] % MEMORY_CHECK_EVERY == 0 && memoryFull())
            {
                return false;
            }
            if (copied[0] == limit)
            {
                // Not copied: the rest starts here. Versions of this key above this one are in the table.
                resumeKey = new byte[keyLength];
                key.getBytes(keyOffset, resumeKey);
                resumeVersion = version + 1;
                return false;
            }
            final int rc = value == null ?
                table.delete(key, keyOffset, keyLength, version) :
                table.put(key, keyOffset, keyLength, version, value, valueOffset, valueLength);
            if (rc == MvccTable.NO_MEMORY)
            {
                failure = "memory capacity reached after " + keysLoaded + " entries";
                outOfMemory = true;
                return false;
            }
            if (version > maxVersion)
            {
                maxVersion = version;
            }
            copied[0]++;
            keysLoaded = keysLoaded + 1;
            bytesLoaded = bytesLoaded + keyLength + valueLength;
            return true;
        });
        return resumeKey == null;
    }
}
