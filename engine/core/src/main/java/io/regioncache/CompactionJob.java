package io.regioncache;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.table.MvccTable;
import io.regioncache.internal.table.RawCursor;

/**
 * MVCC GC by compaction: copy one region's live data from its (possibly shared) table into a fresh private table,
 * off the apply thread, dropping every version shadowed at or below the safe point and any data outside the
 * region (space left by evicted split siblings). The apply thread then replays the batches that landed
 * meanwhile and swaps in a successor record (README, "MVCC GC by compaction"): snapshots already open keep reading the old table.
 * <p>
 * <b>Threads.</b> {@link #run()} reads the source table as any reader does (acquire loads, concurrently with the
 * apply thread's writes) and is the only writer of {@link #target} until it hands the job back through the
 * internal queue. It copies only versions up to {@link #copyUpTo} — every one of them was published before the job
 * started — and the apply thread buffers every batch applied to the region after that, so each version is copied
 * or replayed exactly once. The source table cannot be freed under the job: the apply thread took a reference on
 * {@link #sourceRef} for the job and drops it only when the job is back.
 */
final class CompactionJob implements Runnable
{
    final RegionRecord source;
    final TableRef sourceRef;
    final MvccTable target;
    final long safePoint;
    final long copyUpTo;
    final List<WriteBatch> buffered = new ArrayList<>();
    /** Set by the apply thread (its clock) before the job is handed to the GC executor. */
    long startedNanos;
    private final Queue<Command> completions;
    private final MemoryBudget budget;

    String failure;
    long copied;
    long dropped;

    /**
     * Who took the job, once: the GC executor's thread ({@link #run()}) or the apply thread when the executor refused
     * it ({@link #take()}), or {@code close()} after its wait ({@link #cancelIfQueued()}). One CAS from QUEUED decides,
     * so a job close() gave back can never start reading the source table it no longer holds.
     */
    private final AtomicInteger claim = new AtomicInteger(QUEUED);
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int CANCELED = 2;

    CompactionJob(
        final RegionRecord source, final MvccTable target, final long safePoint, final Queue<Command> completions,
        final MemoryBudget budget)
    {
        this.source = source;
        this.sourceRef = source.tableRef();
        this.target = target;
        this.safePoint = safePoint;
        this.copyUpTo = source.appliedVersionAcquire();
        this.completions = completions;
        this.budget = budget;
    }

    /**
     * @return true if this call took the job (it was neither run nor canceled before): the taker hands it back.
     */
    boolean take()
    {
        return claim.compareAndSet(QUEUED, TAKEN);
    }

    /**
     * The closing thread, once close()'s wait is over: cancel the job if no thread has taken it yet (an executor that
     * is busy or held). The caller then gives back the job's references; the job, if it runs later, does nothing.
     *
     * @return true if the job was canceled.
     */
    boolean cancelIfQueued()
    {
        return claim.compareAndSet(QUEUED, CANCELED);
    }

    @Override
    public void run()
    {
        if (!take())
        {
            return; // canceled by close(), which gave back the source table and the copy: nothing to read or to hand back
        }
        try
        {
            target.deferHashIndex(); // private until the swap: build the index once, after the copy
            copy();
            if (failure == null && !target.buildHashIndex())
            {
                failure = "memory capacity reached building the hash index";
            }
        }
        catch (final RuntimeException ex)
        {
            failure = "compaction failed: " + ex;
        }
        finally
        {
            completions.offer(new Command.CompactionFinished(this));
        }
    }

    private void copy()
    {
        final RawCursor cursor = sourceRef.table().newRawCursor();
        cursor.reset(source.region().startKey(), source.region().endKey().length == 0 ? null : source.region().endKey());
        final UnsafeBuffer key = new UnsafeBuffer(0, 0);
        final UnsafeBuffer value = new UnsafeBuffer(0, 0);
        final UnsafeBuffer lastKey = new UnsafeBuffer(new byte[sourceRef.table().maxKeyLength()]);
        int lastKeyLength = -1;
        boolean keyDone = false; // true once the newest version <= safePoint of the current key was handled
        for (boolean ok = cursor.seekToFirst(); ok; ok = cursor.next())
        {
            cursor.keyView(key);
            final int keyLength = key.capacity();
            if (!sameKey(lastKey, lastKeyLength, key, keyLength))
            {
                lastKey.putBytes(0, key, 0, keyLength);
                lastKeyLength = keyLength;
                keyDone = false;
            }
            final long version = cursor.version();
            if (version > copyUpTo)
            {
                continue; // published after the job started: the apply thread replays it from its buffer
            }
            if (keyDone)
            {
                dropped++;
                continue; // shadowed at or below the safe point
            }
            if (version <= safePoint)
            {
                keyDone = true; // the newest version visible at the safe point: keep it unless it is a delete
                if (cursor.isTombstone())
                {
                    dropped++;
                    continue;
                }
            }
            final int rc;
            if (cursor.isTombstone())
            {
                rc = target.delete(key, 0, keyLength, version);
            }
            else
            {
                cursor.valueView(value);
                rc = target.put(key, 0, keyLength, version, value, 0, value.capacity());
            }
            if (rc == MvccTable.NO_MEMORY)
            {
                failure = "memory capacity reached while compacting";
                return;
            }
            // As a load does (LoadJob.memoryFull): stop at the copy ceiling, leaving the rest to the writers.
            if (++copied % 64 == 0 && budget.copyMustStop())
            {
                failure = "memory in use passed the copy ceiling while compacting";
                return;
            }
        }
    }

    private static boolean sameKey(
        final DirectBuffer a, final int aLength, final DirectBuffer b, final int bLength)
    {
        if (aLength != bLength)
        {
            return false;
        }
        for (int i = 0; i < aLength; i++)
        {
            if (a.getByte(i) != b.getByte(i))
            {
                return false;
            }
        }
        return true;
    }
}
